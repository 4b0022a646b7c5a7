import { describe, expect, test } from "vitest";
import type { StageSettingFeature } from "../../../reference-gateway/load/enforcement.ts";
import { methodSettingKey } from "../../../reference-gateway/load/stage-settings.ts";
import { expectLoadError, load } from "./helpers.ts";

const ALL: ReadonlySet<StageSettingFeature> = new Set<StageSettingFeature>(["throttling", "caching", "access-log"]);
const NONE: ReadonlySet<StageSettingFeature> = new Set<StageSettingFeature>();
const REFUSED = "is not enforced by gateproof yet; refusing to serve the stage without it";

const HANDLER = "export const handler = async () => ({ statusCode: 200, body: 'ok' });\n";
const SRC = { "src/index.mjs": HANDLER };

/** A SAM Api with one GET /items/{id} event; `props` go under the Api's Properties, `globals` under Globals.Api. */
const sam = (props: string, globals = "") => `Transform: AWS::Serverless-2016-10-31
${globals ? `Globals:\n  Api:\n${globals}` : ""}
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties: { LogGroupName: api-logs }
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
${props}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      CodeUri: src
      Handler: index.handler
      Events:
        E: { Type: Api, Properties: { RestApiId: !Ref Api, Path: "/items/{id}", Method: get } }
`;

/** CloudFormation: a RestApi with a Deployment (StageDescription) for stage "dev" and a Stage resource "prod". */
function cfn(stage: Record<string, unknown>, description?: Record<string, unknown>): string {
  return JSON.stringify({
    Resources: {
      Api: { Type: "AWS::ApiGateway::RestApi", Properties: { Name: "a" } },
      Get: {
        Type: "AWS::ApiGateway::Method",
        Properties: { RestApiId: { Ref: "Api" }, ResourceId: { "Fn::GetAtt": ["Api", "RootResourceId"] }, HttpMethod: "GET", AuthorizationType: "NONE", Integration: { Type: "MOCK", RequestTemplates: { "application/json": '{"statusCode": 200}' }, IntegrationResponses: [{ StatusCode: "200" }] } },
      },
      Dep: { Type: "AWS::ApiGateway::Deployment", Properties: { RestApiId: { Ref: "Api" }, ...(description ? { StageName: "dev", StageDescription: description } : {}) } },
      Prod: { Type: "AWS::ApiGateway::Stage", Properties: { RestApiId: { Ref: "Api" }, DeploymentId: { Ref: "Dep" }, StageName: "prod", ...stage } },
    },
  });
}

describe("method setting keys (ResourcePath ~1 escapes, /* *)", () => {
  test.each([
    ["/*", "*", "*/*"],
    ["/~1items~1{id}", "get", "/items/{id}/GET"],
    ["/items/{id}", "GET", "/items/{id}/GET"],
    ["/", "POST", "//POST"],
    ["/~1items", "*", "/items/*"],
    ["/~1items", "any", "/items/ANY"],
  ])("%s %s → %s", (path, method, key) => {
    expect(methodSettingKey(path, method, "f", "$")).toBe(key);
  });
});

