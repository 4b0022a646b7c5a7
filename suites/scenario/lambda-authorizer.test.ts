import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { startEchoBackend, type EchoBackend } from "../harness/echo-backend.ts";
import { header, send, type TargetResponse } from "../harness/target.ts";
import { features } from "../harness/conformance.ts";

const TEMPLATE = new URL("./fixtures/lambda-authorizer/template.yaml", import.meta.url).pathname;

interface Echoed {
  authorizer: Record<string, unknown>;
  path: string;
}

/** spec §2.3 / catalogue.ts: the bodies and error types AWS gives each authorizer outcome. */
function expectOutcome(response: TargetResponse, status: number, body: string, errorType: string): void {
  expect({ status: response.status, body: response.text, errorType: header(response, "x-amzn-ErrorType") }).toEqual({ status, body, errorType });
}
const UNAUTHORIZED = (r: TargetResponse) => expectOutcome(r, 401, '{"message":"Unauthorized"}', "UnauthorizedException");
const CONFIGURATION_ERROR = (r: TargetResponse) => expectOutcome(r, 500, '{"message":null}', "AuthorizerConfigurationException");
const EXPLICIT_DENY = (r: TargetResponse) =>
  expectOutcome(r, 403, '{"Message":"User is not authorized to access this resource with an explicit deny"}', "AccessDeniedException");
const IMPLICIT_DENY = (r: TargetResponse) => expectOutcome(r, 403, '{"Message":"User is not authorized to access this resource"}', "AccessDeniedException");

