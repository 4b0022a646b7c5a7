import { describe, expect, test } from "vitest";
import { expectLoadError, load } from "./helpers.ts";

// API Gateway reads an OpenAPI Body's base path by the import parameter basepath (api-gateway-import-api-basePath):
// ignore (default) leaves it out of resource paths, prepend / split put it in. gateproof reads ignore only.
const BODY = { swagger: "2.0", info: { title: "t", version: "1" }, basePath: "/v1", paths: { "/items": { get: { "x-amazon-apigateway-integration": { type: "mock", requestTemplates: { "application/json": '{"statusCode": 200}' } } } } } };
const POLICY = { Statement: [{ Effect: "Allow", Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*" }] };

function restApi(api: Record<string, unknown>): string {
  return JSON.stringify({
    Resources: {
      Api: { Type: "AWS::ApiGateway::RestApi", Properties: { Name: "imported", Body: BODY, ...api } },
      Stage: { Type: "AWS::ApiGateway::Stage", Properties: { RestApiId: { Ref: "Api" }, StageName: "prod" } },
    },
  });
}
const P = "$.Resources.Api.Properties.Parameters";

describe("RestApi import Parameters", () => {
  test("basepath ignore (and ignore=documentation) load with the base path left out, as AWS imports them", async () => {
    const { model } = await load(restApi({ Parameters: { basepath: "ignore", ignore: "documentation" } }), {}, {}, "t.json");
    expect(model.restApis[0]!.root.children.map((r) => r.path)).toEqual(["/items"]);
  });

  test.each(["prepend", "split"])("basepath %s is refused (resources would sit elsewhere on AWS)", async (mode) => {
    await expectLoadError(restApi({ Parameters: { basepath: mode } }), `${P}.basepath`, `base path mode "${mode}" is not supported yet (only ignore, the default: the OpenAPI base path is not part of resource paths)`, {}, {}, "t.json");
  });

  test("an unknown import parameter is refused", async () => {
    await expectLoadError(restApi({ Parameters: { mode: "merge" } }), `${P}.mode`, "import parameter mode is not supported yet (basepath, endpointConfigurationTypes, ignore)", {}, {}, "t.json");
  });

  test("endpointConfigurationTypes PRIVATE needs a resource policy like EndpointConfiguration PRIVATE", async () => {
    await expectLoadError(restApi({ Parameters: { endpointConfigurationTypes: "PRIVATE" } }), `${P}.endpointConfigurationTypes`, /^Private REST API doesn't have a resource policy attached to it/, {}, {}, "t.json");
    const { model } = await load(restApi({ Parameters: { endpointConfigurationTypes: "PRIVATE" }, Policy: POLICY }), {}, {}, "t.json");
    expect(model.restApis[0]!.policy).toBeDefined();
  });

  test("AWS::ApiGatewayV2::Api BasePath other than ignore is refused", async () => {
    const http = JSON.stringify({
      Resources: {
        Api: { Type: "AWS::ApiGatewayV2::Api", Properties: { ProtocolType: "HTTP", BasePath: "prepend", Body: { openapi: "3.0.1", info: { title: "h", version: "1" }, paths: {} } } },
        Stage: { Type: "AWS::ApiGatewayV2::Stage", Properties: { ApiId: { Ref: "Api" }, StageName: "$default", AutoDeploy: true } },
      },
    });
    await expectLoadError(http, "$.Resources.Api.Properties.BasePath", /^base path mode "prepend" is not supported yet/, {}, {}, "t.json");
  });
});
