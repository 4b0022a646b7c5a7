import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { header, isReference, send, targetUrl, type TargetResponse } from "../harness/target.ts";
import { features } from "../harness/conformance.ts";

/**
 * Stage and resource routing of a REST API, over real sockets against any deployment of the fixture
 * (suites/fixture/template.yaml, stage `test`).
 */

interface EchoBody {
  event: {
    resource: string;
    path: string;
    httpMethod: string;
    pathParameters: Record<string, string> | null;
    requestContext: { path: string; resourcePath: string };
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// x-amz-apigw-id: 16 base64 characters, the last one `=` (captured regional responses; spec §1.4 extendedRequestId).
const APIGW_ID = /^[A-Za-z0-9+/_-]{15}=$/;
// X-Amzn-Trace-Id root: `Root=1-<8 hex epoch>-<24 hex>` (X-Ray trace header format, captured on AWS).
const TRACE = /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}(;.*)?$/;
const MAT_BODY = '{"message":"Missing Authentication Token"}';

/** The stage URL without its `/test` suffix: `https://host` (AWS) or `http://127.0.0.1:port` (reference). */
const apiRoot = (): string => targetUrl().replace(/\/test$/, "");

function expectIds(response: TargetResponse): void {
  // Every REST response carries x-amzn-RequestId (a UUID) and x-amz-apigw-id (captured, incl. gateway errors; spec §2.1 example).
  expect(header(response, "x-amzn-RequestId")).toMatch(UUID);
  expect(header(response, "x-amz-apigw-id")).toMatch(APIGW_ID);
}

function expectMissingAuthenticationToken(response: TargetResponse, withBody = true): void {
  // Unknown resource or method → 403 MISSING_AUTHENTICATION_TOKEN (spec §2 table, §2.2, §2.3).
  expect(response.status).toBe(403);
  expect(header(response, "x-amzn-ErrorType")).toBe("MissingAuthenticationTokenException");
  // The fixture's DEFAULT_4XX adds x-fixture: 'gateproof' and x-greeting from the stage variable (spec §2.1 fallback).
  expect(header(response, "x-fixture")).toBe("gateproof");
  expect(header(response, "x-greeting")).toBe("hello");
  if (withBody) {
    // Default gateway-response template `{"message":$context.error.messageString}` (spec §2.1, §2.3).
    expect(response.text).toBe(MAT_BODY);
    expect(header(response, "content-type")).toBe("application/json");
  }
  expectIds(response);
  // Gateway errors raised before the integration carry no X-Amzn-Trace-Id (captured on AWS).
  expect(header(response, "x-amzn-trace-id")).toBeUndefined();
}

describe("unknown routes", features("rest.routing", "rest.gateway-responses", "rest.request-ids"), () => {
  it("an unknown path under the stage is 403 Missing Authentication Token", async () => {
    expectMissingAuthenticationToken(await send("GET", "/does-not-exist"));
  });

  // With an Authorization header that is not SigV4, an unknown route is refused for the header instead, as on an
  // AWS_IAM method: aws/chalice#828 ("The route was not built"), amazon-archives/aws-cognito-angular-quickstart#50
  // ("That error will return for any invalid endpoints"), awslabs/time-addressable-media-store#8 (2025: "returned
  // when an unexpected path/method is used", with the hashed key=value message). Still the MISSING_AUTHENTICATION_TOKEN
  // gateway response (the fixture's DEFAULT_4XX headers), with x-amzn-ErrorType IncompleteSignatureException.
  it("with a Bearer token, an unknown path is 403 'Invalid key=value pair' with the header hashed", async () => {
    const authorization = "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl";
    const response = await send("GET", "/does-not-exist", { headers: { Authorization: authorization } });
    expect(response.status).toBe(403);
    expect(header(response, "x-amzn-ErrorType")).toBe("IncompleteSignatureException");
    expect(header(response, "x-fixture")).toBe("gateproof");
    const hash = createHash("sha256").update(authorization).digest("base64");
    expect(response.json<{ message: string }>().message).toBe(`Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '${hash}'.`);
    expectIds(response);
  });

  it("with a bare token, an unknown path is 403 naming each missing SigV4 part and the header (aws/chalice#828)", async () => {
    const authorization = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.e30.c2ln";
    const response = await send("GET", "/does-not-exist", { headers: { Authorization: authorization } });
    expect(response.status).toBe(403);
    expect(header(response, "x-amzn-ErrorType")).toBe("IncompleteSignatureException");
    expect(response.json<{ message: string }>().message).toBe(
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
        "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
        `Authorization=${authorization}`,
    );
  });

  it("an unknown nested path under a known first segment is 403 MAT", features("rest.mock"), async () => {
    // /mock has children status, lenient, … but not /mock/nope (fixture); spec §2.3.
    expectMissingAuthenticationToken(await send("GET", "/mock/nope"));
  });

  it("a method the resource does not define is 403 MAT (DELETE /mock)", features("rest.mock"), async () => {
    // MISSING_AUTHENTICATION_TOKEN includes calls to an unsupported method (spec §2 table).
    expectMissingAuthenticationToken(await send("DELETE", "/mock"));
  });

  it("HEAD on a GET-only resource is 403 MAT, GET does not imply HEAD", features("rest.mock"), async () => {
    // Captured on AWS (propublica/congress-api-docs#129): HEAD on a GET-only method → 403 MissingAuthenticationToken.
    const response = await send("HEAD", "/mock");
    expectMissingAuthenticationToken(response, false);
    expect(response.text).toBe("");
  });

  it("an unknown stage is 403 exactly {\"message\":\"Forbidden\"} with ForbiddenException", async () => {
    // Captured on AWS: unknown stage → 403 `{"message":"Forbidden"}`, x-amzn-ErrorType ForbiddenException.
    const response = await send("GET", "/echo", { base: `${apiRoot()}/no-such-stage` });
    expect(response.status).toBe(403);
    expect(response.text).toBe('{"message":"Forbidden"}');
    expect(header(response, "x-amzn-ErrorType")).toBe("ForbiddenException");
    expectIds(response);
    expect(header(response, "x-amzn-trace-id")).toBeUndefined();
  });

  it("a path without any stage is refused with 403", async () => {
    // A request with no stage cannot reach any resource (spec §2.3 "Unknown resource": 403).
    const response = await send("GET", "/", { base: apiRoot() });
    expect(response.status).toBe(403);
    expectIds(response);
    if (isReference()) {
      // The reference answers Missing Authentication Token here (AWS's body for this case is not captured).
      expect(response.text).toBe(MAT_BODY);
      expect(header(response, "x-amzn-ErrorType")).toBe("MissingAuthenticationTokenException");
    }
  });
});

describe("resource precedence", features("rest.routing", "rest.lambda-proxy"), () => {
  it("literal /items/special beats /items/{id} for GET", features("rest.mock"), async () => {
    // Literal path part beats {param} (spec §11 resource tree; measured on AWS, ministackorg/ministack PR #1423).
    const response = await send("GET", "/items/special");
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ route: "literal" });
    expect(header(response, "x-function")).toBeUndefined();
  });

