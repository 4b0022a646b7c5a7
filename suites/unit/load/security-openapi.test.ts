/** OpenAPI security: schemes, operation requirements, x-amazon-apigateway-authorizer/auth/policy, and their load errors. */
import { describe, expect, test } from "vitest";
import type { SecurityFeature } from "../../../reference-gateway/load/enforcement.ts";
import { expectLoadError, method } from "./helpers.ts";

const ALL = { enforcedSecurity: new Set<SecurityFeature>(["api-key", "lambda-authorizer", "cognito-authorizer", "iam", "resource-policy"]) };
const N = "o.yaml";
const AUTH_URI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations";
const FUNCTIONS = { "fns/auth.mjs": "export const handler = async () => ({});\n" };

/** Swagger 2 with `securityDefinitions` and one GET /a whose operation carries `opExtra`. */
function swagger(definitions: string, opExtra = "", root = ""): string {
  return `swagger: "2.0"
info: { title: sec, version: "1" }
${root}securityDefinitions:
${definitions}
paths:
  /a:
    get:
${opExtra}      x-amazon-apigateway-integration: { type: mock }
    post:
      x-amazon-apigateway-integration: { type: mock }
`;
}
const KEY = "  api_key: { type: apiKey, name: x-api-key, in: header }\n";
const TOKEN = (extra = "") => `  tok:
    type: apiKey
    name: Authorization
    in: header
    x-amazon-apigateway-authtype: custom
    x-amazon-apigateway-authorizer:
      type: token
      authorizerUri: ${AUTH_URI}
${extra}`;
const SIGV4 = "  sigv4: { type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4 }\n";
const COGNITO = "  pool:\n    type: apiKey\n    name: Authorization\n    in: header\n    x-amazon-apigateway-authtype: cognito_user_pools\n    x-amazon-apigateway-authorizer:\n      type: cognito_user_pools\n      providerARNs: [arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc]\n";

async function loadSec(doc: string, dirFiles: Record<string, string> = FUNCTIONS) {
  const { loadDefinition } = await import("../../../reference-gateway/load/index.ts");
  const { writeFiles } = await import("./helpers.ts");
  const dir = writeFiles({ [N]: doc, ...dirFiles });
  return loadDefinition(`${dir}/${N}`, { ...ALL, functionsDir: `${dir}/fns` });
}

