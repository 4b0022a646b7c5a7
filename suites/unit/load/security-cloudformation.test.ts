/** CloudFormation security: Authorizer, Method auth, ApiKey, UsagePlan, UsagePlanKey, RestApi Policy, and their load errors. */
import { describe, expect, test } from "vitest";
import type { SecurityFeature } from "../../../reference-gateway/load/enforcement.ts";
import { HANDLER, expectLoadError, load, method } from "./helpers.ts";

const ALL = { enforcedSecurity: new Set<SecurityFeature>(["api-key", "lambda-authorizer", "cognito-authorizer", "iam", "resource-policy"]) };
const FILES = { "fn/index.mjs": HANDLER };
const T = "t.json";
const AUTH_URI = { "Fn::Join": ["", ["arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/", { "Fn::GetAtt": ["Fn", "Arn"] }, "/invocations"]] };
const KEY_VALUE = "abcdefghij0123456789ABCDEFGHIJ";

/** A RestApi with stage `prod`, GET /items (props merged in `method`), a Lambda function `Fn`, plus `extra` resources. */
function tpl(o: { method?: Record<string, unknown>; api?: Record<string, unknown>; extra?: Record<string, unknown> } = {}): string {
  return JSON.stringify({
    Resources: {
      Fn: { Type: "AWS::Lambda::Function", Properties: { Code: "fn", Handler: "index.handler", Runtime: "nodejs20.x" } },
      Api: { Type: "AWS::ApiGateway::RestApi", Properties: { Name: "api", ...(o.api ?? {}) } },
      Stage: { Type: "AWS::ApiGateway::Stage", Properties: { RestApiId: { Ref: "Api" }, StageName: "prod" } },
      Items: { Type: "AWS::ApiGateway::Resource", Properties: { RestApiId: { Ref: "Api" }, ParentId: { "Fn::GetAtt": ["Api", "RootResourceId"] }, PathPart: "items" } },
      ItemsGet: { Type: "AWS::ApiGateway::Method", Properties: { RestApiId: { Ref: "Api" }, ResourceId: { Ref: "Items" }, HttpMethod: "GET", Integration: { Type: "MOCK" }, ...(o.method ?? {}) } },
      ...(o.extra ?? {}),
    },
  });
}
const authorizer = (p: Record<string, unknown>) => ({ Type: "AWS::ApiGateway::Authorizer", Properties: { RestApiId: { Ref: "Api" }, Name: "auth", ...p } });
const plan = (p: Record<string, unknown> = {}) => ({ Type: "AWS::ApiGateway::UsagePlan", Properties: { ApiStages: [{ ApiId: { Ref: "Api" }, Stage: "prod" }], ...p } });
const planKey = (key: string, planId: string) => ({ Type: "AWS::ApiGateway::UsagePlanKey", Properties: { KeyId: { Ref: key }, KeyType: "API_KEY", UsagePlanId: { Ref: planId } } });

