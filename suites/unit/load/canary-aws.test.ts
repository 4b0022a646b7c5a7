import { describe, expect, test } from "vitest";
import { HANDLER, expectLoadError, load, method } from "./helpers.ts";

/**
 * Canary settings (AWS::ApiGateway::Stage CanarySetting {PercentTraffic 0.0..100.0, StageVariableOverrides,
 * UseStageCache}; Deployment StageDescription.CanarySetting and DeploymentCanarySettings; SAM Api CanarySetting) and
 * AWS (non-proxy) integrations (spec §11.1 `uri`: arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{fnArn}/invocations,
 * or `{service}:action/{Action}` / `{service}:path/{path}` for other services; `credentials`;
 * aws-api-gateway-stage-variables-reference.md: a Lambda function named `${stageVariables.fn}`).
 */
const CODE = { "code/index.js": HANDLER };

function cfn(stage: Record<string, unknown> = {}, integration: Record<string, unknown> = { Type: "MOCK" }, deployment: Record<string, unknown> = {}): string {
  return JSON.stringify({
    Resources: {
      Fn: { Type: "AWS::Lambda::Function", Properties: { FunctionName: "pets", Code: "./code", Handler: "index.handler", Runtime: "nodejs20.x" } },
      Api: { Type: "AWS::ApiGateway::RestApi", Properties: { Name: "a" } },
      Dep: { Type: "AWS::ApiGateway::Deployment", Properties: { RestApiId: { Ref: "Api" }, ...deployment } },
      Stage: { Type: "AWS::ApiGateway::Stage", Properties: { RestApiId: { Ref: "Api" }, DeploymentId: { Ref: "Dep" }, StageName: "prod", Variables: { fn: "pets" }, ...stage } },
      M: {
        Type: "AWS::ApiGateway::Method",
        Properties: { RestApiId: { Ref: "Api" }, ResourceId: { "Fn::GetAtt": ["Api", "RootResourceId"] }, HttpMethod: "POST", AuthorizationType: "NONE", Integration: integration },
      },
    },
  });
}

describe("canary settings", () => {
  test("Stage CanarySetting", async () => {
    const { model } = await load(cfn({ CanarySetting: { PercentTraffic: 12.5, StageVariableOverrides: { fn: "pets2" }, UseStageCache: true } }), CODE, {}, "t.json");
    expect(model.restApis[0]!.stages).toEqual([{ name: "prod", variables: { fn: "pets" }, canary: { percentTraffic: 12.5, stageVariableOverrides: { fn: "pets2" }, useStageCache: true } }]);
  });
  test("Deployment StageDescription.CanarySetting and DeploymentCanarySettings", async () => {
    const tpl = JSON.parse(cfn());
    delete tpl.Resources.Stage;
    tpl.Resources.Dep.Properties.StageName = "beta";
    tpl.Resources.Dep.Properties.StageDescription = { CanarySetting: { PercentTraffic: "5" } };
    const { model } = await load(JSON.stringify(tpl), CODE, {}, "t.json");
    expect(model.restApis[0]!.stages).toEqual([{ name: "beta", variables: {}, canary: { percentTraffic: 5, stageVariableOverrides: {}, useStageCache: false } }]);
    delete tpl.Resources.Dep.Properties.StageDescription;
    tpl.Resources.Dep.Properties.DeploymentCanarySettings = { PercentTraffic: 50, StageVariableOverrides: { v: "x" } };
    const again = await load(JSON.stringify(tpl), CODE, {}, "t.json");
    expect(again.model.restApis[0]!.stages[0]!.canary).toEqual({ percentTraffic: 50, stageVariableOverrides: { v: "x" }, useStageCache: false });
  });
  test("SAM Api CanarySetting", async () => {
    const { model } = await load(
      "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: s\n      CanarySetting: { PercentTraffic: 10, StageVariableOverrides: { a: b } }\n",
    );
    expect(model.restApis[0]!.stages[0]).toEqual({ name: "s", variables: {}, canary: { percentTraffic: 10, stageVariableOverrides: { a: "b" }, useStageCache: false } });
  });
  test("load errors: PercentTraffic out of range or not a number, bad override name, unknown key, canary deployment without a stage", async () => {
    const C = "$.Resources.Stage.Properties.CanarySetting";
    await expectLoadError(cfn({ CanarySetting: { PercentTraffic: 100.5 } }), `${C}.PercentTraffic`, "PercentTraffic 100.5 is outside 0..100", CODE, {}, "t.json");
    await expectLoadError(cfn({ CanarySetting: { PercentTraffic: "lots" } }), `${C}.PercentTraffic`, "PercentTraffic must be a number", CODE, {}, "t.json");
    await expectLoadError(cfn({ CanarySetting: { StageVariableOverrides: { "a-b": "x" } } }), `${C}.StageVariableOverrides['a-b']`, 'stage variable name "a-b" must be 1-64 characters of [A-Za-z0-9_]', CODE, {}, "t.json");
    await expectLoadError(cfn({ CanarySetting: { Percent: 1 } }), `${C}.Percent`, "CanarySetting property Percent is not supported yet", CODE, {}, "t.json");
    await expectLoadError(cfn({}, { Type: "MOCK" }, { DeploymentCanarySettings: { PercentTraffic: 1 } }), "$.Resources.Dep.Properties.DeploymentCanarySettings", "DeploymentCanarySettings needs a StageName to deploy the canary to", CODE, {}, "t.json");
  });
});