describe("OpenAPI security → model", () => {
  test("api_key (type apiKey, name x-api-key, in header) → apiKeyRequired; other operations stay open", async () => {
    const model = await loadSec(swagger(KEY, "      security: [{ api_key: [] }]\n"));
    const api = model.restApis[0]!;
    expect(method(api, "/a", "GET")).toMatchObject({ apiKeyRequired: true, authorizationType: "NONE", authorizationScopes: [] });
    expect(method(api, "/a", "POST")).toMatchObject({ apiKeyRequired: false, authorizationType: "NONE" });
  });

  test("TOKEN authorizer: id of 6 lowercase alphanumerics, identity source from the scheme's header, TTL default 300, function resolved", async () => {
    const model = await loadSec(swagger(TOKEN("      identityValidationExpression: '^Bearer [-0-9a-zA-Z._]+$'\n"), "      security: [{ tok: [] }]\n"));
    const api = model.restApis[0]!;
    const m = method(api, "/a", "GET");
    expect(m.authorizationType).toBe("CUSTOM");
    expect(m.authorizerId).toMatch(/^[a-z0-9]{6}$/);
    expect(api.authorizers[m.authorizerId!]).toEqual({
      id: m.authorizerId,
      name: "tok",
      type: "TOKEN",
      functionLogicalId: "auth",
      identitySource: ["method.request.header.Authorization"],
      identityValidationExpression: "^Bearer [-0-9a-zA-Z._]+$",
      resultTtlSeconds: 300,
      location: { file: expect.stringContaining(N), path: "$.securityDefinitions.tok['x-amazon-apigateway-authorizer']" },
    });
    // Deterministic: the same definition gives the same id.
    const again = await loadSec(swagger(TOKEN(), "      security: [{ tok: [] }]\n"));
    expect(method(again.restApis[0]!, "/a", "GET").authorizerId).toBe(m.authorizerId);
  });

  test("spec §11.2 sample: security [{api_key}, {tok}] imports as apiKeyRequired plus the authorizer (not OpenAPI's OR)", async () => {
    const model = await loadSec(swagger(KEY + TOKEN(), "      security: [{ api_key: [] }, { tok: [] }]\n"));
    expect(method(model.restApis[0]!, "/a", "GET")).toMatchObject({ apiKeyRequired: true, authorizationType: "CUSTOM" });
  });

  test("REQUEST authorizer: comma-separated identity sources; TTL 0 needs none; stage-variable function names kept as a template", async () => {
    const req = (ttlAndSource: string) => `  req:
    type: apiKey
    name: Unused
    in: header
    x-amazon-apigateway-authtype: custom
    x-amazon-apigateway-authorizer:
      type: request
      authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:\${stageVariables.authFn}/invocations
${ttlAndSource}`;
    const model = await loadSec(swagger(req("      identitySource: method.request.header.H1, method.request.querystring.q, stageVariables.s, context.sourceIp\n      authorizerResultTtlInSeconds: 3600\n"), "      security: [{ req: [] }]\n"));
    const api = model.restApis[0]!;
    const a = api.authorizers[method(api, "/a", "GET").authorizerId!]!;
    expect(a).toMatchObject({ type: "REQUEST", functionNameTemplate: "arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.authFn}", resultTtlSeconds: 3600 });
    expect(a.identitySource).toEqual(["method.request.header.H1", "method.request.querystring.q", "stageVariables.s", "context.sourceIp"]);
    const noCache = await loadSec(swagger(req("      authorizerResultTtlInSeconds: 0\n"), "      security: [{ req: [] }]\n"));
    const api2 = noCache.restApis[0]!;
    expect(api2.authorizers[method(api2, "/a", "GET").authorizerId!]).toMatchObject({ identitySource: [], resultTtlSeconds: 0 });
  });

  test("Cognito authorizer with scopes → COGNITO_USER_POOLS, authorizationScopes", async () => {
    const model = await loadSec(swagger(COGNITO, "      security: [{ pool: [email, 'rs/read'] }]\n"));
    const api = model.restApis[0]!;
    const m = method(api, "/a", "GET");
    expect(m).toMatchObject({ authorizationType: "COGNITO_USER_POOLS", authorizationScopes: ["email", "rs/read"] });
    expect(api.authorizers[m.authorizerId!]).toMatchObject({ type: "COGNITO_USER_POOLS", providerArns: ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc"], identitySource: ["method.request.header.Authorization"], resultTtlSeconds: 300 });
  });

  test("IAM: a sigv4 scheme (x-amazon-apigateway-authtype awsSigv4) and x-amazon-apigateway-auth AWS_IAM", async () => {
    const model = await loadSec(swagger(SIGV4, "      security: [{ sigv4: [] }]\n"));
    expect(method(model.restApis[0]!, "/a", "GET").authorizationType).toBe("AWS_IAM");
    const viaAuth = await loadSec(swagger(KEY, "      x-amazon-apigateway-auth: { type: AWS_IAM }\n"));
    expect(method(viaAuth.restApis[0]!, "/a", "GET").authorizationType).toBe("AWS_IAM");
    const none = await loadSec(swagger(KEY, "      x-amazon-apigateway-auth: { type: NONE }\n"));
    expect(method(none.restApis[0]!, "/a", "GET").authorizationType).toBe("NONE");
  });

  test("root-level security is ignored, as on AWS: the operation stays open", async () => {
    // Decision: API Gateway ignores a root-level `security` (api-gateway-known-issues.md; spec §11.2: "Root-level
    // security is ignored … so put security on each operation"), so the route is open on AWS too. gateproof serves
    // it the same way instead of refusing; only the requirement list's shape is checked.
    const model = await loadSec(swagger(KEY, "", "security: [{ api_key: [] }]\n"));
    expect(method(model.restApis[0]!, "/a", "GET")).toMatchObject({ apiKeyRequired: false, authorizationType: "NONE" });
    await expectLoadError(swagger(KEY, "", "security: { api_key: [] }\n"), "$.security", "security must be a list", {}, ALL, N);
  });

  test("x-amazon-apigateway-api-key-source and x-amazon-apigateway-policy (shorthand resources expanded to ARNs)", async () => {
    const policy = `x-amazon-apigateway-api-key-source: AUTHORIZER
x-amazon-apigateway-policy:
  Version: "2012-10-17"
  Statement:
    - { Effect: Allow, Principal: "*", Action: execute-api:Invoke, Resource: ["execute-api:/*"] }
    - Effect: Deny
      Principal: "*"
      Action: execute-api:Invoke
      Resource: execute-api:/prod/GET/a
      Condition: { NotIpAddress: { "aws:SourceIp": ["10.0.0.0/8"] } }
`;
    const model = await loadSec(swagger(KEY, "", policy));
    const api = model.restApis[0]!;
    expect(api.apiKeySource).toBe("AUTHORIZER");
    expect(api.policy).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: "*", Action: "execute-api:Invoke", Resource: [`arn:aws:execute-api:us-east-1:123456789012:${api.id}/*`] },
        { Effect: "Deny", Principal: "*", Action: "execute-api:Invoke", Resource: `arn:aws:execute-api:us-east-1:123456789012:${api.id}/prod/GET/a`, Condition: { NotIpAddress: { "aws:SourceIp": ["10.0.0.0/8"] } } },
      ],
    });
  });
});

