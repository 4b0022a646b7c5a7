/** SAM Auth: Authorizers, DefaultAuthorizer, per-event Auth, ApiKeyRequired, InvokeRole, ResourcePolicy, UsagePlan. */
import { describe, expect, test } from "vitest";
import type { SecurityFeature } from "../../../reference-gateway/load/enforcement.ts";
import { HANDLER, expectLoadError, load, method } from "./helpers.ts";

const ALL = { enforcedSecurity: new Set<SecurityFeature>(["api-key", "lambda-authorizer", "cognito-authorizer", "iam", "resource-policy"]) };
const SRC = { "src/app.mjs": HANDLER };
const POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc";

/** An Api `Api` (stage `s`, `auth` under Auth) and function `Fn` with events (each `name: {path, method, auth?}`). */
function sam(auth: string, events: Record<string, { path: string; method: string; auth?: string }>, apiExtra = ""): string {
  const evs = Object.entries(events)
    .map(([name, e]) => `        ${name}:\n          Type: Api\n          Properties:\n            RestApiId: !Ref Api\n            Path: ${e.path}\n            Method: ${e.method}\n${e.auth ? `            Auth:\n${e.auth}` : ""}`)
    .join("");
  return `Transform: AWS::Serverless-2016-10-31
Resources:
  Auth:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: app.handler, CodeUri: src }
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: app.handler
      CodeUri: src
      Events:
${evs}
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: s
${apiExtra}      Auth:
${auth}`;
}
const LAMBDA_AUTH = `        Authorizers:
          Tok:
            FunctionArn: !GetAtt Auth.Arn
            Identity: { Header: X-Token, ValidationExpression: "^t-", ReauthorizeEvery: 30 }
          Req:
            FunctionArn: !GetAtt Auth.Arn
            FunctionPayloadType: REQUEST
            Identity: { Headers: [H1], QueryStrings: [q], StageVariables: [sv], Context: [sourceIp] }
          Pool:
            UserPoolArn: ${POOL}
            AuthorizationScopes: [email]
`;

