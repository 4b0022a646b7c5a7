import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { startEchoBackend, type EchoBackend } from "../harness/echo-backend.ts";
import { header, send, type TargetResponse } from "../harness/target.ts";
import { features } from "../harness/conformance.ts";

/**
 * API keys (spec §8, api-gateway-api-key-source.md). Facts pinned here:
 *  - key source HEADER: the client sends `x-api-key`, any casing (spec §8);
 *  - the key must exist, be enabled and be in a usage plan for this API stage, else 403 `{"message":"Forbidden"}` with
 *    `x-amzn-ErrorType: ForbiddenException` (spec §8 [KC], §2.3 api-gateway-create-usage-plans-with-rest-api.md);
 *  - without apiKeyRequired the key is ignored: 200 whether or not it is right (spec §8);
 *  - the key shows as `$context.identity.apiKey` / `apiKeyId` (spec §8) and in the proxy event's
 *    requestContext.identity, whose keys then come out in the order of a captured event with an API key
 *    (blog.daringkoala.com/posts/apigw-lambda-integration-payloads; see rest/context-variables.ts).
 */

/** The conformance fixture's key (suites/fixture/template.yaml FixtureApiKey): the same value on every target. */
import { FIXTURE_API_KEY } from "../harness/fixture.ts";

const expectForbidden = (response: TargetResponse) => {
  expect(response.status).toBe(403);
  expect(response.text).toBe('{"message":"Forbidden"}');
  expect(header(response, "x-amzn-errortype")).toBe("ForbiddenException");
};

describe("API keys on the conformance fixture (any target)", features("auth.api-key"), () => {
  it("no key → 403 Forbidden", async () => {
    expectForbidden(await send("GET", "/keyed"));
  });
  it("a key that is not the fixture's → 403 Forbidden", async () => {
    expectForbidden(await send("GET", "/keyed", { headers: { "x-api-key": `${FIXTURE_API_KEY}x` } }));
  });
  it("the fixture's key → 200, and $context.identity.apiKey is that key", features("rest.mock", "rest.vtl"), async () => {
    const response = await send("GET", "/keyed", { headers: { "X-API-Key": FIXTURE_API_KEY } });
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ apiKey: FIXTURE_API_KEY });
  });
});

