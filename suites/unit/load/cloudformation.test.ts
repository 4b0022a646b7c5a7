import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { HANDLER, allPaths, expectLoadError, load, method } from "./helpers.ts";

/** The shape `cdk synth` emits for a LambdaRestApi-like construct, as JSON. */
function cdkTemplate(overrides: { method?: Record<string, unknown>; api?: Record<string, unknown>; extra?: Record<string, unknown> } = {}): string {
  return JSON.stringify({
    Resources: {
      HandlerServiceRole: { Type: "AWS::IAM::Role", Properties: { AssumeRolePolicyDocument: {} } },
      Handler886CB40B: {
        Type: "AWS::Lambda::Function",
        Properties: {
          Code: { S3Bucket: { "Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}" }, S3Key: "abc.zip" },
          Role: { "Fn::GetAtt": ["HandlerServiceRole", "Arn"] },
          Handler: "index.handler",
          Runtime: "nodejs20.x",
          Timeout: 15,
          Environment: { Variables: { TABLE: "t" } },
        },
        Metadata: { "aws:asset:path": "asset.abc", "aws:asset:is-bundled": false, "aws:asset:property": "Code" },
      },
      ApiF70053CD: { Type: "AWS::ApiGateway::RestApi", Properties: { Name: "cdk-api", BinaryMediaTypes: ["image/png"], ...(overrides.api ?? {}) } },
      ApiDeployment: { Type: "AWS::ApiGateway::Deployment", Properties: { RestApiId: { Ref: "ApiF70053CD" }, Description: "auto" }, DependsOn: ["ApiItemsGET"] },
      ApiDeploymentStageprod: {
        Type: "AWS::ApiGateway::Stage",
        Properties: { RestApiId: { Ref: "ApiF70053CD" }, DeploymentId: { Ref: "ApiDeployment" }, StageName: "prod", Variables: { mode: "live" } },
      },
      ApiItems: { Type: "AWS::ApiGateway::Resource", Properties: { ParentId: { "Fn::GetAtt": ["ApiF70053CD", "RootResourceId"] }, PathPart: "items", RestApiId: { Ref: "ApiF70053CD" } } },
      ApiItemsId: { Type: "AWS::ApiGateway::Resource", Properties: { ParentId: { Ref: "ApiItems" }, PathPart: "{id}", RestApiId: { Ref: "ApiF70053CD" } } },
      ApiItemsIdDetails: { Type: "AWS::ApiGateway::Resource", Properties: { ParentId: { Ref: "ApiItemsId" }, PathPart: "details", RestApiId: { Ref: "ApiF70053CD" } } },
      ApiItemsGET: {
        Type: "AWS::ApiGateway::Method",
        Properties: {
          HttpMethod: "GET",
          ResourceId: { Ref: "ApiItemsId" },
          RestApiId: { Ref: "ApiF70053CD" },
          AuthorizationType: "NONE",
          RequestParameters: { "method.request.path.id": true },
          Integration: {
            Type: "AWS_PROXY",
            IntegrationHttpMethod: "POST",
            Uri: { "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":apigateway:", { Ref: "AWS::Region" }, ":lambda:path/2015-03-31/functions/", { "Fn::GetAtt": ["Handler886CB40B", "Arn"] }, "/invocations"]] },
          },
          ...(overrides.method ?? {}),
        },
      },
      ApiRootMock: {
        Type: "AWS::ApiGateway::Method",
        Properties: {
          HttpMethod: "OPTIONS",
          ResourceId: { "Fn::GetAtt": ["ApiF70053CD", "RootResourceId"] },
          RestApiId: { Ref: "ApiF70053CD" },
          MethodResponses: [{ StatusCode: "204", ResponseParameters: { "method.response.header.Allow": true } }],
          Integration: {
            Type: "MOCK",
            RequestTemplates: { "application/json": '{"statusCode": 200}' },
            PassthroughBehavior: "NEVER",
            IntegrationResponses: [
              { SelectionPattern: "5\\d{2}", StatusCode: "500" },
              { StatusCode: "204", ResponseParameters: { "method.response.header.Allow": "'GET'" }, ResponseTemplates: { "application/json": "" } },
            ],
          },
        },
      },
      Gr: { Type: "AWS::ApiGateway::GatewayResponse", Properties: { RestApiId: { Ref: "ApiF70053CD" }, ResponseType: "DEFAULT_5XX", StatusCode: "503", ResponseTemplates: { "application/json": "{}" } } },
      Perm: { Type: "AWS::Lambda::Permission", Properties: { Action: "lambda:InvokeFunction" } },
      Account: { Type: "AWS::ApiGateway::Account", Properties: {} },
      ...(overrides.extra ?? {}),
    },
    Outputs: { Endpoint: { Value: { "Fn::Join": ["", ["https://", { Ref: "ApiF70053CD" }]] } } },
  });
}
const ASSET = { "asset.abc/index.js": HANDLER };

describe("CloudFormation, CDK-shaped", () => {
  test("Resource/Method/Deployment/Stage with Fn::Join'ed Uri over GetAtt Fn.Arn and aws:asset:path", async () => {
    const { model, dir, file } = await load(cdkTemplate(), ASSET, {}, "Stack.template.json");
    const api = model.restApis[0]!;
    expect(api).toMatchObject({ logicalId: "ApiF70053CD", name: "cdk-api", binaryMediaTypes: ["image/png"], stages: [{ name: "prod", variables: { mode: "live" } }] });
    expect(allPaths(api)).toEqual(["/ OPTIONS", "/items", "/items/{id} GET", "/items/{id}/details"]);
    const fn = model.functions["Handler886CB40B"]!;
    expect(fn).toMatchObject({ codeDir: join(dir, "asset.abc"), handler: "index.handler", timeoutSeconds: 15, memorySize: 128, environment: { TABLE: "t" } });
    const get = method(api, "/items/{id}", "GET");
    expect(get.integration).toMatchObject({ type: "AWS_PROXY", functionLogicalId: "Handler886CB40B", httpMethod: "POST", uri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${fn.arn}/invocations` });
    expect(get.requestParameters).toEqual({ "method.request.path.id": true });
    expect(get.location).toEqual({ file, path: "$.Resources.ApiItemsGET" });
    const opt = method(api, "/", "OPTIONS");
    expect(opt.methodResponses).toEqual({ "204": { statusCode: "204", responseParameters: { "method.response.header.Allow": true } } });
    expect(opt.integration.passthroughBehavior).toBe("NEVER");
    expect(opt.integration.integrationResponses).toEqual([
      { selectionPattern: "5\\d{2}", statusCode: "500", responseParameters: {}, responseTemplates: {} },
      { statusCode: "204", responseParameters: { "method.response.header.Allow": "'GET'" }, responseTemplates: { "application/json": "" } },
    ]);
    expect(api.gatewayResponses).toEqual({ DEFAULT_5XX: { statusCode: "503", responseParameters: {}, responseTemplates: { "application/json": "{}" } } });
  });

  test("Deployment StageName with StageDescription.Variables", async () => {
    const tpl = JSON.parse(cdkTemplate());
    delete tpl.Resources.ApiDeploymentStageprod;
    tpl.Resources.ApiDeployment.Properties.StageName = "dev";
    tpl.Resources.ApiDeployment.Properties.StageDescription = { Variables: { a: "1" }, LoggingLevel: "INFO", MetricsEnabled: true };
    const { model } = await load(JSON.stringify(tpl), ASSET, {}, "t.json");
    expect(model.restApis[0]!.stages).toEqual([{ name: "dev", variables: { a: "1" }, methodSettings: { "*/*": { loggingLevel: "INFO", metricsEnabled: true } } }]);
  });

  test("Code.ZipFile inline and Code as a local path", async () => {
    const tpl = JSON.parse(cdkTemplate());
    delete tpl.Resources.Handler886CB40B.Metadata;
    tpl.Resources.Handler886CB40B.Properties.Code = { ZipFile: "exports.handler = async () => ({statusCode: 200, body: 'zip'});" };
    tpl.Resources.Local = { Type: "AWS::Lambda::Function", Properties: { Code: "./code", Handler: "index.handler", Runtime: "nodejs20.x", FunctionName: "local-fn" } };
    const { model, dir } = await load(JSON.stringify(tpl), { "code/index.js": HANDLER }, {}, "t.json");
    expect(model.functions["Handler886CB40B"]!.codeDir).toContain("gateproof-inline");
    expect(model.functions["Local"]).toMatchObject({ codeDir: join(dir, "code"), functionName: "local-fn" });
  });
});

const BODY_TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Sub "\${AWS::StackName}-fn"
      Runtime: nodejs20.x
      Handler: index.handler
      Code: { ZipFile: "exports.handler = async () => ({ statusCode: 200 });" }
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Body:
        swagger: "2.0"
        info: { title: body-api, version: "1" }
        paths:
          /fn:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub "arn:aws:apigateway:\${AWS::Region}:lambda:path/2015-03-31/functions/arn:aws:lambda:\${AWS::Region}:\${AWS::AccountId}:function:\${Fn}/invocations"
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties:
      RestApiId: !Ref Api
      StageName: live
`;

describe("CloudFormation RestApi", () => {
  test("inline Body (name from info.title, function by name)", async () => {
    const { model, file } = await load(BODY_TEMPLATE, {}, { stackName: "shop" });
    const api = model.restApis[0]!;
    expect(api.name).toBe("body-api");
    expect(model.functions["Fn"]!.functionName).toBe("shop-fn");
    const m = method(api, "/fn", "GET");
    expect(m.integration.functionLogicalId).toBe("Fn");
    expect(m.location).toEqual({ file, path: "$.Resources.Api.Properties.Body.paths['/fn'].get" });
  });

  test("BodyS3Location: Key is read as a local file relative to the template", async () => {
    const tpl = BODY_TEMPLATE.replace(/      Body:[\s\S]*?(?=  Deployment:)/, "      BodyS3Location: { Bucket: ignored, Key: specs/api.yaml }\n");
    const spec = `openapi: 3.0.0
info: { title: s3-api, version: "1" }
paths:
  /m:
    get:
      x-amazon-apigateway-integration: { type: mock }
`;
    const { model, dir } = await load(tpl, { "specs/api.yaml": spec });
    expect(model.restApis[0]!.name).toBe("s3-api");
    expect(method(model.restApis[0]!, "/m", "GET").location.file).toBe(join(dir, "specs/api.yaml"));
  });
});

describe("CloudFormation load errors", () => {
  test("API without a stage", async () => {
    const tpl = JSON.parse(cdkTemplate());
    delete tpl.Resources.ApiDeploymentStageprod;
    await expectLoadError(JSON.stringify(tpl), "$.Resources.ApiF70053CD", 'RestApi "ApiF70053CD" has no stage (add an AWS::ApiGateway::Stage or a Deployment with StageName)', ASSET, {}, "t.json");
  });
  // Security constructs while their enforcement is not wired (the ENFORCED_SECURITY gate); more in security-*.test.ts.
  const none = { enforcedSecurity: new Set<never>() };
  test("AuthorizationType AWS_IAM", async () => {
    await expectLoadError(cdkTemplate({ method: { AuthorizationType: "AWS_IAM" } }), "$.Resources.ApiItemsGET.Properties.AuthorizationType", "IAM authorization (AuthorizationType AWS_IAM) is not enforced by gateproof yet; refusing to serve the route open", ASSET, none, "t.json");
  });
  test("an Authorizer referenced by a method", async () => {
    const auth = { Type: "AWS::ApiGateway::Authorizer", Properties: { RestApiId: { Ref: "ApiF70053CD" }, Name: "tok", Type: "TOKEN", IdentitySource: "method.request.header.Authorization", AuthorizerUri: { "Fn::Join": ["", ["arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/", { "Fn::GetAtt": ["Handler886CB40B", "Arn"] }, "/invocations"]] } } };
    await expectLoadError(
      cdkTemplate({ method: { AuthorizationType: "CUSTOM", AuthorizerId: { Ref: "Auth" } }, extra: { Auth: auth } }),
      "$.Resources.ApiItemsGET.Properties.AuthorizerId",
      'Lambda authorizer "tok" is not enforced by gateproof yet; refusing to serve the route open',
      ASSET, none, "t.json",
    );
  });
  test("ApiKeyRequired", async () => {
    await expectLoadError(cdkTemplate({ method: { ApiKeyRequired: true } }), "$.Resources.ApiItemsGET.Properties.ApiKeyRequired", "API key requirement (ApiKeyRequired) is not enforced by gateproof yet; refusing to serve the route open", ASSET, none, "t.json");
  });
  test("RestApi Policy", async () => {
    const policy = { Statement: [{ Effect: "Allow", Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*" }] };
    await expectLoadError(cdkTemplate({ api: { Policy: policy } }), "$.Resources.ApiF70053CD.Properties.Policy", "resource policy (Policy) is not enforced by gateproof yet; refusing to serve the route open", ASSET, none, "t.json");
  });
  test("AWS integration, VPC_LINK, unknown type, bad timeout", async () => {
    const integ = (i: Record<string, unknown>) => cdkTemplate({ method: { Integration: { IntegrationHttpMethod: "POST", Uri: "https://example.com", ...i } } });
    const at = "$.Resources.ApiItemsGET.Properties.Integration";
    await expectLoadError(integ({ Type: "AWS" }), `${at}.Uri`, 'AWS integration uri must be arn:{partition}:apigateway:{region}:{service}:action/{Action} or :path/{path}, got "https://example.com"', ASSET, {}, "t.json");
    await expectLoadError(integ({ Type: "HTTP_PROXY", ConnectionType: "VPC_LINK" }), `${at}.ConnectionType`, "connectionType VPC_LINK (VPC_LINK) is not supported yet", ASSET, {}, "t.json");
    await expectLoadError(integ({ Type: "WEBHOOK" }), `${at}.Type`, 'integration type "WEBHOOK" is not supported yet', ASSET, {}, "t.json");
    await expectLoadError(integ({ Type: "HTTP", TimeoutInMillis: 30000 }), `${at}.TimeoutInMillis`, "timeoutInMillis 30000 is outside 50..29000", ASSET, {}, "t.json");
  });
  test("Lambda URI that points at no function", async () => {
    await expectLoadError(
      cdkTemplate({ method: { Integration: { Type: "AWS_PROXY", IntegrationHttpMethod: "POST", Uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:ghost/invocations" } } }),
      "$.Resources.ApiItemsGET.Properties.Integration.Uri",
      'integration uri points at Lambda function "ghost", which is not defined',
      ASSET, {}, "t.json",
    );
  });
  test("caching and canary on stages; custom domains; V2 APIs", async () => {
    const stage = (p: Record<string, unknown>) => {
      const tpl = JSON.parse(cdkTemplate());
      Object.assign(tpl.Resources.ApiDeploymentStageprod.Properties, p);
      return JSON.stringify(tpl);
    };
    await expectLoadError(stage({ CacheClusterEnabled: true }), "$.Resources.ApiDeploymentStageprod.Properties.CacheClusterEnabled", "CacheClusterEnabled (caching) is not enforced by gateproof yet; refusing to serve the stage without it", ASSET, { enforcedStageSettings: new Set() }, "t.json");
    await expectLoadError(stage({ CanarySetting: { PercentTraffic: 101 } }), "$.Resources.ApiDeploymentStageprod.Properties.CanarySetting.PercentTraffic", "PercentTraffic 101 is outside 0..100", ASSET, {}, "t.json");
    await expectLoadError(cdkTemplate({ extra: { Dn: { Type: "AWS::ApiGateway::DomainName", Properties: {} } } }), "$.Resources.Dn.Type", "AWS::ApiGateway::DomainName: custom domains are not supported yet", ASSET, {}, "t.json");
    await expectLoadError(cdkTemplate({ extra: { H: { Type: "AWS::ApiGatewayV2::Api", Properties: {} } } }), "$.Resources.H.Type", "AWS::ApiGatewayV2::Api: ProtocolType must be HTTP or WEBSOCKET", ASSET, {}, "t.json");
  });
  test("RequestValidatorId that is not a Ref to a RequestValidator", async () => {
    await expectLoadError(
      cdkTemplate({ method: { RequestValidatorId: "abc123" } }),
      "$.Resources.ApiItemsGET.Properties.RequestValidatorId",
      "RequestValidatorId must be a Ref to an AWS::ApiGateway::RequestValidator",
      ASSET, {}, "t.json",
    );
  });
  test("S3 code without asset metadata", async () => {
    const tpl = JSON.parse(cdkTemplate());
    delete tpl.Resources.Handler886CB40B.Metadata;
    await expectLoadError(JSON.stringify(tpl), "$.Resources.Handler886CB40B.Properties.Code", "S3 code locations are not supported yet (use Code.ZipFile, a local path, or CDK aws:asset:path metadata)", {}, {}, "t.json");
  });
  test("ParentId that is not a resource of the API", async () => {
    const tpl = JSON.parse(cdkTemplate());
    tpl.Resources.ApiItems.Properties.ParentId = "zzzzzz";
    await expectLoadError(JSON.stringify(tpl), "$.Resources.ApiItems.Properties.ParentId", '"zzzzzz" is not a resource of this RestApi', ASSET, {}, "t.json");
  });
});
