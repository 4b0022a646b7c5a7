import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { HANDLER, allPaths, expectLoadError, load, method } from "./helpers.ts";

const FIXTURE = new URL("../fixtures-load/sam-implicit/template.yaml", import.meta.url).pathname;
const SRC = { "src/app.mjs": HANDLER };

describe("SAM implicit API", () => {
  test("events become AWS_PROXY methods on ServerlessRestApi, stage Prod", async () => {
    const { loadDefinition } = await import("../../../reference-gateway/load/index.ts");
    const model = await loadDefinition(FIXTURE);
    expect(model.restApis).toHaveLength(1);
    const api = model.restApis[0]!;
    expect(api.logicalId).toBe("ServerlessRestApi");
    expect(api.id).toMatch(/^[a-z0-9]{10}$/);
    expect(api.stages).toEqual([{ name: "Prod", variables: {} }]);
    expect(allPaths(api)).toEqual(["/", "/pets", "/pets/{id} GET", "/{proxy+} ANY"]);
    const fn = model.functions["HelloFunction"]!;
    expect(fn.functionName).toMatch(/^gateproof-HelloFunction-[A-Z0-9]{12}$/);
    expect(fn).toMatchObject({ runtime: "nodejs20.x", handler: "app.handler", timeoutSeconds: 10, memorySize: 256, environment: { SHARED: "from-globals", GREETING: "hello" } });
    expect(fn.codeDir).toBe(join(FIXTURE, "..", "src"));
    expect(fn.environment["API"]).toBe(`https://${api.id}.execute-api.us-east-1.amazonaws.com/Prod`);
    const get = method(api, "/pets/{id}", "GET");
    expect(get.integration).toMatchObject({ type: "AWS_PROXY", httpMethod: "POST", functionLogicalId: "HelloFunction", timeoutInMillis: 29000, passthroughBehavior: "WHEN_NO_MATCH", uri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${fn.arn}/invocations` });
    expect(get.location).toEqual({ file: FIXTURE, path: "$.Resources.HelloFunction.Properties.Events.GetPet" });
    // resource ids are deterministic and distinct
    const again = await loadDefinition(FIXTURE);
    expect(again.restApis[0]!.root.children[0]!.id).toBe(api.root.children[0]!.id);
    expect(new Set([api.root.id, ...api.root.children.map((c) => c.id)]).size).toBe(3);
  });

  test("InlineCode is written out as CommonJS index.js", async () => {
    const { loadDefinition } = await import("../../../reference-gateway/load/index.ts");
    const fn = (await loadDefinition(FIXTURE)).functions["Inline"]!;
    expect(fn).toMatchObject({ functionName: "inline-fn", handler: "index.handler", runtime: "nodejs18.x", timeoutSeconds: 10, memorySize: 128 });
    expect(readFileSync(join(fn.codeDir, "index.js"), "utf8")).toContain('body: "inline"');
    expect(JSON.parse(readFileSync(join(fn.codeDir, "package.json"), "utf8"))).toEqual({ type: "commonjs" });
  });

  test("defaults: Timeout 3, MemorySize 128; RequestParameters on events", async () => {
    const { model } = await load(`Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: app.handler
      CodeUri: ./src
      Events:
        E:
          Type: Api
          Properties:
            Path: /items
            Method: POST
            RequestParameters:
              - method.request.header.X-Trace
              - method.request.querystring.q:
                  Required: true
                  Caching: true
`, SRC);
    expect(model.functions["Fn"]).toMatchObject({ timeoutSeconds: 3, memorySize: 128 });
    const m = method(model.restApis[0]!, "/items", "POST");
    expect(m.requestParameters).toEqual({ "method.request.header.X-Trace": false, "method.request.querystring.q": true });
    expect(m.integration.cacheKeyParameters).toEqual(["method.request.querystring.q"]);
  });
});

const EXPLICIT = `Transform: AWS::Serverless-2016-10-31
Globals:
  Api:
    BinaryMediaTypes: ["image~1png"]
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Variables:
        backend: example.com
      MethodSettings:
        - ResourcePath: "/*"
          HttpMethod: "*"
          LoggingLevel: INFO
          MetricsEnabled: true
      TracingEnabled: true
      GatewayResponses:
        MISSING_AUTHENTICATION_TOKEN:
          StatusCode: 404
          ResponseParameters:
            Headers:
              Access-Control-Allow-Origin: "'*'"
          ResponseTemplates:
            application/json: '{"message":"nope"}'
      DefinitionBody:
        openapi: "3.0.1"
        info: { title: explicit-api, version: "1" }
        x-amazon-apigateway-binary-media-types: ["application/octet-stream"]
        paths:
          /mock:
            get:
              responses:
                "200": { description: ok }
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: { application/json: '{"statusCode": 200}' }
                responses:
                  default: { statusCode: "200" }
          /fn:
            post:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub "arn:aws:apigateway:\${AWS::Region}:lambda:path/2015-03-31/functions/\${Fn.Arn}/invocations"
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: app.handler
      CodeUri: src
      Events:
        Merged:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /events/{id}
            Method: get
        Existing:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /mock
            Method: get
`;

describe("SAM explicit Api", () => {
  test("DefinitionBody with intrinsics, event paths merged in, stage, variables, binary types, gateway responses", async () => {
    const { model, file } = await load(EXPLICIT, SRC);
    expect(model.restApis).toHaveLength(1);
    const api = model.restApis[0]!;
    expect(api).toMatchObject({ logicalId: "Api", name: "explicit-api", stages: [{ name: "v1", variables: { backend: "example.com" } }] });
    expect(api.binaryMediaTypes).toEqual(["application/octet-stream", "image/png"]);
    expect(api.gatewayResponses).toEqual({ MISSING_AUTHENTICATION_TOKEN: { statusCode: "404", responseParameters: { "gatewayresponse.header.Access-Control-Allow-Origin": "'*'" }, responseTemplates: { "application/json": '{"message":"nope"}' } } });
    expect(allPaths(api)).toEqual(["/", "/mock GET", "/fn POST", "/events", "/events/{id} GET"]);
    expect(method(api, "/fn", "POST").integration.functionLogicalId).toBe("Fn");
    // the DefinitionBody operation keeps its own integration
    expect(method(api, "/mock", "GET").integration.type).toBe("MOCK");
    expect(method(api, "/mock", "GET").location).toEqual({ file, path: "$.Resources.Api.Properties.DefinitionBody.paths['/mock'].get" });
    expect(method(api, "/events/{id}", "GET").integration).toMatchObject({ type: "AWS_PROXY", functionLogicalId: "Fn" });
  });

  test("DefinitionBody via Fn::Transform AWS::Include of a local file", async () => {
    const tpl = `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: live
      DefinitionBody:
        Fn::Transform:
          Name: AWS::Include
          Parameters:
            Location: api/openapi.yaml
  Fn:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: app.handler, CodeUri: src, FunctionName: the-fn }
`;
    const spec = `openapi: 3.0.0
info: { title: included, version: "1" }
paths:
  /hello:
    get:
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri:
          Fn::Sub: arn:aws:apigateway:\${AWS::Region}:lambda:path/2015-03-31/functions/\${Fn.Arn}/invocations
`;
    const { model, dir } = await load(tpl, { ...SRC, "api/openapi.yaml": spec });
    const m = method(model.restApis[0]!, "/hello", "GET");
    expect(m.integration.functionLogicalId).toBe("Fn");
    expect(m.location).toEqual({ file: join(dir, "api/openapi.yaml"), path: "$.paths['/hello'].get" });
  });

  test("DefinitionUri reads a local file relative to the template; events are not merged into it", async () => {
    const tpl = `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: live
      DefinitionUri: ./defs/api.json
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: app.handler
      CodeUri: src
      FunctionName: named-fn
      Events:
        Ignored: { Type: Api, Properties: { RestApiId: !Ref Api, Path: /other, Method: get } }
`;
    const spec = JSON.stringify({
      swagger: "2.0",
      info: { title: "from-uri", version: "1" },
      paths: { "/x": { get: { "x-amazon-apigateway-integration": { type: "AWS_PROXY", httpMethod: "POST", uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:named-fn:live/invocations" } } } },
    });
    const { model, dir } = await load(tpl, { ...SRC, "defs/api.json": spec });
    const api = model.restApis[0]!;
    expect(api.name).toBe("from-uri");
    expect(allPaths(api)).toEqual(["/", "/x GET"]);
    expect(method(api, "/x", "GET").integration.functionLogicalId).toBe("Fn");
    expect(method(api, "/x", "GET").location.file).toBe(join(dir, "defs/api.json"));
  });
});

describe("SAM load errors", () => {
  const fn = (props: string, events = "") => `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
${props}${events}`;
  const ev = (extra: string) => `
      Events:
        E:
          Type: Api
          Properties:
            Path: /p
            Method: get
${extra}`;
  const api = (props: string) => `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
${props}`;

  test("non-nodejs runtime", async () => {
    await expectLoadError(fn("      Runtime: python3.12\n      CodeUri: src\n"), "$.Resources.Fn.Properties.Runtime", "Runtime python3.12 is not supported yet (only nodejs runtimes)", SRC);
  });
  test("S3 CodeUri", async () => {
    await expectLoadError(fn("      Runtime: nodejs20.x\n      CodeUri: { Bucket: b, Key: k }\n"), "$.Resources.Fn.Properties.CodeUri", "S3 code locations are not supported yet (use a local CodeUri directory)");
    await expectLoadError(fn("      Runtime: nodejs20.x\n      CodeUri: s3://b/k.zip\n"), "$.Resources.Fn.Properties.CodeUri", "S3 code locations are not supported yet (use a local CodeUri directory)");
  });
  test("missing code directory", async () => {
    const { err, dir } = await (await import("./helpers.ts")).loadError(fn("      Runtime: nodejs20.x\n      CodeUri: nowhere\n"));
    expect(err.jsonPath).toBe("$.Resources.Fn.Properties.CodeUri");
    expect(err.reason).toBe(`code location ${join(dir, "nowhere")} does not exist`);
  });
  test("event Auth with an authorizer the implicit API does not define", async () => {
    await expectLoadError(fn("      Runtime: nodejs20.x\n      CodeUri: src\n", ev("            Auth:\n              Authorizer: MyAuth\n")), "$.Resources.Fn.Properties.Events.E.Properties.Auth.Authorizer", `Authorizer "MyAuth" is not defined in the API's Auth.Authorizers`, SRC);
  });
  test("event Auth with ApiKeyRequired, while API keys are not enforced", async () => {
    await expectLoadError(fn("      Runtime: nodejs20.x\n      CodeUri: src\n", ev("            Auth:\n              ApiKeyRequired: true\n")), "$.Resources.Fn.Properties.Events.E.Properties.Auth.ApiKeyRequired", 'API key requirement "api_key" is not enforced by gateproof yet; refusing to serve the route open', SRC, { enforcedSecurity: new Set() });
  });
  test("event Auth Authorizer NONE is fine", async () => {
    const { model } = await load(fn("      Runtime: nodejs20.x\n      CodeUri: src\n", ev("            Auth:\n              Authorizer: NONE\n")), SRC);
    expect(model.restApis).toHaveLength(1);
  });
  test("HttpApi events: the payload format must be 1.0 or 2.0 (HTTP APIs load in load/http-api.ts)", async () => {
    await expectLoadError(fn("      Runtime: nodejs20.x\n      CodeUri: src\n", "\n      Events:\n        H:\n          Type: HttpApi\n          Properties: { PayloadFormatVersion: '3.0' }\n"), "$.Resources.Fn.Properties.Events.H.Properties.PayloadFormatVersion", 'PayloadFormatVersion must be "1.0" or "2.0"', SRC);
  });
  test("Api Auth Authorizers: a FunctionArn that is no Lambda ARN", async () => {
    await expectLoadError(api("      StageName: s\n      Auth:\n        DefaultAuthorizer: Lambda\n        Authorizers:\n          Lambda: { FunctionArn: x }\n"), "$.Resources.Api.Properties.Auth.Authorizers.Lambda.FunctionArn", 'FunctionArn "x" must be a Lambda function ARN');
  });
  test("Api Auth ResourcePolicy while resource policies are not enforced", async () => {
    await expectLoadError(api("      StageName: s\n      Auth:\n        ResourcePolicy: { IpRangeBlacklist: [1.2.3.4] }\n"), "$.Resources.Api.Properties.Auth.ResourcePolicy", "resource policy (Auth.ResourcePolicy) is not enforced by gateproof yet; refusing to serve the route open", {}, { enforcedSecurity: new Set() });
  });
  test("Cors, caching, throttling, canary", async () => {
    // Cors loads now: suites/unit/load/sam-cors.test.ts.
    await expectLoadError(api("      StageName: s\n      CacheClusterEnabled: true\n"), "$.Resources.Api.Properties.CacheClusterEnabled", "CacheClusterEnabled (caching) is not enforced by gateproof yet; refusing to serve the stage without it", {}, { enforcedStageSettings: new Set() });
    await expectLoadError(api("      StageName: s\n      MethodSettings:\n        - { ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: 5 }\n"), "$.Resources.Api.Properties.MethodSettings[0].ThrottlingRateLimit", "ThrottlingRateLimit (throttling) is not enforced by gateproof yet; refusing to serve the stage without it", {}, { enforcedStageSettings: new Set() });
    await expectLoadError(api("      StageName: s\n      CanarySetting: { PercentTraffic: -1 }\n"), "$.Resources.Api.Properties.CanarySetting.PercentTraffic", "PercentTraffic -1 is outside 0..100");
  });
  test("StageName missing", async () => {
    await expectLoadError(api("      Name: x\n"), "$.Resources.Api.Properties", "StageName is required");
  });
  test("invalid stage variables", async () => {
    await expectLoadError(api("      StageName: s\n      Variables:\n        bad-key: v\n"), "$.Resources.Api.Properties.Variables['bad-key']", 'stage variable name "bad-key" must be 1-64 characters of [A-Za-z0-9_]');
    await expectLoadError(api("      StageName: s\n      Variables:\n        k: has space\n"), "$.Resources.Api.Properties.Variables.k", 'stage variable "k" value must be 1-512 characters of [A-Za-z0-9-._~:/?#&=,]');
    await expectLoadError(api(`      StageName: s\n      Variables:\n        k: ${"a".repeat(513)}\n`), "$.Resources.Api.Properties.Variables.k", 'stage variable "k" value must be 1-512 characters of [A-Za-z0-9-._~:/?#&=,]');
  });
  test("DefinitionUri on S3", async () => {
    await expectLoadError(api("      StageName: s\n      DefinitionUri: { Bucket: b, Key: k }\n"), "$.Resources.Api.Properties.DefinitionUri", "DefinitionUri from S3 is not supported yet (use a local file path)");
  });
  test("SAM GatewayResponses validation", async () => {
    await expectLoadError(api("      StageName: s\n      GatewayResponses:\n        NOT_A_TYPE: { StatusCode: 400 }\n"), "$.Resources.Api.Properties.GatewayResponses.NOT_A_TYPE", 'unknown gateway response type "NOT_A_TYPE"');
    await expectLoadError(api("      StageName: s\n      GatewayResponses:\n        REQUEST_TOO_LARGE: { StatusCode: 400 }\n"), "$.Resources.Api.Properties.GatewayResponses.REQUEST_TOO_LARGE", "gateway response REQUEST_TOO_LARGE is not customisable on AWS");
    await expectLoadError(api("      StageName: s\n      GatewayResponses:\n        DEFAULT_4XX: { StatusCode: 600 }\n"), "$.Resources.Api.Properties.GatewayResponses.DEFAULT_4XX.StatusCode", 'gateway response statusCode "600" must match [1-5]\\d\\d');
  });
  test("RestApiId that is not a Serverless::Api", async () => {
    await expectLoadError(fn("      Runtime: nodejs20.x\n      CodeUri: src\n", ev("            RestApiId: !Ref Nope\n")), "$.Resources.Fn.Properties.Events.E.Properties.RestApiId", 'RestApiId "Nope" is not an AWS::Serverless::Api in this template', SRC);
  });
  test("OpenAPI security in a DefinitionBody naming an undefined scheme", async () => {
    await expectLoadError(api("      StageName: s\n      DefinitionBody:\n        openapi: 3.0.1\n        paths:\n          /a:\n            get:\n              security: [{ key: [] }]\n              x-amazon-apigateway-integration: { type: mock }\n"), "$.Resources.Api.Properties.DefinitionBody.paths['/a'].get.security[0].key", 'security requirement names "key", which is not a defined security scheme');
  });
  test("Serverless types without the transform", async () => {
    await expectLoadError("Resources:\n  F:\n    Type: AWS::Serverless::Function\n", "$.Resources.F.Type", "AWS::Serverless::Function needs Transform: AWS::Serverless-2016-10-31");
  });
  test("inline code dir exists", () => {
    expect(existsSync(FIXTURE)).toBe(true);
  });
});
