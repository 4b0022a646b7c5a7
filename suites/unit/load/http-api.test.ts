import { describe, expect, test } from "vitest";
import type { HttpApi } from "../../../reference-gateway/model/index.ts";
import { expectLoadError, HANDLER, load } from "./helpers.ts";

const SRC = { "src/index.mjs": HANDLER };
const sam = (resources: string, globals = "") =>
  `Transform: AWS::Serverless-2016-10-31\n${globals}Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs20.x\n      CodeUri: src\n      Handler: index.handler\n${resources}`;
const httpApis = async (template: string, extra: Record<string, string> = SRC): Promise<HttpApi[]> => (await load(template, extra)).model.httpApis ?? [];

describe("HTTP API loading", () => {
  test("an HttpApi event without ApiId creates the implicit ServerlessHttpApi on $default, payload 2.0, 30 s", async () => {
    const [api] = await httpApis(sam("      Events:\n        E:\n          Type: HttpApi\n          Properties: { Path: /a, Method: get }\n"));
    expect(api!.logicalId).toBe("ServerlessHttpApi");
    expect(api!.stages).toEqual([{ name: "$default", variables: {}, autoDeploy: true, routeThrottles: {} }]);
    expect(api!.routes.map((r) => r.routeKey)).toEqual(["GET /a"]);
    expect(api!.routes[0]!.integration).toEqual({ type: "AWS_PROXY", payloadFormatVersion: "2.0", functionLogicalId: "Fn", timeoutInMillis: 30000 });
  });

  test("an HttpApi event with no Path and Method is the $default route", async () => {
    const [api] = await httpApis(sam("      Events:\n        E:\n          Type: HttpApi\n"));
    expect(api!.routes[0]!.routeKey).toBe("$default");
  });

  test("Globals.HttpApi, named stage, CorsConfiguration true, OpenAPI DefinitionBody merged with events", async () => {
    const template = sam(
      "      Events:\n        E: { Type: HttpApi, Properties: { ApiId: !Ref Api, Path: /b, Method: POST } }\n" +
        "  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      StageName: prod\n      CorsConfiguration: true\n" +
        "      DefinitionBody:\n        openapi: '3.0.1'\n        info: { title: defined }\n        paths:\n          /$default:\n            x-amazon-apigateway-any-method:\n              isDefaultRoute: true\n              x-amazon-apigateway-integration: { type: http_proxy, httpMethod: ANY, uri: 'http://example.com', payloadFormatVersion: '1.0' }\n",
      "Globals:\n  HttpApi:\n    StageVariables: { v: x }\n",
    );
    const [api] = await httpApis(template);
    expect(api!.name).toBe("defined");
    expect(api!.stages[0]).toMatchObject({ name: "prod", variables: { v: "x" } });
    expect(api!.cors).toEqual({ allowOrigins: ["*"], allowMethods: [], allowHeaders: [], exposeHeaders: [], allowCredentials: false });
    expect(api!.routes.map((r) => r.routeKey)).toEqual(["$default", "POST /b"]);
    expect(api!.routes[0]!.integration).toMatchObject({ type: "HTTP_PROXY", uri: "http://example.com", method: "ANY" });
  });

  test("AWS::ApiGatewayV2 quick create (Target) gives a $default stage and route", async () => {
    const template = sam("  Api:\n    Type: AWS::ApiGatewayV2::Api\n    Properties: { Name: q, ProtocolType: HTTP, Target: !GetAtt Fn.Arn }\n");
    const [api] = await httpApis(template);
    expect(api!.stages.map((s) => s.name)).toEqual(["$default"]);
    expect(api!.routes[0]).toMatchObject({ routeKey: "$default", integration: { type: "AWS_PROXY", payloadFormatVersion: "2.0", functionLogicalId: "Fn" } });
  });

  test("AWS::ApiGatewayV2 Authorizer + Route with JWT and scopes", async () => {
    const template = sam(
      "  Api: { Type: AWS::ApiGatewayV2::Api, Properties: { ProtocolType: HTTP } }\n" +
        "  Stage: { Type: AWS::ApiGatewayV2::Stage, Properties: { ApiId: !Ref Api, StageName: $default, AutoDeploy: true } }\n" +
        "  Auth: { Type: AWS::ApiGatewayV2::Authorizer, Properties: { ApiId: !Ref Api, AuthorizerType: JWT, Name: jwt, IdentitySource: [$request.header.Authorization], JwtConfiguration: { Issuer: 'http://127.0.0.1:1/i', Audience: [a] } } }\n" +
        "  Int: { Type: AWS::ApiGatewayV2::Integration, Properties: { ApiId: !Ref Api, IntegrationType: AWS_PROXY, IntegrationUri: !GetAtt Fn.Arn, PayloadFormatVersion: '1.0' } }\n" +
        "  Route: { Type: AWS::ApiGatewayV2::Route, Properties: { ApiId: !Ref Api, RouteKey: 'GET /x/{id}', Target: !Sub 'integrations/${Int}', AuthorizationType: JWT, AuthorizerId: !Ref Auth, AuthorizationScopes: [s1] } }\n",
    );
    const [api] = await httpApis(template);
    const route = api!.routes[0]!;
    expect(route).toMatchObject({ routeKey: "GET /x/{id}", method: "GET", path: "/x/{id}", authorizationType: "JWT", authorizationScopes: ["s1"] });
    expect(api!.authorizers[route.authorizerId!]).toMatchObject({ type: "JWT", issuer: "http://127.0.0.1:1/i", audience: ["a"], identitySource: ["$request.header.Authorization"] });
  });
});