describe("SAM Api stage settings", () => {
  test("MethodSettings, CacheCluster and AccessLogSetting into the stage (Globals merged, GetAtt of a log group)", async () => {
    const { model } = await load(sam(`      CacheClusterEnabled: true
      CacheClusterSize: "1.6"
      AccessLogSetting: { DestinationArn: !GetAtt Logs.Arn, Format: '$context.requestId $context.status' }
      MethodSettings:
        - { ResourcePath: "/*", HttpMethod: "*", ThrottlingRateLimit: 10, ThrottlingBurstLimit: 5, LoggingLevel: info, MetricsEnabled: true }
        - { ResourcePath: "/~1items~1{id}", HttpMethod: GET, ThrottlingRateLimit: 0.5, ThrottlingBurstLimit: 1, CachingEnabled: true, CacheTtlInSeconds: 60, CacheDataEncrypted: false, DataTraceEnabled: false }
`), SRC, { enforcedStageSettings: ALL });
    const stage = model.restApis[0]!.stages[0]!;
    expect(stage.methodSettings).toEqual({
      "*/*": { throttlingRateLimit: 10, throttlingBurstLimit: 5, loggingLevel: "INFO", metricsEnabled: true },
      "/items/{id}/GET": { throttlingRateLimit: 0.5, throttlingBurstLimit: 1, cachingEnabled: true, cacheTtlInSeconds: 60, cacheDataEncrypted: false, dataTraceEnabled: false },
    });
    expect(stage.cacheCluster).toEqual({ enabled: true, sizeGb: "1.6" });
    expect(stage.accessLog).toEqual({ format: "$context.requestId $context.status", destinationArn: "arn:aws:logs:us-east-1:123456789012:log-group:api-logs:*" });
  });

  test("Globals.Api settings apply to the Api; -1 (disabled) throttles pass even when throttling is not enforced", async () => {
    const { model } = await load(sam("", "    MethodSettings:\n      - { ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: -1, ThrottlingBurstLimit: -1, MetricsEnabled: true }\n"), SRC, { enforcedStageSettings: NONE });
    expect(model.restApis[0]!.stages[0]!.methodSettings).toEqual({ "*/*": { throttlingRateLimit: -1, throttlingBurstLimit: -1, metricsEnabled: true } });
  });

  test("no settings: the stage has none", async () => {
    const { model } = await load(sam(""), SRC, { enforcedStageSettings: ALL });
    const stage = model.restApis[0]!.stages[0]!;
    expect(stage.methodSettings).toBeUndefined();
    expect(stage.cacheCluster).toBeUndefined();
    expect(stage.accessLog).toBeUndefined();
  });

  test("validation: LoadError with file, JSON path and reason", async () => {
    const ms = (s: string) => sam(`      MethodSettings:\n        - ${s}\n`);
    const at = "$.Resources.Api.Properties.MethodSettings[0]";
    const o = { enforcedStageSettings: ALL };
    await expectLoadError(ms("{ ResourcePath: '/*', HttpMethod: '*', CacheTtlInSeconds: 3601 }"), `${at}.CacheTtlInSeconds`, "CacheTtlInSeconds 3601 is outside 0..3600", SRC, o);
    await expectLoadError(ms("{ ResourcePath: '/*', HttpMethod: '*', CacheTtlInSeconds: -1 }"), `${at}.CacheTtlInSeconds`, "CacheTtlInSeconds -1 is outside 0..3600", SRC, o);
    await expectLoadError(ms("{ ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: -2 }"), `${at}.ThrottlingRateLimit`, "ThrottlingRateLimit -2 must be ≥ 0, or -1 (disabled)", SRC, o);
    await expectLoadError(ms("{ ResourcePath: '/*', HttpMethod: '*', ThrottlingBurstLimit: 1.5 }"), `${at}.ThrottlingBurstLimit`, "ThrottlingBurstLimit must be an integer", SRC, o);
    await expectLoadError(ms("{ ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: fast }"), `${at}.ThrottlingRateLimit`, "ThrottlingRateLimit must be a number", SRC, o);
    await expectLoadError(ms("{ ResourcePath: '/*', HttpMethod: '*', LoggingLevel: DEBUG }"), `${at}.LoggingLevel`, 'LoggingLevel "DEBUG" must be OFF, ERROR or INFO', SRC, o);
    await expectLoadError(ms("{ ResourcePath: '/*', HttpMethod: GET }"), `${at}.HttpMethod`, 'ResourcePath /* (all resources) goes with HttpMethod *, got "GET"', SRC, o);
    await expectLoadError(ms("{ ResourcePath: '/*', HttpMethod: FETCH }"), `${at}.HttpMethod`, 'HttpMethod "FETCH" must be an HTTP method, ANY or *', SRC, o);
    await expectLoadError(ms("{ ResourcePath: 'items', HttpMethod: GET }"), `${at}.ResourcePath`, 'ResourcePath "items" must start with / (write /~1pets for /pets, / for the root)', SRC, o);
    await expectLoadError(ms("{ ResourcePath: '/~1items~1*', HttpMethod: GET }"), `${at}.ResourcePath`, 'ResourcePath "/~1items~1*" is not a resource path (only /* stands for all resources)', SRC, o);
    await expectLoadError(ms("{ ResourcePath: '/*', HttpMethod: '*', Throttle: 1 }"), `${at}.Throttle`, "MethodSetting property Throttle is not supported yet", SRC, o);
    await expectLoadError(sam("      MethodSettings:\n        - { ResourcePath: '/*', HttpMethod: '*' }\n        - { ResourcePath: '/*', HttpMethod: '*' }\n"), "$.Resources.Api.Properties.MethodSettings[1]", `a second method setting for all methods (/* *) (the first is at ${at})`, SRC, o);
    await expectLoadError(sam("      CacheClusterSize: '2'\n"), "$.Resources.Api.Properties.CacheClusterSize", 'CacheClusterSize "2" must be one of 0.5, 1.6, 6.1, 13.5, 28.4, 58.2, 118, 237', SRC, o);
    await expectLoadError(sam("      AccessLogSetting: { DestinationArn: arn:aws:logs:us-east-1:1:log-group:x }\n"), "$.Resources.Api.Properties.AccessLogSetting", "AccessLogSetting needs a Format (the $context variables each line is made of)", SRC, o);
  });

  test("the gate: throttling, caching and access logs the runtime does not enforce stop the load", async () => {
    const o = { enforcedStageSettings: NONE };
    await expectLoadError(sam("      MethodSettings:\n        - { ResourcePath: '/~1items~1{id}', HttpMethod: GET, ThrottlingBurstLimit: 3 }\n"), "$.Resources.Api.Properties.MethodSettings[0].ThrottlingBurstLimit", `ThrottlingBurstLimit (throttling) ${REFUSED}`, SRC, o);
    await expectLoadError(sam("      MethodSettings:\n        - { ResourcePath: '/*', HttpMethod: '*', CachingEnabled: true }\n"), "$.Resources.Api.Properties.MethodSettings[0].CachingEnabled", `CachingEnabled (caching) ${REFUSED}`, SRC, o);
    await expectLoadError(sam("      AccessLogSetting: { Format: $context.requestId }\n"), "$.Resources.Api.Properties.AccessLogSetting", `AccessLogSetting (access logs) ${REFUSED}`, SRC, o);
    await expectLoadError(sam("", "    CacheClusterEnabled: true\n"), "$.Globals.Api.CacheClusterEnabled", `CacheClusterEnabled (caching) ${REFUSED}`, SRC, o);
    // Only throttling enforced: caching still refused.
    await expectLoadError(sam("      MethodSettings:\n        - { ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: 1, CachingEnabled: true }\n"), "$.Resources.Api.Properties.MethodSettings[0].CachingEnabled", `CachingEnabled (caching) ${REFUSED}`, SRC, { enforcedStageSettings: new Set<StageSettingFeature>(["throttling"]) });
  });
});