  it("POST /items/special falls back to /items/{id}: precedence is per method", features("rest.mock"), async () => {
    // /items/special has only GET; measured on AWS (ministack PR #1423): the method-less literal lets {id} answer.
    const response = await send("POST", "/items/special", { headers: { "content-type": "application/json" }, body: "{}" });
    expect(response.status).toBe(200);
    expect(header(response, "x-function")).toBe("echo");
    const { event } = response.json<EchoBody>();
    expect(event.resource).toBe("/items/{id}");
    expect(event.path).toBe("/items/special");
    expect(event.pathParameters).toEqual({ id: "special" });
    expect(event.httpMethod).toBe("POST");
  });

  it("GET /items/42 reaches /items/{id}", async () => {
    const response = await send("GET", "/items/42");
    expect(response.status).toBe(200);
    const { event } = response.json<EchoBody>();
    // Proxy event: resource is the template path, path the concrete one (spec §6.1).
    expect(event.resource).toBe("/items/{id}");
    expect(event.path).toBe("/items/42");
    expect(event.pathParameters).toEqual({ id: "42" });
  });

  it("/items/42/extra matches nothing (a {param} takes exactly one segment)", features("rest.gateway-responses", "rest.request-ids"), async () => {
    // {id} is a single path part; no greedy resource under /items (fixture) → MAT (spec §2.3).
    expectMissingAuthenticationToken(await send("GET", "/items/42/extra"));
  });

  it("/items alone has no method → 403 MAT", features("rest.gateway-responses", "rest.request-ids"), async () => {
    // /items exists only as a parent resource without methods (fixture) → MAT (spec §2 table).
    expectMissingAuthenticationToken(await send("GET", "/items"));
  });
});