describe("HTTP API load errors", () => {
  const v2 = (extra: string) =>
    sam("  Api: { Type: AWS::ApiGatewayV2::Api, Properties: { ProtocolType: HTTP } }\n  Int: { Type: AWS::ApiGatewayV2::Integration, Properties: { ApiId: !Ref Api, IntegrationType: HTTP_PROXY, IntegrationMethod: GET, IntegrationUri: 'http://example.com' } }\n" + extra);

  test("route throttling limits out of range are refused", async () => {
    await expectLoadError(
      sam("  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      DefaultRouteSettings: { ThrottlingBurstLimit: 10, ThrottlingRateLimit: -5 }\n"),
      "$.Resources.Api.Properties.DefaultRouteSettings.ThrottlingRateLimit",
      "ThrottlingRateLimit must be a non-negative number",
      SRC,
    );
  });
  test("a greedy variable must end the route key", async () => {
    await expectLoadError(v2("  R: { Type: AWS::ApiGatewayV2::Route, Properties: { ApiId: !Ref Api, RouteKey: 'GET /{p+}/x', Target: !Sub 'integrations/${Int}' } }\n  S: { Type: AWS::ApiGatewayV2::Stage, Properties: { ApiId: !Ref Api, StageName: s } }\n"), "$.Resources.R.Properties.RouteKey", 'route key "GET /{p+}/x": a greedy path variable must be the last segment', SRC);
  });
  test("a Target that is no integration of the API", async () => {
    await expectLoadError(v2("  R: { Type: AWS::ApiGatewayV2::Route, Properties: { ApiId: !Ref Api, RouteKey: 'GET /a', Target: integrations/nope } }\n  S: { Type: AWS::ApiGatewayV2::Stage, Properties: { ApiId: !Ref Api, StageName: s } }\n"), "$.Resources.R.Properties.Target", 'Target "integrations/nope" must be integrations/<id> of an AWS::ApiGatewayV2::Integration of this API', SRC);
  });
  test("a duplicate route key", async () => {
    await expectLoadError(
      v2("  R1: { Type: AWS::ApiGatewayV2::Route, Properties: { ApiId: !Ref Api, RouteKey: 'GET /a', Target: !Sub 'integrations/${Int}' } }\n  R2: { Type: AWS::ApiGatewayV2::Route, Properties: { ApiId: !Ref Api, RouteKey: 'GET /a', Target: !Sub 'integrations/${Int}' } }\n  S: { Type: AWS::ApiGatewayV2::Stage, Properties: { ApiId: !Ref Api, StageName: s } }\n"),
      "$.Resources.R2",
      'route key "GET /a" is defined twice',
      SRC,
    );
  });
  test("an API without a stage", async () => {
    await expectLoadError(v2(""), "$.Resources.Api", "the HTTP API has no stage (add an AWS::ApiGatewayV2::Stage, e.g. StageName: $default with AutoDeploy: true)", SRC);
  });
  test("a Lambda integration without PayloadFormatVersion", async () => {
    await expectLoadError(
      sam("  Api: { Type: AWS::ApiGatewayV2::Api, Properties: { ProtocolType: HTTP } }\n  Int: { Type: AWS::ApiGatewayV2::Integration, Properties: { ApiId: !Ref Api, IntegrationType: AWS_PROXY, IntegrationUri: !GetAtt Fn.Arn } }\n"),
      "$.Resources.Int.Properties.PayloadFormatVersion",
      'PayloadFormatVersion must be "1.0" or "2.0" for a Lambda integration',
      SRC,
    );
  });
  test("TimeoutInMillis over 30000 (spec §10)", async () => {
    await expectLoadError(sam("      Events:\n        E: { Type: HttpApi, Properties: { TimeoutInMillis: 30001 } }\n"), "$.Resources.Fn.Properties.Events.E.Properties.TimeoutInMillis", "TimeoutInMillis 30001 is outside 50..30000", SRC);
  });
  test("allowCredentials with origin * (aws/aws-cdk#9076)", async () => {
    await expectLoadError(
      sam("  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      CorsConfiguration: { AllowOrigins: ['*'], AllowCredentials: true }\n"),
      "$.Resources.Api.Properties.CorsConfiguration.AllowCredentials",
      "allow-credentials is not supported if 'allow-origin' is *",
      SRC,
    );
  });
  test("Auth or CorsConfiguration next to a DefinitionUri, as samtranslator refuses them (it edits only DefinitionBody)", async () => {
    const files = { ...SRC, "api.yaml": "openapi: 3.0.1\ninfo: { title: t, version: '1' }\npaths:\n  /a:\n    get:\n      x-amazon-apigateway-integration: { type: http_proxy, httpMethod: ANY, uri: 'http://example.com', payloadFormatVersion: '1.0' }\n" };
    const api = (props: string, globals = "") => sam(`  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      DefinitionUri: api.yaml\n${props}`, globals);
    const auth = "Auth works only with inline OpenApi specified in the 'DefinitionBody' property.";
    await expectLoadError(api("      Auth: { EnableIamAuthorizer: true, DefaultAuthorizer: AWS_IAM }\n"), "$.Resources.Api.Properties.Auth", auth, files);
    await expectLoadError(api("", "Globals:\n  HttpApi:\n    Auth: { EnableIamAuthorizer: true, DefaultAuthorizer: AWS_IAM }\n"), "$.Globals.HttpApi.Auth", auth, files);
    await expectLoadError(api("      CorsConfiguration: true\n"), "$.Resources.Api.Properties.CorsConfiguration", "Cors works only with inline OpenApi specified in 'DefinitionBody' property.", files);
    const [loaded] = (await load(api("      CorsConfiguration: false\n"), files)).model.httpApis ?? [];
    expect(loaded!.routes.map((r) => [r.routeKey, r.authorizationType])).toEqual([["GET /a", "NONE"]]);
  });
  test("x-amazon-apigateway-authorizer keys an HTTP API does not read (misspelt or REST-only) are refused, not dropped for defaults", async () => {
    const body = (scheme: string) =>
      sam(`  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      DefinitionBody:\n        openapi: 3.0.1\n        info: { title: t, version: '1' }\n        components:\n          securitySchemes:\n            A: { type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authorizer: ${scheme} }\n        paths: {}\n`);
    const A = "$.Resources.Api.Properties.DefinitionBody.components.securitySchemes.A['x-amazon-apigateway-authorizer']";
    const uri = "!Sub 'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations'";
    await expectLoadError(body("{ type: jwt, jwtConfiguration: { issuer: 'https://issuer.example.com', audiences: [a] } }"), `${A}.jwtConfiguration.audiences`, "jwtConfiguration property audiences is not supported yet", SRC);
    await expectLoadError(
      body(`{ type: request, authorizerUri: ${uri}, authorizerPayloadFormatVersion: '2.0', identitySource: [$request.header.X], identityValidationExpression: '^a' }`),
      `${A}.identityValidationExpression`,
      "request x-amazon-apigateway-authorizer property identityValidationExpression is not supported yet",
      SRC,
    );
    const [api] = await httpApis(body(`{ type: request, authorizerUri: ${uri}, authorizerPayloadFormatVersion: '2.0', enableSimpleResponses: true, identitySource: [$request.header.X], authorizerResultTtlInSeconds: 0 }`));
    expect(Object.values(api!.authorizers)[0]).toMatchObject({ type: "REQUEST", payloadFormatVersion: "2.0", enableSimpleResponses: true, identitySource: ["$request.header.X"], functionLogicalId: "Fn" });
  });
  test("a misspelt JwtConfiguration key is refused (the audience would go unchecked)", async () => {
    const cfn = "  Api: { Type: AWS::ApiGatewayV2::Api, Properties: { ProtocolType: HTTP } }\n  Stage: { Type: AWS::ApiGatewayV2::Stage, Properties: { ApiId: !Ref Api, StageName: $default, AutoDeploy: true } }\n" +
      "  Auth: { Type: AWS::ApiGatewayV2::Authorizer, Properties: { ApiId: !Ref Api, AuthorizerType: JWT, Name: jwt, IdentitySource: [$request.header.Authorization], JwtConfiguration: { Issuer: 'https://i.example.com', Audiences: [a] } } }\n";
    await expectLoadError(sam(cfn), "$.Resources.Auth.Properties.JwtConfiguration.Audiences", "JwtConfiguration property Audiences is not supported yet", SRC);
    const samJwt = "  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      Auth:\n        Authorizers:\n          J: { IdentitySource: $request.header.Authorization, JwtConfiguration: { issuer: 'https://i.example.com', audiences: [a] } }\n";
    await expectLoadError(sam(samJwt), "$.Resources.Api.Properties.Auth.Authorizers.J.JwtConfiguration.audiences", "JwtConfiguration property audiences is not supported yet", SRC);
  });
  test("an event naming an authorizer the API does not define", async () => {
    await expectLoadError(sam("      Events:\n        E: { Type: HttpApi, Properties: { Path: /a, Method: GET, Auth: { Authorizer: Nope } } }\n"), "$.Resources.Fn.Properties.Events.E.Properties.Auth", 'authorizer "Nope" is not defined in the HttpApi\'s Auth.Authorizers', SRC);
  });
  test("a Lambda authorizer without a payload format version", async () => {
    await expectLoadError(
      sam("  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      Auth:\n        Authorizers:\n          L: { FunctionArn: !GetAtt Fn.Arn, Identity: { Headers: [x] } }\n"),
      "$.Resources.Api.Properties.Auth.Authorizers.L.AuthorizerPayloadFormatVersion",
      'the authorizer payload format version must be "1.0" or "2.0"',
      SRC,
    );
  });
});