describe("CloudFormation Stage and Deployment StageDescription", () => {
  test("AWS::ApiGateway::Stage MethodSettings / CacheCluster / AccessLogSetting", async () => {
    const { model } = await load(cfn({
      MethodSettings: [{ ResourcePath: "/", HttpMethod: "GET", ThrottlingRateLimit: 100, ThrottlingBurstLimit: 50 }, { ResourcePath: "/*", HttpMethod: "*", CachingEnabled: true, CacheTtlInSeconds: 0 }],
      CacheClusterEnabled: "true",
      CacheClusterSize: "0.5",
      AccessLogSetting: { Format: '{"id":"$context.requestId"}' },
    }), {}, { enforcedStageSettings: ALL }, "t.json");
    const prod = model.restApis[0]!.stages.find((s) => s.name === "prod")!;
    expect(prod.methodSettings).toEqual({ "//GET": { throttlingRateLimit: 100, throttlingBurstLimit: 50 }, "*/*": { cachingEnabled: true, cacheTtlInSeconds: 0 } });
    expect(prod.cacheCluster).toEqual({ enabled: true, sizeGb: "0.5" });
    expect(prod.accessLog).toEqual({ format: '{"id":"$context.requestId"}' });
  });

  test("Deployment StageDescription: its own throttling/caching/logging fields are the */* setting; a MethodSettings */* entry wins field by field", async () => {
    const { model } = await load(cfn({}, {
      ThrottlingRateLimit: 20, ThrottlingBurstLimit: 10, CachingEnabled: false, CacheTtlInSeconds: 300, MetricsEnabled: true, LoggingLevel: "ERROR",
      MethodSettings: [{ ResourcePath: "/*", HttpMethod: "*", ThrottlingBurstLimit: 4 }, { ResourcePath: "/", HttpMethod: "GET", ThrottlingRateLimit: -1 }],
      CacheClusterEnabled: false,
    }), {}, { enforcedStageSettings: ALL }, "t.json");
    const dev = model.restApis[0]!.stages.find((s) => s.name === "dev")!;
    expect(dev.methodSettings).toEqual({
      "*/*": { throttlingRateLimit: 20, throttlingBurstLimit: 4, cachingEnabled: false, cacheTtlInSeconds: 300, metricsEnabled: true, loggingLevel: "ERROR" },
      "//GET": { throttlingRateLimit: -1 },
    });
    expect(dev.cacheCluster).toEqual({ enabled: false, sizeGb: "0.5" });
  });

  test("validation and the gate on CloudFormation paths", async () => {
    await expectLoadError(cfn({}, { CacheTtlInSeconds: 4000 }), "$.Resources.Dep.Properties.StageDescription.CacheTtlInSeconds", "CacheTtlInSeconds 4000 is outside 0..3600", {}, { enforcedStageSettings: ALL }, "t.json");
    await expectLoadError(cfn({}, { ThrottlingRateLimit: 5 }), "$.Resources.Dep.Properties.StageDescription.ThrottlingRateLimit", `ThrottlingRateLimit (throttling) ${REFUSED}`, {}, { enforcedStageSettings: NONE }, "t.json");
    await expectLoadError(cfn({ MethodSettings: [{ ResourcePath: "/*", HttpMethod: "*", ThrottlingRateLimit: -5 }] }), "$.Resources.Prod.Properties.MethodSettings[0].ThrottlingRateLimit", "ThrottlingRateLimit -5 must be ≥ 0, or -1 (disabled)", {}, { enforcedStageSettings: ALL }, "t.json");
    await expectLoadError(cfn({ AccessLogSetting: { Format: "$context.requestId" } }), "$.Resources.Prod.Properties.AccessLogSetting", `AccessLogSetting (access logs) ${REFUSED}`, {}, { enforcedStageSettings: NONE }, "t.json");
  });
});