describe("API keys: sources, plans and stages (second reference gateway)", features(["auth.api-key"], { referenceOnly: true }), () => {
  const VALID = "gateproofValidKey0123456789";
  let gateway: RunningGateway;
  let backend: EchoBackend;
  let test: string;
  let other: string;
  let fromAuthorizer: string;

  beforeAll(async () => {
    backend = await startEchoBackend();
    gateway = await startGateway({
      template: new URL("./fixtures/api-keys/template.yaml", import.meta.url).pathname,
      port: 0,
      parameterOverrides: { BackendUrl: backend.url },
      log: () => {},
    });
    test = gateway.urls.find((url) => url.api === "KeysApi" && url.stage === "test")!.url;
    other = gateway.urls.find((url) => url.api === "KeysApi" && url.stage === "other")!.url;
    fromAuthorizer = gateway.urls.find((url) => url.api === "AuthorizerKeysApi")!.url;
  });
  afterAll(async () => {
    await gateway?.close();
    await backend?.close();
  });

  /** Sends to /protected and returns the answer with whether the echo backend saw the request. */
  const protectedCall = async (base: string, key?: string) => {
    const before = backend.received.length;
    const response = await send("GET", "/protected", { base, headers: key === undefined ? {} : { "x-api-key": key } });
    return { response, reached: backend.received.length > before };
  };

  it("a valid key in a plan for this stage reaches the integration; the header name's casing does not matter", async () => {
    for (const name of ["x-api-key", "X-API-KEY", "X-Api-Key"]) {
      const before = backend.received.length;
      const response = await send("GET", "/protected", { base: test, headers: { [name]: VALID } });
      expect(response.status).toBe(200);
      expect(backend.received.length).toBe(before + 1);
    }
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["unknown", "gateproofUnknownKey0123456789"],
    ["disabled", "gateproofDisabledKey0123456789"],
    ["in a plan for another stage only", "gateproofOtherStageKey0123456789"],
    ["in no usage plan", "gateproofNoPlanKey0123456789"],
  ])("%s → 403 INVALID_API_KEY, never reaching the integration", async (_case, key) => {
    const { response, reached } = await protectedCall(test, key);
    expectForbidden(response);
    expect(reached).toBe(false);
  });

  it("a plan covers only its own stages: the other stage's key works there, the test stage's key does not", async () => {
    expect((await protectedCall(other, "gateproofOtherStageKey0123456789")).response.status).toBe(200);
    const { response, reached } = await protectedCall(other, VALID);
    expectForbidden(response);
    expect(reached).toBe(false);
  });

  it("a key generated at load (no Value in the template) works like any other", async () => {
    const generated = gateway.model.apiKeys.find((key) => key.logicalId === "GeneratedKey")!;
    expect(generated.generated).toBe(true);
    expect((await protectedCall(test, generated.value)).response.status).toBe(200);
  });

  it("without apiKeyRequired the key is ignored: no key, a wrong key and a disabled key all pass", async () => {
    for (const key of [undefined, "gateproofUnknownKey0123456789", "gateproofDisabledKey0123456789"]) {
      const response = await send("GET", "/open", { base: test, headers: key === undefined ? {} : { "x-api-key": key } });
      expect(response.status).toBe(200);
    }
  });

  it("$context.identity.apiKey and apiKeyId are the key's value and its 10-character id", async () => {
    const response = await send("GET", "/whoami", { base: test, headers: { "x-api-key": VALID } });
    const id = gateway.model.apiKeys.find((key) => key.logicalId === "ValidKey")!.id;
    expect(id).toMatch(/^[a-z0-9]{10}$/);
    expect(response.json()).toEqual({ apiKey: VALID, apiKeyId: id });
  });

  it("key source AUTHORIZER: the authorizer's usageIdentifierKey is the key; x-api-key is not looked at (spec §7.1, §8)", features("auth.lambda-token"), async () => {
    const viaAuthorizer = async (token: string, headerKey?: string) => {
      const before = backend.received.length;
      const headers: Record<string, string> = { authorization: token, ...(headerKey === undefined ? {} : { "x-api-key": headerKey }) };
      const response = await send("GET", "/protected", { base: fromAuthorizer, headers });
      return { response, reached: backend.received.length > before };
    };
    expect((await viaAuthorizer(VALID)).response.status).toBe(200);
    for (const [token, headerKey] of [["gateproofUnknownKey0123456789", VALID], ["gateproofDisabledKey0123456789", undefined]] as const) {
      const { response, reached } = await viaAuthorizer(token, headerKey);
      expectForbidden(response);
      expect(reached).toBe(false);
    }
  });

  it("the proxy event's identity carries apiKey/apiKeyId, every key in the order AWS's HashMap gives 14 keys", features("rest.lambda-proxy"), async () => {
    const response = await send("GET", "/event", { base: test, headers: { "x-api-key": VALID, "user-agent": "gateproof" } });
    expect(response.status).toBe(200);
    const identity = response.json<Record<string, unknown>>();
    // Captured order (blog.daringkoala.com, 2023 test-invoke event with an API key).
    expect(Object.keys(identity)).toEqual([
      "cognitoIdentityPoolId",
      "cognitoIdentityId",
      "apiKey",
      "principalOrgId",
      "cognitoAuthenticationType",
      "userArn",
      "apiKeyId",
      "userAgent",
      "accountId",
      "caller",
      "sourceIp",
      "accessKey",
      "cognitoAuthenticationProvider",
      "user",
    ]);
    expect(identity).toMatchObject({ apiKey: VALID, apiKeyId: gateway.model.apiKeys.find((key) => key.logicalId === "ValidKey")!.id, userAgent: "gateproof" });
  });
});