describe("SAM Auth → model", () => {
  test("Authorizers become authorizers as SAM writes them; DefaultAuthorizer, per-event Authorizer, NONE, scopes", async () => {
    const { model } = await load(
      sam(`${LAMBDA_AUTH}        DefaultAuthorizer: Tok\n`, {
        A: { path: "/a", method: "get" },
        B: { path: "/b", method: "get", auth: "              Authorizer: Req\n" },
        C: { path: "/c", method: "get", auth: "              Authorizer: NONE\n" },
        D: { path: "/d", method: "get", auth: "              Authorizer: Pool\n" },
        E: { path: "/e", method: "get", auth: "              Authorizer: Pool\n              AuthorizationScopes: [rs/read]\n" },
      }),
      SRC, ALL,
    );
    const api = model.restApis[0]!;
    const auth = (p: string) => {
      const m = method(api, p, "GET");
      return { type: m.authorizationType, scopes: m.authorizationScopes, authorizer: m.authorizerId ? api.authorizers[m.authorizerId]!.name : undefined };
    };
    expect(auth("/a")).toEqual({ type: "CUSTOM", scopes: [], authorizer: "Tok" });
    expect(auth("/b")).toEqual({ type: "CUSTOM", scopes: [], authorizer: "Req" });
    expect(auth("/c")).toEqual({ type: "NONE", scopes: [], authorizer: undefined });
    expect(auth("/d")).toEqual({ type: "COGNITO_USER_POOLS", scopes: ["email"], authorizer: "Pool" });
    expect(auth("/e")).toEqual({ type: "COGNITO_USER_POOLS", scopes: ["rs/read"], authorizer: "Pool" });
    const byName = Object.fromEntries(Object.values(api.authorizers).map((a) => [a.name, a]));
    expect(byName["Tok"]).toMatchObject({ type: "TOKEN", functionLogicalId: "Auth", identitySource: ["method.request.header.X-Token"], identityValidationExpression: "^t-", resultTtlSeconds: 30 });
    expect(byName["Req"]).toMatchObject({ type: "REQUEST", identitySource: ["method.request.header.H1", "method.request.querystring.q", "stageVariables.sv", "context.sourceIp"], resultTtlSeconds: 300 });
    expect(byName["Pool"]).toMatchObject({ type: "COGNITO_USER_POOLS", providerArns: [POOL], identitySource: ["method.request.header.Authorization"] });
  });

  test("AddDefaultAuthorizerToCorsPreflight: false leaves OPTIONS open", async () => {
    const { model } = await load(sam(`${LAMBDA_AUTH}        DefaultAuthorizer: Tok\n        AddDefaultAuthorizerToCorsPreflight: false\n`, { O: { path: "/a", method: "options" }, G: { path: "/a", method: "get" } }), SRC, ALL);
    const api = model.restApis[0]!;
    expect(method(api, "/a", "OPTIONS").authorizationType).toBe("NONE");
    expect(method(api, "/a", "GET").authorizationType).toBe("CUSTOM");
  });

  test("ApiKeyRequired at Api level, overridden per event; event-level ApiKeyRequired alone", async () => {
    const { model } = await load(sam("        ApiKeyRequired: true\n", { A: { path: "/a", method: "get" }, B: { path: "/b", method: "get", auth: "              ApiKeyRequired: false\n" } }), SRC, ALL);
    const api = model.restApis[0]!;
    expect(method(api, "/a", "GET").apiKeyRequired).toBe(true);
    expect(method(api, "/b", "GET").apiKeyRequired).toBe(false);
    const one = await load(sam("        InvokeRole: NONE\n", { A: { path: "/a", method: "get", auth: "              ApiKeyRequired: true\n" }, B: { path: "/b", method: "get" } }), SRC, ALL);
    expect(method(one.model.restApis[0]!, "/a", "GET").apiKeyRequired).toBe(true);
    expect(method(one.model.restApis[0]!, "/b", "GET").apiKeyRequired).toBe(false);
  });

  test("AWS_IAM: DefaultAuthorizer or per event; InvokeRole → integration credentials as SAM sets them", async () => {
    const { model } = await load(
      sam("        DefaultAuthorizer: AWS_IAM\n", {
        A: { path: "/a", method: "get" },
        B: { path: "/b", method: "get", auth: "              Authorizer: AWS_IAM\n              InvokeRole: arn:aws:iam::123456789012:role/r\n" },
        C: { path: "/c", method: "get", auth: "              Authorizer: AWS_IAM\n              InvokeRole: NONE\n" },
      }),
      SRC, ALL,
    );
    const api = model.restApis[0]!;
    // CALLER_CREDENTIALS (the default) maps to arn:aws:iam::*:user/* (samtranslator swagger.py _get_invoke_role).
    expect(method(api, "/a", "GET")).toMatchObject({ authorizationType: "AWS_IAM", integration: { credentials: "arn:aws:iam::*:user/*" } });
    expect(method(api, "/b", "GET").integration.credentials).toBe("arn:aws:iam::123456789012:role/r");
    expect(method(api, "/c", "GET").integration.credentials).toBeUndefined();
  });

  test("DefinitionBody operations get the defaults too, and may name SAM's authorizers", async () => {
    const body = `      DefinitionBody:
        swagger: "2.0"
        info: { title: t, version: "1" }
        paths:
          /x:
            get:
              x-amazon-apigateway-integration: { type: mock }
          /y:
            get:
              security: [{ Req: [] }]
              x-amazon-apigateway-integration: { type: mock }
`;
    const { model } = await load(sam(`${LAMBDA_AUTH}        DefaultAuthorizer: Tok\n        ApiKeyRequired: true\n`, { A: { path: "/a", method: "get" } }, body), SRC, ALL);
    const api = model.restApis[0]!;
    const name = (p: string) => api.authorizers[method(api, p, "GET").authorizerId!]!.name;
    expect(name("/x")).toBe("Tok");
    expect(name("/y")).toBe("Req");
    expect(method(api, "/x", "GET").apiKeyRequired).toBe(true);
  });

  test("ResourcePolicy: statements per path as SAM generates them (Allow + conditional Deny), CustomStatements last", async () => {
    const rp = `        ResourcePolicy:
          IpRangeWhitelist: [10.0.0.0/8]
          SourceVpcBlacklist: [vpc-1, vpce-2]
          AwsAccountWhitelist: ["111122223333"]
          CustomStatements:
            - { Effect: Deny, Principal: "*", Action: execute-api:Invoke, Resource: "execute-api:/*/POST/*" }
`;
    const { model } = await load(sam(rp, { A: { path: "/pets/{id}", method: "get" }, B: { path: "/pets/{id}", method: "any" } }), SRC, ALL);
    const api = model.restApis[0]!;
    const arn = (r: string) => `arn:aws:execute-api:us-east-1:123456789012:${api.id}/${r}`;
    const resources = [arn("s/GET/pets/*"), arn("s/*/pets/*")];
    expect(api.policy).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "execute-api:Invoke", Resource: resources, Principal: { AWS: ["111122223333"] } },
        { Effect: "Allow", Action: "execute-api:Invoke", Resource: resources, Principal: "*" },
        { Effect: "Deny", Action: "execute-api:Invoke", Resource: resources, Principal: "*", Condition: { NotIpAddress: { "aws:SourceIp": ["10.0.0.0/8"] } } },
        { Effect: "Deny", Action: "execute-api:Invoke", Resource: resources, Principal: "*", Condition: { StringEquals: { "aws:SourceVpc": ["vpc-1"], "aws:SourceVpce": ["vpce-2"] } } },
        { Effect: "Deny", Principal: "*", Action: "execute-api:Invoke", Resource: arn("*/POST/*") },
      ],
    });
  });

  test("UsagePlan PER_API and SHARED: generated key, plan and plan key", async () => {
    const two = `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: app.handler
      CodeUri: src
      Events:
        A: { Type: Api, Properties: { RestApiId: !Ref A1, Path: /a, Method: get } }
        B: { Type: Api, Properties: { RestApiId: !Ref A2, Path: /b, Method: get } }
        C: { Type: Api, Properties: { RestApiId: !Ref A3, Path: /c, Method: get } }
  A1:
    Type: AWS::Serverless::Api
    Properties: { StageName: s, Auth: { ApiKeyRequired: true, UsagePlan: { CreateUsagePlan: PER_API, UsagePlanName: mine, Throttle: { RateLimit: 5, BurstLimit: 10 }, Quota: { Limit: 100, Period: DAY, Offset: 1 } } } }
  A2:
    Type: AWS::Serverless::Api
    Properties: { StageName: s, Auth: { UsagePlan: { CreateUsagePlan: SHARED } } }
  A3:
    Type: AWS::Serverless::Api
    Properties: { StageName: t, Auth: { UsagePlan: { CreateUsagePlan: SHARED, Description: d } } }
`;
    const { model } = await load(two, SRC, ALL);
    expect(model.apiKeys.map((k) => [k.logicalId, k.generated, k.enabled])).toEqual([["A1ApiKey", true, true], ["ServerlessApiKey", true, true]]);
    for (const k of model.apiKeys) expect(k.value).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(model.usagePlans.map((p) => ({ id: p.logicalId, name: p.name, stages: p.apiStages.map((s) => `${s.api}:${s.stage}`), keys: p.apiKeys, throttle: p.throttle, quota: p.quota }))).toEqual([
      { id: "A1UsagePlan", name: "mine", stages: ["A1:s"], keys: ["A1ApiKey"], throttle: { rateLimit: 5, burstLimit: 10 }, quota: { limit: 100, offset: 1, period: "DAY" } },
      { id: "ServerlessUsagePlan", name: expect.stringMatching(/^gateproof-ServerlessUsagePlan-/), stages: ["A2:s", "A3:t"], keys: ["ServerlessApiKey"], throttle: undefined, quota: undefined },
    ]);
    const none = await load(two.replace("CreateUsagePlan: PER_API", "CreateUsagePlan: NONE"), SRC, ALL);
    expect(none.model.usagePlans.map((p) => p.logicalId)).toEqual(["ServerlessUsagePlan"]);
  });
});

