import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { header, isReference, send, type TargetResponse } from "../harness/target.ts";
import { features } from "../harness/conformance.ts";

/**
 * Gateway responses (spec §2). The fixture's DEFAULT_4XX adds two headers, `x-fixture: 'gateproof'` and
 * `x-greeting: stageVariables.greeting`; DEFAULT_4XX applies to every 4XX gateway response and never to 5XX ones.
 */
const expectFixture4xxHeaders = (response: TargetResponse) => {
  expect(header(response, "x-fixture")).toBe("gateproof");
  // spec §2.1: gateway response header values may come from stageVariables.x; the fixture's greeting is "hello".
  expect(header(response, "x-greeting")).toBe("hello");
};
const expectNoFixtureHeaders = (response: TargetResponse) => {
  expect(header(response, "x-fixture")).toBeUndefined();
  expect(header(response, "x-greeting")).toBeUndefined();
};

describe("fixture DEFAULT_4XX headers", features("rest.gateway-responses"), () => {
  it("MISSING_AUTHENTICATION_TOKEN (unknown resource) → 403 with the DEFAULT_4XX headers and the default body", async () => {
    const response = await send("GET", "/no/such/resource");
    // spec §2 / §2.3: unknown resource → 403 {"message":"Missing Authentication Token"}; §2.2 [KC] error type.
    expect(response.status).toBe(403);
    expect(response.text).toBe('{"message":"Missing Authentication Token"}');
    expect(header(response, "x-amzn-errortype")).toBe("MissingAuthenticationTokenException");
    expect(header(response, "content-type")).toBe("application/json");
    expectFixture4xxHeaders(response);
  });

  it("MISSING_AUTHENTICATION_TOKEN for a method the resource lacks (DELETE /mock) → same 403", features("rest.mock"), async () => {
    // spec §2: MISSING_AUTHENTICATION_TOKEN includes calls to an unsupported method.
    const response = await send("DELETE", "/mock");
    expect(response.status).toBe(403);
    expect(response.text).toBe('{"message":"Missing Authentication Token"}');
    expectFixture4xxHeaders(response);
  });

  it("UNSUPPORTED_MEDIA_TYPE → 415 with the DEFAULT_4XX headers", features("rest.mock"), async () => {
    const response = await send("POST", "/mock/strict", { headers: { "content-type": "text/plain" }, body: "x" });
    expect(response.status).toBe(415);
    expect(response.text).toBe('{"message":"Unsupported Media Type"}');
    expectFixture4xxHeaders(response);
  });

  it("a 502 (malformed Lambda proxy response) does not get the DEFAULT_4XX headers", async () => {
    // spec §2.3 [KC]: malformed Lambda proxy response → 502 {"message": "Internal server error"}.
    const response = await send("GET", "/shape?shape=status-bad");
    expect(response.status).toBe(502);
    expect(response.text).toBe('{"message": "Internal server error"}');
    expectNoFixtureHeaders(response);
  });

  it("a 504 (integration timeout) does not get the DEFAULT_4XX headers", async () => {
    const response = await send("GET", "/slow-backend?delay=1500");
    expect(response.status).toBe(504);
    expect(response.text).toBe('{"message": "Endpoint request timed out"}');
    expectNoFixtureHeaders(response);
  });

  it("a 500 API_CONFIGURATION_ERROR does not get them either", features("rest.mock"), async () => {
    const response = await send("GET", "/mock/no-match");
    expect(response.status).toBe(500);
    expectNoFixtureHeaders(response);
  });

  it("a 4XX the integration chose is not a gateway response: no DEFAULT_4XX headers", features("rest.mock"), async () => {
    const response = await send("GET", "/mock/status?code=404");
    expect(response.status).toBe(400);
    expectNoFixtureHeaders(response);
  });
});

/**
 * Deeper customisation needs a definition of our own: a second reference gateway serving
 * fixtures/gateway-responses.yaml (MOCK routes only), so this block runs against the reference only.
 */