describe("OpenAPI security load errors", () => {
  const op = "$.paths['/a'].get";
  test("requirements", async () => {
    await expectLoadError(swagger(KEY, "      security: [{ nope: [] }]\n"), `${op}.security[0].nope`, 'security requirement names "nope", which is not a defined security scheme', {}, ALL, N);
    await expectLoadError(swagger("  basic: { type: basic }\n", "      security: [{ basic: [] }]\n"), `${op}.security[0].basic`, 'security scheme "basic" is neither an API key (type apiKey, name x-api-key, in header), an x-amazon-apigateway-authorizer nor awsSigv4; API Gateway would not enforce it', {}, ALL, N);
    await expect(loadSec(swagger(TOKEN() + SIGV4, "      security: [{ tok: [] }, { sigv4: [] }]\n"))).rejects.toMatchObject({ jsonPath: `${op}.security[1].sigv4`, reason: 'a method has one authorization type; "sigv4" comes on top of "tok"' });
    await expect(loadSec(swagger(TOKEN(), "      security: [{ tok: [scope] }]\n"))).rejects.toMatchObject({ jsonPath: `${op}.security[0].tok`, reason: 'authorization scopes apply to COGNITO_USER_POOLS authorizers only; "tok" is TOKEN' });
    await expectLoadError(swagger(KEY, "      security: [{ api_key: [s] }]\n"), `${op}.security[0].api_key`, 'API key requirement "api_key" takes no scopes', {}, ALL, N);
    await expectLoadError(swagger(KEY, "      x-amazon-apigateway-auth: { type: CUSTOM }\n"), `${op}['x-amazon-apigateway-auth'].type`, 'x-amazon-apigateway-auth type "CUSTOM" must be NONE or AWS_IAM', {}, ALL, N);
  });

  test("authorizers", async () => {
    const A = "$.securityDefinitions.tok['x-amazon-apigateway-authorizer']";
    const bad = async (extra: string, path: string, reason: string) => {
      await expect(loadSec(swagger(TOKEN(extra), "      security: [{ tok: [] }]\n"))).rejects.toMatchObject({ jsonPath: path, reason });
    };
    await bad("      authorizerResultTtlInSeconds: 3601\n", `${A}.authorizerResultTtlInSeconds`, "authorizerResultTtlInSeconds 3601 is outside 0..3600");
    await bad("      authorizerResultTtlInSeconds: -1\n", `${A}.authorizerResultTtlInSeconds`, "authorizerResultTtlInSeconds -1 is outside 0..3600");
    await bad("      identitySource: method.request.querystring.t\n", `${A}.identitySource`, "a TOKEN authorizer takes its token from one header: identitySource must be method.request.header.NAME");
    // A misspelt key would leave the default (a 300 s result cache) in place of what was meant.
    await bad("      authorizerResultTTLInSeconds: 0\n", `${A}.authorizerResultTTLInSeconds`, "x-amazon-apigateway-authorizer property authorizerResultTTLInSeconds is not supported yet");
    await expect(loadSec(swagger(TOKEN("      identityValidationExpression: '(['\n"), "      security: [{ tok: [] }]\n"))).rejects.toMatchObject({
      jsonPath: `${A}.identityValidationExpression`,
      reason: expect.stringMatching(/^identityValidationExpression is not a valid regular expression/),
    });
    const typed = (type: string, more = "") => `  x:\n    type: apiKey\n    name: Authorization\n    in: header\n    x-amazon-apigateway-authorizer:\n      type: ${type}\n${more}`;
    const X = "$.securityDefinitions.x['x-amazon-apigateway-authorizer']";
    await expectLoadError(swagger(typed("jwt")), `${X}.type`, "jwt authorizers belong to HTTP APIs; REST APIs use cognito_user_pools", {}, ALL, N);
    await expectLoadError(swagger(typed("magic")), `${X}.type`, 'authorizer type "magic" must be token, request or cognito_user_pools', {}, ALL, N);
    await expectLoadError(swagger(typed("token")), X, 'TOKEN authorizer "x" needs an authorizerUri', {}, ALL, N);
    await expectLoadError(swagger(typed("token", "      authorizerUri: https://example.com\n")), `${X}.authorizerUri`, 'authorizerUri must be arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations, got "https://example.com"', {}, ALL, N);
    await expectLoadError(swagger(typed("cognito_user_pools")), X, 'COGNITO_USER_POOLS authorizer "x" needs providerARNs', {}, ALL, N);
    await expectLoadError(swagger(typed("cognito_user_pools", "      providerARNs: [pool]\n")), `${X}.providerARNs[0]`, 'provider ARN "pool" must be arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}', {}, ALL, N);
    const request = (src: string) => typed("request", `      authorizerUri: ${AUTH_URI}\n${src}`);
    await expect(loadSec(swagger(request("")))).rejects.toMatchObject({ jsonPath: X, reason: "a REQUEST authorizer that caches results (TTL 300) needs an identitySource" });
    await expect(loadSec(swagger(request("      identitySource: method.request.path.id\n")))).rejects.toMatchObject({ jsonPath: `${X}.identitySource`, reason: 'identity source "method.request.path.id" must be method.request.header.X, method.request.querystring.X, stageVariables.X or context.X' });
    await expect(loadSec(swagger(request("      identitySource: method.request.header.A\n      identityValidationExpression: x\n")))).rejects.toMatchObject({ jsonPath: `${X}.identityValidationExpression`, reason: "identityValidationExpression applies to TOKEN and COGNITO_USER_POOLS authorizers only" });
  });

  test("resource policy shape", async () => {
    const P = "$['x-amazon-apigateway-policy']";
    const pol = (p: string) => swagger(KEY, "", `x-amazon-apigateway-policy: ${p}\n`);
    await expectLoadError(pol("[]"), P, "policy must be an object with a Statement", {}, ALL, N);
    await expectLoadError(pol("{ Version: '2012-10-17' }"), P, "policy needs a Statement", {}, ALL, N);
    await expectLoadError(pol("{ Statement: [{ Effect: Maybe, Principal: '*', Action: a, Resource: r }] }"), `${P}.Statement[0].Effect`, "policy statement Effect must be Allow or Deny", {}, ALL, N);
    await expectLoadError(pol("{ Statement: [{ Effect: Allow, Principal: '*', Resource: r }] }"), `${P}.Statement[0]`, "policy statement needs exactly one of Action and NotAction", {}, ALL, N);
    await expectLoadError(pol("{ Statement: [{ Effect: Allow, Principal: '*', Action: a, Resource: r, NotResource: r }] }"), `${P}.Statement[0]`, "policy statement needs exactly one of Resource and NotResource", {}, ALL, N);
    await expectLoadError(pol("{ Statement: [{ Effect: Allow, Principal: '*', Action: [1], Resource: r }] }"), `${P}.Statement[0].Action[0]`, "Action entries must be strings", {}, ALL, N);
    await expectLoadError(pol("{ Statement: [{ Effect: Allow, Action: a, Resource: r }] }"), `${P}.Statement[0]`, "resource policy statement needs a Principal or NotPrincipal", {}, ALL, N);
    await expectLoadError(pol("{ Statement: [{ Effect: Allow, Principal: '*', Action: a, Resource: r, Condition: { IpAddress: x } }] }"), `${P}.Statement[0].Condition.IpAddress`, "Condition IpAddress must map condition keys to values", {}, ALL, N);
    await expectLoadError(pol("{ Statement: [{ Effect: Allow, Principal: '*', Action: a, Resource: r, Whatever: 1 }] }"), `${P}.Statement[0].Whatever`, "policy statement key Whatever is not a policy element", {}, ALL, N);
  });

  test("resource policy conditions the evaluator cannot decide (a Deny on them would never apply)", async () => {
    const P = "$['x-amazon-apigateway-policy'].Statement[0].Condition";
    const deny = (condition: string) => swagger(KEY, "", `x-amazon-apigateway-policy: { Statement: [{ Effect: Deny, Principal: '*', Action: execute-api:Invoke, Resource: 'execute-api:/*', Condition: ${condition} }] }\n`);
    const operator = /^condition operator .+ is not supported yet \(String\*, Bool, IpAddress, NotIpAddress, with or without IfExists\)$/;
    await expectLoadError(deny("{ NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } }"), `${P}.NumericLessThan`, operator, {}, ALL, N);
    await expectLoadError(deny("{ 'ForAnyValue:StringEquals': { 'aws:SourceVpce': [vpce-1] } }"), `${P}['ForAnyValue:StringEquals']`, operator, {}, ALL, N);
    await expectLoadError(deny("{ 'Null': { 'aws:SourceVpce': 'true' } }"), `${P}.Null`, operator, {}, ALL, N);
    await expectLoadError(
      deny("{ StringLike: { 'aws:UserAgent': '*curl*' } }"),
      `${P}.StringLike['aws:UserAgent']`,
      "condition key aws:UserAgent is not supported yet in resource policies (aws:SourceIp, aws:SourceVpce, aws:SourceVpc, aws:PrincipalAccount, aws:PrincipalArn)",
      {}, ALL, N,
    );
    const model = await loadSec(deny("{ StringNotEqualsIfExists: { 'aws:sourcevpce': vpce-1 }, NotIpAddress: { 'aws:SourceIp': 10.0.0.0/8 } }"));
    expect(model.restApis[0]!.policy!.Statement[0]!.Condition).toEqual({ StringNotEqualsIfExists: { "aws:sourcevpce": "vpce-1" }, NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" } });
  });

  test("the gate names each construct while its feature is not enforced", async () => {
    const none = { enforcedSecurity: new Set<SecurityFeature>() };
    const gated = async (doc: string, path: string, what: string) => {
      const { loadDefinition, LoadError } = await import("../../../reference-gateway/load/index.ts");
      const { writeFiles } = await import("./helpers.ts");
      const dir = writeFiles({ [N]: doc, ...FUNCTIONS });
      const err = await loadDefinition(`${dir}/${N}`, { ...none, functionsDir: `${dir}/fns` }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LoadError);
      expect(err).toMatchObject({ file: `${dir}/${N}`, jsonPath: path, reason: `${what} is not enforced by gateproof yet; refusing to serve the route open` });
    };
    await gated(swagger(TOKEN(), "      security: [{ tok: [] }]\n"), `${op}.security[0].tok`, 'Lambda authorizer "tok"');
    await gated(swagger(COGNITO, "      security: [{ pool: [] }]\n"), `${op}.security[0].pool`, 'Cognito authorizer "pool"');
    await gated(swagger(SIGV4, "      security: [{ sigv4: [] }]\n"), `${op}.security[0].sigv4`, 'IAM authorization (AWS_IAM) "sigv4"');
    await gated(swagger(KEY, "      x-amazon-apigateway-auth: { type: AWS_IAM }\n"), `${op}['x-amazon-apigateway-auth']`, "IAM authorization (x-amazon-apigateway-auth AWS_IAM)");
    // A defined but unused authorizer protects nothing: no refusal.
    const { writeFiles } = await import("./helpers.ts");
    const { loadDefinition } = await import("../../../reference-gateway/load/index.ts");
    const dir = writeFiles({ [N]: swagger(TOKEN()), ...FUNCTIONS });
    await expect(loadDefinition(`${dir}/${N}`, { ...none, functionsDir: `${dir}/fns` })).resolves.toBeDefined();
  });
});