describe("SAM Auth load errors", () => {
  const A = "$.Resources.Api.Properties.Auth";
  const err = (t: string, path: string, reason: string) => expectLoadError(t, path, reason, SRC, ALL);
  const ev = { A: { path: "/a", method: "get" } };
  test("Auth shape and authorizers", async () => {
    await err(sam("        Bogus: 1\n", ev), `${A}.Bogus`, "Auth property Bogus is not supported yet");
    await err(sam("        DefaultAuthorizer: Nope\n", ev), `${A}.DefaultAuthorizer`, 'DefaultAuthorizer "Nope" is not defined in Auth.Authorizers');
    await err(sam("        Authorizers:\n          X: { FunctionArn: !GetAtt Auth.Arn, FunctionPayloadType: BODY }\n", ev), `${A}.Authorizers.X.FunctionPayloadType`, 'FunctionPayloadType "BODY" must be TOKEN or REQUEST');
    await err(sam("        Authorizers:\n          X: { FunctionArn: !GetAtt Auth.Arn, FunctionPayloadType: REQUEST }\n", ev), `${A}.Authorizers.X`, "a REQUEST authorizer must specify Identity with at least one of Headers, QueryStrings, StageVariables, or Context");
    await err(sam("        Authorizers:\n          X: { FunctionArn: !GetAtt Auth.Arn, Identity: { ReauthorizeEvery: 4000 } }\n", ev), `${A}.Authorizers.X.Identity.ReauthorizeEvery`, "ReauthorizeEvery 4000 is outside 0..3600");
    await err(sam("        Authorizers:\n          X: { FunctionArn: !GetAtt Auth.Arn, Identity: { Headers: [a] } }\n", ev), `${A}.Authorizers.X.Identity.Headers`, "Identity property Headers is not supported yet");
    await err(sam("        Authorizers:\n          X: { UserPoolArn: pool }\n", ev), `${A}.Authorizers.X.UserPoolArn`, 'UserPoolArn "pool" must be arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}');
    await err(sam("        Authorizers:\n          X: { FunctionArn: arn:aws:lambda:us-east-1:123456789012:function:ghost }\n", ev), `${A}.Authorizers.X.FunctionArn`, 'integration uri points at Lambda function "ghost", which is not defined');
    await err(sam("        InvokeRole: NONE\n", { A: { path: "/a", method: "get", auth: "              Scopes: [x]\n" } }), "$.Resources.Fn.Properties.Events.A.Properties.Auth.Scopes", "event Auth property Scopes is not supported yet");
  });
  test("resource policy and usage plan", async () => {
    await err(sam("        ResourcePolicy: { SourceVpcWhitelist: [subnet-1] }\n", ev), `${A}.ResourcePolicy.SourceVpcWhitelist[0]`, 'SourceVpcWhitelist entry "subnet-1" must be a VPC (vpc-…) or VPC endpoint (vpce-…) id');
    await err(sam("        ResourcePolicy: { IpWhitelist: [1.2.3.4] }\n", ev), `${A}.ResourcePolicy.IpWhitelist`, "ResourcePolicy property IpWhitelist is not supported yet");
    await err(sam("        ResourcePolicy: { CustomStatements: [{ Effect: Allow, Action: a, Resource: r }] }\n", ev), `${A}.ResourcePolicy.CustomStatements[0]`, "resource policy statement needs a Principal or NotPrincipal");
    await err(sam("        UsagePlan: { UsagePlanName: x }\n", ev), `${A}.UsagePlan`, "'CreateUsagePlan' is a required field for UsagePlan");
    await err(sam("        UsagePlan: { CreateUsagePlan: ALL }\n", ev), `${A}.UsagePlan.CreateUsagePlan`, 'CreateUsagePlan "ALL" must be PER_API, SHARED or NONE');
    await err(sam("        UsagePlan: { CreateUsagePlan: PER_API, Quota: { Limit: 1 } }\n", ev), `${A}.UsagePlan.Quota`, "Quota needs a Period");
  });
  test("the gate names SAM's own properties", async () => {
    const none = { enforcedSecurity: new Set<SecurityFeature>() };
    await expectLoadError(sam(`${LAMBDA_AUTH}        DefaultAuthorizer: Tok\n`, ev), `${A}.DefaultAuthorizer`, 'Lambda authorizer "Tok" is not enforced by gateproof yet; refusing to serve the route open', SRC, none);
    await expectLoadError(sam(LAMBDA_AUTH, { A: { path: "/a", method: "get", auth: "              Authorizer: Pool\n" } }), "$.Resources.Fn.Properties.Events.A.Properties.Auth.Authorizer", 'Cognito authorizer "Pool" is not enforced by gateproof yet; refusing to serve the route open', SRC, none);
    await expectLoadError(sam("        DefaultAuthorizer: AWS_IAM\n", ev), `${A}.DefaultAuthorizer`, 'IAM authorization (AWS_IAM) "AWS_IAM" is not enforced by gateproof yet; refusing to serve the route open', SRC, none);
    await expectLoadError(sam("        ApiKeyRequired: true\n", ev), `${A}.ApiKeyRequired`, 'API key requirement "api_key" is not enforced by gateproof yet; refusing to serve the route open', SRC, none);
    await expectLoadError(sam("        InvokeRole: NONE\n", { A: { path: "/a", method: "get", auth: "              ResourcePolicy: { IpRangeBlacklist: [1.2.3.4] }\n" } }), "$.Resources.Fn.Properties.Events.A.Properties.Auth.ResourcePolicy", "resource policy (event Auth.ResourcePolicy) is not enforced by gateproof yet; refusing to serve the route open", SRC, none);
  });
});