describe("greedy {proxy+} and path shapes", features("rest.routing", "rest.lambda-proxy"), () => {
  it("/echo/{proxy+} receives several segments a/b/c", async () => {
    const response = await send("GET", "/echo/a/b/c");
    expect(response.status).toBe(200);
    const { event } = response.json<EchoBody>();
    // Greedy path variable takes all remaining segments (spec §6.1, §11).
    expect(event.resource).toBe("/echo/{proxy+}");
    expect(event.path).toBe("/echo/a/b/c");
    expect(event.pathParameters).toEqual({ proxy: "a/b/c" });
  });

  it("/echo/{proxy+} is ANY: DELETE reaches it", async () => {
    const response = await send("DELETE", "/echo/x");
    expect(response.status).toBe(200);
    const { event } = response.json<EchoBody>();
    // x-amazon-apigateway-any-method matches every HTTP method (spec §11).
    expect(event.httpMethod).toBe("DELETE");
    expect(event.pathParameters).toEqual({ proxy: "x" });
  });

  it("/echo and /echo/ reach the same resource; event.path keeps the trailing slash", async () => {
    const plain = await send("GET", "/echo");
    const slashed = await send("GET", "/echo/");
    expect(plain.status).toBe(200);
    expect(slashed.status).toBe(200);
    // Captured on AWS: trailing slash → same resource, event.path keeps it, no proxy parameter.
    expect(plain.json<EchoBody>().event.resource).toBe("/echo");
    expect(plain.json<EchoBody>().event.path).toBe("/echo");
    expect(slashed.json<EchoBody>().event.resource).toBe("/echo");
    expect(slashed.json<EchoBody>().event.path).toBe("/echo/");
    expect(slashed.json<EchoBody>().event.pathParameters).toBeNull();
  });

  it("a trailing slash after a greedy path is dropped from the proxy parameter, kept in event.path", async () => {
    const response = await send("GET", "/echo/a/b/");
    expect(response.status).toBe(200);
    const { event } = response.json<EchoBody>();
    // Captured on AWS: proxy param drops the trailing slash, event.path keeps it.
    expect(event.resource).toBe("/echo/{proxy+}");
    expect(event.path).toBe("/echo/a/b/");
    expect(event.pathParameters).toEqual({ proxy: "a/b" });
  });

  it("// inside a greedy path is kept: a//b", async () => {
    const response = await send("GET", "/echo/a//b");
    expect(response.status).toBe(200);
    const { event } = response.json<EchoBody>();
    // Captured on AWS: empty segments inside the greedy part reach the parameter as sent.
    expect(event.pathParameters).toEqual({ proxy: "a//b" });
    expect(event.path).toBe("/echo/a//b");
  });

  it("root / GET reaches the Lambda with resource / and path /", async () => {
    const response = await send("GET", "/");
    expect(response.status).toBe(200);
    expect(header(response, "x-function")).toBe("echo");
    const { event } = response.json<EchoBody>();
    // Root resource path is `/` (spec §6.1; captured).
    expect(event.resource).toBe("/");
    expect(event.path).toBe("/");
    expect(event.requestContext.resourcePath).toBe("/");
    expect(event.requestContext.path).toBe("/test/");
    expect(event.pathParameters).toBeNull();
  });

  it("the bare stage URL (no trailing slash) also reaches the root resource", async () => {
    const response = await send("GET", "");
    expect(response.status).toBe(200);
    const { event } = response.json<EchoBody>();
    // Captured: /test and /test/ both address the root resource.
    expect(event.resource).toBe("/");
    expect(event.path).toBe("/");
  });

  it("POST on the root (GET only) is 403 MAT", features("rest.gateway-responses", "rest.request-ids"), async () => {
    // Root defines only GET (fixture) → unsupported method → MAT (spec §2 table).
    expectMissingAuthenticationToken(await send("POST", "/", { body: "x" }));
  });

  it("the path reaches the function un-decoded: /echo/a%20b", async () => {
    const response = await send("GET", "/echo/a%20b");
    expect(response.status).toBe(200);
    const { event } = response.json<EchoBody>();
    // Captured on AWS: pathParameters.proxy and event.path keep the percent-encoding.
    expect(event.pathParameters).toEqual({ proxy: "a%20b" });
    expect(event.path).toBe("/echo/a%20b");
    expect(event.requestContext.path).toBe("/test/echo/a%20b");
  });
});

describe("response identification headers", features("rest.request-ids", "rest.lambda-proxy"), () => {
  it("integration responses carry x-amzn-RequestId, x-amz-apigw-id and X-Amzn-Trace-Id", features("rest.mock"), async () => {
    for (const [method, path] of [["GET", "/echo"], ["GET", "/mock"], ["GET", "/items/special"]] as const) {
      const response = await send(method, path);
      expect(response.status).toBe(200);
      expectIds(response);
      // Captured: responses that reached the integration carry X-Amzn-Trace-Id.
      expect(header(response, "x-amzn-trace-id")).toMatch(TRACE);
    }
  });

  it("each request gets fresh ids", features("rest.mock"), async () => {
    const a = await send("GET", "/mock");
    const b = await send("GET", "/mock");
    // One request id per request (spec §1.4 $context.requestId / extendedRequestId).
    expect(header(a, "x-amzn-RequestId")).not.toBe(header(b, "x-amzn-RequestId"));
    expect(header(a, "x-amz-apigw-id")).not.toBe(header(b, "x-amz-apigw-id"));
    expect(header(a, "x-amzn-trace-id")).not.toBe(header(b, "x-amzn-trace-id"));
  });

  it("a 502 from a malformed Lambda answer still carries the ids", async () => {
    const response = await send("GET", "/shape?shape=bare-string");
    // Spec §6.2: malformed proxy response → 502; ids on every response incl. errors (captured).
    expect(response.status).toBe(502);
    expectIds(response);
  });
});