describe("AWS integrations", () => {
  const lambdaUri = (fn: string) => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${fn}/invocations`;
  const I = "$.Resources.M.Properties.Integration";
  test("Lambda custom integration (type AWS) resolves the function; credentials kept", async () => {
    const { model } = await load(cfn({}, { Type: "AWS", IntegrationHttpMethod: "POST", Uri: lambdaUri("arn:aws:lambda:us-east-1:123456789012:function:pets"), Credentials: "arn:aws:iam::123456789012:role/r" }), CODE, {}, "t.json");
    expect(method(model.restApis[0]!, "/", "POST").integration).toMatchObject({ type: "AWS", functionLogicalId: "Fn", credentials: "arn:aws:iam::123456789012:role/r", httpMethod: "POST" });
  });
  test("a stage-variable function name is kept as a template (AWS and AWS_PROXY)", async () => {
    for (const type of ["AWS", "AWS_PROXY"]) {
      const { model } = await load(cfn({}, { Type: type, IntegrationHttpMethod: "POST", Uri: lambdaUri("arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}") }), CODE, {}, "t.json");
      const integration = method(model.restApis[0]!, "/", "POST").integration;
      expect(integration.functionNameTemplate).toBe("arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}");
      expect(integration.functionLogicalId).toBeUndefined();
    }
  });
  test("AWS service integrations: action and path forms", async () => {
    const action = await load(cfn({}, { Type: "AWS", IntegrationHttpMethod: "POST", Uri: "arn:aws:apigateway:eu-west-1:sqs:action/SendMessage", Credentials: "arn:aws:iam::1:role/r" }), CODE, {}, "t.json");
    expect(method(action.model.restApis[0]!, "/", "POST").integration.awsService).toEqual({ region: "eu-west-1", service: "sqs", kind: "action", target: "SendMessage" });
    const path = await load(cfn({}, { Type: "AWS", IntegrationHttpMethod: "PUT", Uri: "arn:aws:apigateway:us-east-1:s3:path/{bucket}/{key}" }), CODE, {}, "t.json");
    expect(method(path.model.restApis[0]!, "/", "POST").integration.awsService).toEqual({ region: "us-east-1", service: "s3", kind: "path", target: "{bucket}/{key}" });
  });
  test("OpenAPI: type aws with credentials", async () => {
    const doc = {
      openapi: "3.0.1",
      info: { title: "t", version: "1" },
      paths: { "/q": { post: { "x-amazon-apigateway-integration": { type: "aws", httpMethod: "POST", uri: "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", credentials: "arn:aws:iam::1:role/d" } } } },
    };
    const { model } = await load(JSON.stringify(doc), {}, {}, "o.json");
    expect(method(model.restApis[0]!, "/q", "POST").integration).toMatchObject({ type: "AWS", credentials: "arn:aws:iam::1:role/d", awsService: { service: "dynamodb", kind: "action", target: "PutItem" } });
  });
  test("load errors: malformed ARNs, Lambda via a non-POST method, bad action, unknown function", async () => {
    const aws = (Uri: string, IntegrationHttpMethod = "POST") => cfn({}, { Type: "AWS", IntegrationHttpMethod, Uri });
    await expectLoadError(aws("arn:aws:apigateway:us-east-1:sqs"), `${I}.Uri`, 'AWS integration uri must be arn:{partition}:apigateway:{region}:{service}:action/{Action} or :path/{path}, got "arn:aws:apigateway:us-east-1:sqs"', CODE, {}, "t.json");
    await expectLoadError(aws("arn:aws:apigateway:us-east-1:lambda:action/Invoke"), `${I}.Uri`, 'Lambda integration uri must be arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations, got "arn:aws:apigateway:us-east-1:lambda:action/Invoke"', CODE, {}, "t.json");
    await expectLoadError(aws("arn:aws:apigateway:us-east-1:sqs:action/Send/Message"), `${I}.Uri`, 'AWS integration action "Send/Message" must be an action name such as SendMessage', CODE, {}, "t.json");
    await expectLoadError(aws(lambdaUri("arn:aws:lambda:us-east-1:123456789012:function:pets"), "GET"), `${I}.IntegrationHttpMethod`, "IntegrationHttpMethod must be POST for a Lambda integration, got GET", CODE, {}, "t.json");
    await expectLoadError(aws(lambdaUri("arn:aws:lambda:us-east-1:123456789012:function:ghost")), `${I}.Uri`, 'integration uri points at Lambda function "ghost", which is not defined', CODE, {}, "t.json");
    await expectLoadError(aws(lambdaUri("arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn} x")), `${I}.Uri`, 'Lambda function reference "arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn} x" is not a function name or ARN', CODE, {}, "t.json");
    await expectLoadError(cfn({}, { Type: "AWS_PROXY", IntegrationHttpMethod: "POST", Uri: "arn:aws:apigateway:us-east-1:sqs:action/SendMessage" }), `${I}.Uri`, /^AWS_PROXY uri must be/, CODE, {}, "t.json");
  });
});