describe("customised gateway responses (second reference gateway)", features(["rest.gateway-responses.custom"], { referenceOnly: true }), () => {
  let gateway: RunningGateway;
  let base: string;

  beforeAll(async () => {
    gateway = await startGateway({
      template: new URL("./fixtures/gateway-responses.yaml", import.meta.url).pathname,
      port: 0,
      stage: "test",
      log: () => {},
    });
    base = gateway.urls[0]!.url;
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it("MISSING_AUTHENTICATION_TOKEN customised to 404 takes DEFAULT_4XX's template and keeps its error type", async () => {
    // spec §2.1 console example: 404, body {"message":"Missing Authentication Token","type":"MISSING_AUTHENTICATION_TOKEN"},
    // x-amzn-ErrorType: MissingAuthenticationTokenException.
    const response = await send("GET", "/nowhere", { base });
    expect(response.status).toBe(404);
    expect(response.text).toBe('{"message":"Missing Authentication Token","type":"MISSING_AUTHENTICATION_TOKEN"}');
    expect(header(response, "x-amzn-errortype")).toBe("MissingAuthenticationTokenException");
    expect(header(response, "content-type")).toBe("application/json");
  });

  it("header values from a static 'value', context.requestId and method.request.header.X", async () => {
    // spec §2.1: responseParameters sources method.request.{header|…}.N, context.x, static '…'.
    const response = await send("GET", "/nowhere", { base, headers: { "X-Caller": "alice" } });
    expect(response.status).toBe(404);
    expect(header(response, "x-static")).toBe("static");
    expect(header(response, "x-caller")).toBe("alice");
    const requestId = header(response, "x-amzn-requestid");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(header(response, "x-request-id")).toBe(requestId);
  });

  it("a header mapped from an absent request header is not set", async () => {
    const response = await send("GET", "/nowhere", { base });
    expect(header(response, "x-caller")).toBeUndefined();
  });

  it("Accept: text/plain selects the text/plain template", async () => {
    // spec §1.7 / §2.1: responseTemplates are keyed by content type, chosen by the request's Accept.
    const response = await send("GET", "/nowhere", { base, headers: { accept: "text/plain" } });
    expect(response.status).toBe(404);
    expect(header(response, "content-type")).toBe("text/plain");
    expect(response.text).toBe("error MISSING_AUTHENTICATION_TOKEN: Missing Authentication Token");
  });

  it("only the first Accept type counts; an Accept with no template falls back to the first template", async () => {
    // spec §1.7: only the first Accept type is honoured; no template for it → the first template.
    const first = await send("GET", "/nowhere", { base, headers: { accept: "text/plain, application/json" } });
    expect(header(first, "content-type")).toBe("text/plain");
    // text/plain has a template but is not first: the first type (text/html) has none → the first template.
    const second = await send("GET", "/nowhere", { base, headers: { accept: "text/html, text/plain" } });
    expect(header(second, "content-type")).toBe("application/json");
    const other = await send("GET", "/nowhere", { base, headers: { accept: "text/html" } });
    expect(header(other, "content-type")).toBe("application/json");
    expect(other.text).toBe('{"message":"Missing Authentication Token","type":"MISSING_AUTHENTICATION_TOKEN"}');
  });

  it("a type's own header overrides DEFAULT_4XX's; the rest falls back field by field", async () => {
    // spec §2.1 [LS]: explicit response first, then DEFAULT_4XX, keeping the type's own default status.
    const response = await send("POST", "/strict", { base, headers: { "content-type": "text/plain", "x-caller": "bob" }, body: "x" });
    expect(response.status).toBe(415);
    expect(header(response, "x-static")).toBe("own");
    expect(header(response, "x-caller")).toBe("bob");
    expect(response.text).toBe('{"message":"Unsupported Media Type","type":"UNSUPPORTED_MEDIA_TYPE"}');
  });

  it("DEFAULT_5XX statusCode 503 changes API_CONFIGURATION_ERROR's status; DEFAULT_4XX settings stay out", async () => {
    // spec §2: changing DEFAULT_5XX's status changes all other 5XX statuses.
    const response = await send("GET", "/no-match", { base });
    expect(response.status).toBe(503);
    expect(header(response, "x-five")).toBe("yes");
    expect(header(response, "x-static")).toBeUndefined();
    expect(response.text).toBe('{"message":"Internal server error"}');
    expect(header(response, "x-amzn-errortype")).toBe("ApiConfigurationException");
  });

  it("a successful call carries none of the gateway-response headers", async () => {
    const response = await send("GET", "/ok", { base });
    expect(response.status).toBe(200);
    expect(response.text).toBe('{"ok":true}');
    expect(header(response, "x-static")).toBeUndefined();
  });

  it("REQUEST_TOO_LARGE cannot be customised: a definition that tries is refused at load", async () => {
    // spec §2: customising REQUEST_TOO_LARGE is not supported (api-gateway-known-issues.md).
    const { writeFile, mkdtemp } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(join(tmpdir(), "gateproof-gr-"));
    const file = join(dir, "api.yaml");
    await writeFile(
      file,
      'openapi: "3.0.1"\ninfo: { title: t, version: "1" }\nx-amazon-apigateway-gateway-responses:\n  REQUEST_TOO_LARGE: { statusCode: "400" }\npaths: {}\n',
    );
    await expect(startGateway({ template: file, port: 0, log: () => {} })).rejects.toThrow(/REQUEST_TOO_LARGE/);
  });
});