describe("CloudFormation security → model", () => {
  test("TOKEN Authorizer referenced by a CUSTOM method; REQUEST and Cognito authorizers", async () => {
    const { model } = await load(
      tpl({
        method: { AuthorizationType: "CUSTOM", AuthorizerId: { Ref: "Tok" } },
        extra: {
          Tok: authorizer({ Type: "TOKEN", AuthorizerUri: AUTH_URI, IdentitySource: "method.request.header.Authorization", AuthorizerResultTtlInSeconds: 60, IdentityValidationExpression: "^Bearer .+$" }),
          Req: authorizer({ Name: "req", Type: "REQUEST", AuthorizerUri: AUTH_URI, IdentitySource: "method.request.header.A,method.request.querystring.b" }),
          Pool: authorizer({ Name: "pool", Type: "COGNITO_USER_POOLS", IdentitySource: "method.request.header.Authorization", ProviderARNs: ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_x"] }),
        },
      }),
      FILES, ALL, T,
    );
    const api = model.restApis[0]!;
    const m = method(api, "/items", "GET");
    expect(m.authorizationType).toBe("CUSTOM");
    expect(api.authorizers[m.authorizerId!]).toMatchObject({ name: "auth", type: "TOKEN", functionLogicalId: "Fn", identitySource: ["method.request.header.Authorization"], resultTtlSeconds: 60, identityValidationExpression: "^Bearer .+$", location: { path: "$.Resources.Tok.Properties" } });
    const byName = Object.fromEntries(Object.values(api.authorizers).map((a) => [a.name, a]));
    expect(byName["req"]).toMatchObject({ type: "REQUEST", identitySource: ["method.request.header.A", "method.request.querystring.b"], resultTtlSeconds: 300 });
    expect(byName["pool"]).toMatchObject({ type: "COGNITO_USER_POOLS", providerArns: ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_x"] });
    for (const id of Object.keys(api.authorizers)) expect(id).toMatch(/^[a-z0-9]{6}$/);
  });

  test("COGNITO_USER_POOLS method with AuthorizationScopes; AWS_IAM; ApiKeyRequired; ApiKeySourceType", async () => {
    const pool = authorizer({ Type: "COGNITO_USER_POOLS", IdentitySource: "method.request.header.Authorization", ProviderARNs: ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_x"] });
    const cognito = await load(tpl({ method: { AuthorizationType: "COGNITO_USER_POOLS", AuthorizerId: { Ref: "Pool" }, AuthorizationScopes: ["rs/read"], ApiKeyRequired: true }, api: { ApiKeySourceType: "AUTHORIZER" }, extra: { Pool: pool } }), FILES, ALL, T);
    const api = cognito.model.restApis[0]!;
    expect(method(api, "/items", "GET")).toMatchObject({ authorizationType: "COGNITO_USER_POOLS", authorizationScopes: ["rs/read"], apiKeyRequired: true });
    expect(api.apiKeySource).toBe("AUTHORIZER");
    const iam = await load(tpl({ method: { AuthorizationType: "AWS_IAM" } }), FILES, ALL, T);
    expect(method(iam.model.restApis[0]!, "/items", "GET")).toMatchObject({ authorizationType: "AWS_IAM", apiKeyRequired: false });
  });

  test("ApiKey (fixed and generated), UsagePlan with per-method throttle and quota, UsagePlanKey", async () => {
    const { model } = await load(
      tpl({
        method: { ApiKeyRequired: true },
        extra: {
          Fixed: { Type: "AWS::ApiGateway::ApiKey", Properties: { Name: "fixed", Value: KEY_VALUE, Enabled: false, StageKeys: [{ RestApiId: { Ref: "Api" }, StageName: "prod" }] } },
          Gen: { Type: "AWS::ApiGateway::ApiKey", Properties: {} },
          Plan: plan({ UsagePlanName: "gold", Throttle: { RateLimit: 10.5, BurstLimit: 20 }, Quota: { Limit: 1000, Period: "MONTH" }, ApiStages: [{ ApiId: { Ref: "Api" }, Stage: "prod", Throttle: { "/items/GET": { RateLimit: 1, BurstLimit: 2 } } }] }),
          PK1: planKey("Fixed", "Plan"),
          PK2: planKey("Gen", "Plan"),
        },
      }),
      FILES, ALL, T,
    );
    const [fixed, gen] = model.apiKeys;
    expect(fixed).toMatchObject({ logicalId: "Fixed", name: "fixed", value: KEY_VALUE, generated: false, enabled: false, location: { path: "$.Resources.Fixed" } });
    expect(fixed!.id).toMatch(/^[a-z0-9]{10}$/);
    // Generated: 40 random alphanumerics per start, flagged so `serve` prints it; Enabled defaults to true.
    expect(gen).toMatchObject({ logicalId: "Gen", generated: true, enabled: true, name: expect.stringMatching(/^gateproof-Gen-[A-Z0-9]{12}$/) });
    expect(gen!.value).toMatch(/^[A-Za-z0-9]{40}$/);
    const again = await load(tpl({ extra: { Gen: { Type: "AWS::ApiGateway::ApiKey", Properties: {} } } }), FILES, ALL, T);
    expect(again.model.apiKeys[0]!.value).not.toBe(gen!.value);
    expect(model.usagePlans).toEqual([
      {
        logicalId: "Plan",
        id: expect.stringMatching(/^[a-z0-9]{6}$/),
        name: "gold",
        apiStages: [{ api: "Api", stage: "prod", throttle: { "/items/GET": { rateLimit: 1, burstLimit: 2 } } }],
        throttle: { rateLimit: 10.5, burstLimit: 20 },
        quota: { limit: 1000, offset: 0, period: "MONTH" },
        apiKeys: ["Fixed", "Gen"],
        location: { file: expect.stringContaining(T), path: "$.Resources.Plan.Properties" },
      },
    ]);
  });

  test("RestApi Policy as JSON text", async () => {
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: { Effect: "Deny", Principal: "*", NotAction: "execute-api:Invoke", NotResource: ["execute-api:/prod/*"] } });
    const { model } = await load(tpl({ api: { Policy: policy } }), FILES, ALL, T);
    const api = model.restApis[0]!;
    expect(api.policy).toEqual({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: "*", NotAction: "execute-api:Invoke", NotResource: [`arn:aws:execute-api:us-east-1:123456789012:${api.id}/prod/*`] }] });
  });
});

describe("CloudFormation security load errors", () => {
  const M = "$.Resources.ItemsGet.Properties";
  const A = "$.Resources.Tok.Properties";
  const tok = (p: Record<string, unknown> = {}) => authorizer({ Type: "TOKEN", AuthorizerUri: AUTH_URI, IdentitySource: "method.request.header.Authorization", ...p });
  const err = (t: string, path: string, reason: string) => expectLoadError(t, path, reason, FILES, ALL, T);

  test("methods", async () => {
    await err(tpl({ method: { AuthorizationType: "MAGIC" } }), `${M}.AuthorizationType`, 'AuthorizationType "MAGIC" must be NONE, AWS_IAM, CUSTOM or COGNITO_USER_POOLS');
    await err(tpl({ method: { AuthorizationType: "CUSTOM" } }), M, "AuthorizationType CUSTOM needs an AuthorizerId");
    await err(tpl({ method: { AuthorizationType: "CUSTOM", AuthorizerId: "zzzzzz" } }), `${M}.AuthorizerId`, 'AuthorizerId "zzzzzz" does not refer to an authorizer of this RestApi');
    await err(tpl({ method: { AuthorizationType: "COGNITO_USER_POOLS", AuthorizerId: { Ref: "Tok" } }, extra: { Tok: tok() } }), `${M}.AuthorizationType`, 'AuthorizationType COGNITO_USER_POOLS does not match TOKEN authorizer "auth"');
    await err(tpl({ method: { AuthorizationType: "NONE", AuthorizerId: { Ref: "Tok" } }, extra: { Tok: tok() } }), `${M}.AuthorizerId`, "AuthorizerId needs AuthorizationType CUSTOM or COGNITO_USER_POOLS, not NONE");
    await err(tpl({ method: { AuthorizationType: "CUSTOM", AuthorizerId: { Ref: "Tok" }, AuthorizationScopes: ["s"] }, extra: { Tok: tok() } }), `${M}.AuthorizationScopes`, "AuthorizationScopes apply to COGNITO_USER_POOLS methods only");
  });

  test("authorizers", async () => {
    await err(tpl({ extra: { Tok: tok({ AuthorizerResultTtlInSeconds: 3601 }) } }), `${A}.AuthorizerResultTtlInSeconds`, "AuthorizerResultTtlInSeconds 3601 is outside 0..3600");
    await err(tpl({ extra: { Tok: tok({ Type: "token" }) } }), `${A}.Type`, 'authorizer type "token" must be TOKEN, REQUEST or COGNITO_USER_POOLS');
    await err(tpl({ extra: { Tok: tok({ IdentitySource: undefined }) } }), A, "a TOKEN authorizer takes its token from one header: IdentitySource must be method.request.header.NAME");
    await err(tpl({ extra: { Tok: tok({ Name: undefined }) } }), A, "AWS::ApiGateway::Authorizer needs a Name");
    await err(tpl({ extra: { Tok: tok({ AuthorizerUri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:ghost/invocations" }) } }), `${A}.AuthorizerUri`, 'integration uri points at Lambda function "ghost", which is not defined');
    await err(tpl({ extra: { Tok: tok({ Bogus: 1 }) } }), `${A}.Bogus`, "AWS::ApiGateway::Authorizer property Bogus is not supported yet");
  });

  test("API keys and usage plans", async () => {
    const key = (p: Record<string, unknown>) => ({ Type: "AWS::ApiGateway::ApiKey", Properties: p });
    // API key values: 20–128 alphanumeric characters, unique (spec §3.2).
    await err(tpl({ extra: { K: key({ Value: "short" }) } }), "$.Resources.K.Properties.Value", "API key value must be 20-128 alphanumeric characters");
    await err(tpl({ extra: { K: key({ Value: `${KEY_VALUE}-x` }) } }), "$.Resources.K.Properties.Value", "API key value must be 20-128 alphanumeric characters");
    await err(tpl({ extra: { K: key({ Value: KEY_VALUE }), L: key({ Value: KEY_VALUE }) } }), "$.Resources.L.Properties.Value", 'API key value is already used by API key "K"; values must be unique');
    await err(tpl({ extra: { K: key({ StageKeys: [{ RestApiId: "x", Stage: "y" }] }) } }), "$.Resources.K.Properties.StageKeys[0].Stage", "StageKey property Stage is not supported yet");
    await err(tpl({ extra: { P: plan({ ApiStages: [{ ApiId: { Ref: "Api" }, Stage: "dev" }] }) } }), "$.Resources.P.Properties.ApiStages[0].Stage", 'RestApi "Api" has no stage "dev"');
    await err(tpl({ extra: { P: plan({ ApiStages: [{ ApiId: "nope", Stage: "prod" }] }) } }), "$.Resources.P.Properties.ApiStages[0].ApiId", 'ApiId "nope" does not refer to a RestApi in this template');
    await err(tpl({ extra: { P: plan({ ApiStages: [{ ApiId: { Ref: "Api" }, Stage: "prod", Throttle: { "items/GET": { RateLimit: 1, BurstLimit: 1 } } }] }) } }), "$.Resources.P.Properties.ApiStages[0].Throttle['items/GET']", 'usage plan throttle key "items/GET" must be "/path/METHOD" (root: "//GET")');
    await err(tpl({ extra: { P: plan({ ApiStages: [{ ApiId: { Ref: "Api" }, Stage: "prod", Throttle: { "/items/POST": { RateLimit: 1, BurstLimit: 1 } } }] }) } }), "$.Resources.P.Properties.ApiStages[0].Throttle['/items/POST']", 'usage plan throttle "/items/POST": RestApi "Api" has no POST /items');
    await err(tpl({ extra: { P: plan({ Quota: { Limit: 5, Period: "YEAR" } }) } }), "$.Resources.P.Properties.Quota.Period", 'Quota Period "YEAR" must be DAY, WEEK or MONTH');
    await err(tpl({ extra: { P: plan({ Throttle: { RateLimit: 5 } }) } }), "$.Resources.P.Properties.Throttle", "Throttle needs both RateLimit and BurstLimit");
    await err(tpl({ extra: { K: key({}), P: plan(), PK: { Type: "AWS::ApiGateway::UsagePlanKey", Properties: { KeyId: { Ref: "K" }, KeyType: "OTHER", UsagePlanId: { Ref: "P" } } } } }), "$.Resources.PK.Properties.KeyType", 'KeyType "OTHER" must be API_KEY');
    await err(tpl({ extra: { P: plan(), PK: { Type: "AWS::ApiGateway::UsagePlanKey", Properties: { KeyId: "k", KeyType: "API_KEY", UsagePlanId: { Ref: "P" } } } } }), "$.Resources.PK.Properties.KeyId", 'KeyId "k" does not refer to an AWS::ApiGateway::ApiKey in this template');
    // A key may be in only one usage plan per API stage (spec §3.2).
    await err(tpl({ extra: { K: key({}), P1: plan(), P2: plan(), PK1: planKey("K", "P1"), PK2: planKey("K", "P2") } }), "$.Resources.PK2", 'API key "K" is already in usage plan "P1" for stage "prod" of "Api"; a key may be in only one usage plan per API stage');
  });

  test("the gate: each method construct names itself while its feature is not enforced; keys and plans alone protect nothing", async () => {
    const none = { enforcedSecurity: new Set<SecurityFeature>() };
    const pool = authorizer({ Type: "COGNITO_USER_POOLS", IdentitySource: "method.request.header.Authorization", ProviderARNs: ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_x"] });
    await expectLoadError(tpl({ method: { AuthorizationType: "COGNITO_USER_POOLS", AuthorizerId: { Ref: "Pool" } }, extra: { Pool: pool } }), `${M}.AuthorizerId`, 'Cognito authorizer "auth" is not enforced by gateproof yet; refusing to serve the route open', FILES, none, T);
    const { model } = await load(tpl({ extra: { K: { Type: "AWS::ApiGateway::ApiKey", Properties: {} }, P: plan(), PK: planKey("K", "P") } }), FILES, none, T);
    expect(model.usagePlans[0]!.apiKeys).toEqual(["K"]);
  });
});
