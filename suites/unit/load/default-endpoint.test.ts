import { describe, expect, test } from "vitest";
import { HANDLER, expectLoadError, load } from "./helpers.ts";

// AWS answers 403 Forbidden on a disabled default endpoint and gateproof serves no custom domain, so each way of
// disabling it must stop the load rather than serve the API open.
const REASON = /^(DisableExecuteApiEndpoint|disableExecuteApiEndpoint): a disabled default endpoint is not supported yet \(AWS answers 403 Forbidden there/;
const SRC = { "src/index.mjs": HANDLER };
const FN = "  Fn:\n    Type: AWS::Serverless::Function\n    Properties: { Runtime: nodejs20.x, CodeUri: src, Handler: index.handler }\n";
const sam = (resources: string) => `Transform: AWS::Serverless-2016-10-31\nResources:\n${FN}${resources}`;
const X = "x-amazon-apigateway-endpoint-configuration";
const mockPaths = "paths:\n  /:\n    get:\n      x-amazon-apigateway-integration: { type: mock, requestTemplates: { application/json: '{\"statusCode\": 200}' } }\n";

describe("a disabled default endpoint is refused at load", () => {
  test.each([
    [
      "AWS::ApiGateway::RestApi DisableExecuteApiEndpoint",
      sam("  Api:\n    Type: AWS::ApiGateway::RestApi\n    Properties: { Name: a, DisableExecuteApiEndpoint: true }\n"),
      "$.Resources.Api.Properties.DisableExecuteApiEndpoint",
    ],
    [
      "AWS::Serverless::Api DisableExecuteApiEndpoint",
      sam("  Api:\n    Type: AWS::Serverless::Api\n    Properties: { StageName: prod, DisableExecuteApiEndpoint: true }\n"),
      "$.Resources.Api.Properties.DisableExecuteApiEndpoint",
    ],
    [
      "a REST API's OpenAPI 3 body, on its Server object (where API Gateway's export puts it)",
      sam(`  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: prod\n      DefinitionBody:\n        openapi: 3.0.1\n        info: { title: t, version: "1" }\n        servers: [{ url: "https://example.com", ${X}: { disableExecuteApiEndpoint: true } }]\n        ${mockPaths.replace(/\n(?=.)/g, "\n        ")}`),
      `$.Resources.Api.Properties.DefinitionBody.servers[0]['${X}'].disableExecuteApiEndpoint`,
    ],
    [
      "AWS::Serverless::HttpApi DisableExecuteApiEndpoint",
      sam("  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties: { DisableExecuteApiEndpoint: true }\n"),
      "$.Resources.Api.Properties.DisableExecuteApiEndpoint",
    ],
    [
      "an HTTP API's OpenAPI body (Server object)",
      sam(`  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      DefinitionBody:\n        openapi: 3.0.1\n        info: { title: t, version: "1" }\n        servers: [{ url: "https://example.com", ${X}: { disableExecuteApiEndpoint: "true" } }]\n        paths: {}\n`),
      `$.Resources.Api.Properties.DefinitionBody.servers[0]['${X}'].disableExecuteApiEndpoint`,
    ],
    [
      "AWS::ApiGatewayV2::Api (HTTP) DisableExecuteApiEndpoint",
      sam("  Api:\n    Type: AWS::ApiGatewayV2::Api\n    Properties: { Name: h, ProtocolType: HTTP, Target: !GetAtt Fn.Arn, DisableExecuteApiEndpoint: true }\n"),
      "$.Resources.Api.Properties.DisableExecuteApiEndpoint",
    ],
    [
      "AWS::ApiGatewayV2::Api (WEBSOCKET) DisableExecuteApiEndpoint",
      sam("  Api:\n    Type: AWS::ApiGatewayV2::Api\n    Properties: { Name: w, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action, DisableExecuteApiEndpoint: true }\n"),
      "$.Resources.Api.Properties.DisableExecuteApiEndpoint",
    ],
  ])("%s", async (_name, template, jsonPath) => {
    await expectLoadError(template, jsonPath, REASON, SRC);
  });

  test("a Swagger 2 file's root extension", async () => {
    const doc = `swagger: "2.0"\ninfo: { title: t, version: "1" }\n${X}: { disableExecuteApiEndpoint: true }\n${mockPaths}`;
    await expectLoadError(doc, `$['${X}'].disableExecuteApiEndpoint`, REASON, {}, {}, "swagger.yaml");
  });

  test("disableExecuteApiEndpoint false, and other endpoint settings, still load", async () => {
    const doc = `swagger: "2.0"\ninfo: { title: t, version: "1" }\n${X}: { disableExecuteApiEndpoint: false, vpcEndpointIds: [vpce-0212a4ababd5b8c3e] }\n${mockPaths}`;
    const { model } = await load(doc, {}, {}, "swagger.yaml");
    expect(model.restApis).toHaveLength(1);
  });
});