// The reference with its own template: a deployment would need these authorizer functions deployed with it.
describe("Lambda authorizers (REST)", features([], { referenceOnly: true }), () => {
  let gateway: RunningGateway;
  let echo: EchoBackend;
  let base: string;
  let customised: string;
  const token = (path: string, value: string | undefined, extra: Record<string, string> = {}) =>
    send("GET", path, { base, headers: { ...(value === undefined ? {} : { Authorization: value }), ...extra } });

  beforeAll(async () => {
    echo = await startEchoBackend();
    gateway = await startGateway({ template: TEMPLATE, port: 0, parameterOverrides: { EchoUrl: echo.url }, log: () => {} });
    base = gateway.urls.find((u) => u.api === "Api")!.url;
    customised = gateway.urls.find((u) => u.api === "CustomisedApi")!.url;
  });
  afterAll(async () => {
    await gateway?.close();
    await echo?.close();
  });

  describe("TOKEN: what never reaches the function or the integration", features("auth.lambda-token"), () => {
    it("an allowed token reaches the integration", async () => {
      const before = echo.received.length;
      expect((await token("/backend", "allow:alice")).status).toBe(200);
      expect(echo.received.length).toBe(before + 1);
    });

    it("a missing or empty token is 401 (spec §7.1), and nothing reaches the integration", async () => {
      const before = echo.received.length;
      UNAUTHORIZED(await token("/backend", undefined));
      UNAUTHORIZED(await token("/backend", ""));
      expect(echo.received.length).toBe(before);
    });

    it("a token failing identityValidationExpression is 401 without calling the function", async () => {
      // The function throws on any token it does not know (a 500), so a 401 shows it was never called.
      UNAUTHORIZED(await token("/backend", "NOT-VALID!"));
      CONFIGURATION_ERROR(await token("/backend", "unknown-verb"));
    });

    it("every rejection keeps the integration untouched", async () => {
      const before = echo.received.length;
      for (const value of ["deny:bob", "elsewhere:bob", "unauthorized", "unauthorized-why", "malformed", "nested"]) {
        expect((await token("/backend", value)).status).toBeGreaterThanOrEqual(400);
      }
      expect(echo.received.length).toBe(before);
    });
  });

  describe("TOKEN: outcomes", features("auth.lambda-token"), () => {
    it("the function failing with exactly \"Unauthorized\" is 401; any other message is 500 (spec §7.1)", async () => {
      UNAUTHORIZED(await token("/context", "unauthorized"));
      CONFIGURATION_ERROR(await token("/context", "unauthorized-why"));
    });

    it("a policy Deny is 403 with AWS's capital-M body; a policy not covering the method ARN is the implicit deny", async () => {
      EXPLICIT_DENY(await token("/context", "deny:bob"));
      IMPLICIT_DENY(await token("/context", "elsewhere:bob"));
    });

    it("no policy, object/array context values, or a timeout are 500 AuthorizerConfigurationException", async () => {
      CONFIGURATION_ERROR(await token("/context", "malformed"));
      CONFIGURATION_ERROR(await token("/context", "nested"));
      CONFIGURATION_ERROR(await token("/context", "slow"));
    });

    it("an allow passes principalId, integrationLatency and the stringified context to requestContext.authorizer", async () => {
      const response = await token("/context", "allow:alice");
      expect(response.status).toBe(200);
      const { authorizer } = response.json<Echoed>();
      // spec §7.1: context values are stringified; captured events put principalId and integrationLatency first.
      expect(Object.keys(authorizer).slice(0, 2)).toEqual(["principalId", "integrationLatency"]);
      expect(authorizer).toMatchObject({ principalId: "alice", stringKey: "value", numberKey: "1", booleanKey: "true" });
      expect(typeof authorizer.integrationLatency).toBe("number");
    });

    it("the TOKEN event is {type, methodArn, authorizationToken} with the request's actual path in the ARN", async () => {
      const response = await token("/pets/42", "event:alice");
      expect(response.status).toBe(200);
      const event = JSON.parse(response.json<Echoed>().authorizer.event as string) as Record<string, string>;
      expect(Object.keys(event)).toEqual(["type", "methodArn", "authorizationToken"]);
      expect(event.type).toBe("TOKEN");
      expect(event.authorizationToken).toBe("event:alice");
      // policy.ts: arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}, path values not templates.
      expect(event.methodArn).toMatch(/^arn:aws:execute-api:[a-z0-9-]+:\d{12}:[a-z0-9]{10}\/v1\/GET\/pets\/42$/);
    });

    it("a customised ACCESS_DENIED gateway response applies to denials, with $context.authorizer of the denied caller", features("rest.gateway-responses.custom"), async () => {
      const response = await send("GET", "/context", { base: customised, headers: { Authorization: "deny:mallory" } });
      expect(response.status).toBe(418);
      expect(response.json()).toEqual({ denied: "mallory", why: "User is not authorized to access this resource with an explicit deny" });
      expect(header(response, "x-amzn-ErrorType")).toBe("AccessDeniedException");
    });
  });

  describe("result cache", features("auth.lambda-token", "auth.authorizer-cache"), () => {
    const cached = (path: string, value: string) => send("GET", path, { base, headers: { "X-Token": value } });
    const nonce = (response: TargetResponse) => response.json<Echoed>().authorizer.nonce;

    it("reuses a result within the TTL (the nonce repeats, integrationLatency 0) and calls again after it", async () => {
      const first = await cached("/cached/a", "allow-all:carol");
      const second = await cached("/cached/a", "allow-all:carol");
      expect(first.status).toBe(200);
      expect(nonce(second)).toBe(nonce(first));
      expect(second.json<Echoed>().authorizer.integrationLatency).toBe(0);
      // TTL 1 s: well past it, the function runs again.
      await new Promise((resolve) => setTimeout(resolve, 1300));
      expect(nonce(await cached("/cached/a", "allow-all:carol"))).not.toBe(nonce(first));
    });

    it("never applies one token's result to another token", async () => {
      expect((await cached("/cached/a", "allow-all:dave")).status).toBe(200);
      EXPLICIT_DENY(await cached("/cached/a", "deny:dave"));
      const erin = await cached("/cached/a", "allow-all:erin");
      expect(erin.json<Echoed>().authorizer.principalId).toBe("erin");
    });

    it("evaluates the cached policy per method: an exact-ARN policy cached for /a denies /b; a wildcard covers both", async () => {
      expect((await cached("/cached/a", "allow:frank")).status).toBe(200);
      IMPLICIT_DENY(await cached("/cached/b", "allow:frank"));
      expect((await cached("/cached/a", "allow-all:grace")).status).toBe(200);
      expect((await cached("/cached/b", "allow-all:grace")).status).toBe(200);
    });
  });

  describe("REQUEST", features("auth.lambda-request"), () => {
    const request = (path: string, headers: Record<string, string>) => send("GET", path, { base, headers });

    it("the event carries the request's fields, AWS's keys in AWS's order", async () => {
      const response = await request("/cached-request/7?tenant=acme", { "X-User": "ivan" });
      expect(response.status).toBe(200);
      const event = JSON.parse(response.json<Echoed>().authorizer.event as string) as Record<string, unknown>;
      expect(Object.keys(event)).toEqual([
        "type", "methodArn", "resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
        "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext",
      ]);
      expect(event).toMatchObject({ type: "REQUEST", resource: "/cached-request/{id}", path: "/cached-request/7", httpMethod: "GET", pathParameters: { id: "7" }, queryStringParameters: { tenant: "acme" } });
      expect(event.methodArn).toMatch(/\/v1\/GET\/cached-request\/7$/);
    });

    it("with caching on, a missing or empty identity source is 401 without calling the function (spec §7.1)", features("auth.authorizer-cache"), async () => {
      // The function throws when called without tenant on this route, so 401 (not 500) shows it was not called.
      UNAUTHORIZED(await request("/cached-request/7", { "X-User": "ivan" }));
      UNAUTHORIZED(await request("/cached-request/7?tenant=", { "X-User": "ivan" }));
      UNAUTHORIZED(await request("/cached-request/7?tenant=acme", {}));
    });

    it("the cache key is every identity source: a different tenant is a different identity", features("auth.authorizer-cache"), async () => {
      const a = await request("/cached-request/1?tenant=t1", { "X-User": "judy" });
      const b = await request("/cached-request/1?tenant=t2", { "X-User": "judy" });
      const a2 = await request("/cached-request/1?tenant=t1", { "x-user": "judy" });
      expect(b.json<Echoed>().authorizer.nonce).not.toBe(a.json<Echoed>().authorizer.nonce);
      // Header identity sources are case-insensitive by name.
      expect(a2.json<Echoed>().authorizer.nonce).toBe(a.json<Echoed>().authorizer.nonce);
      EXPLICIT_DENY(await request("/cached-request/1?tenant=t1", { "X-User": "deny" }));
    });

    it("with caching off, identity sources are not required: the function is called and decides", async () => {
      const response = await request("/open-request", {});
      expect(response.status).toBe(200);
      expect(response.json<Echoed>().authorizer.principalId).toBe("anonymous");
    });
  });
});
