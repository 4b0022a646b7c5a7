import { describe, expect, it } from "vitest";
import { header, isReference, send, targetUrl, type TargetResponse } from "../harness/target.ts";
import { features } from "../harness/conformance.ts";

/**
 * The payload 1.0 event a REST Lambda proxy integration builds, read back through the fixture's echo function
 * (suites/fixture/functions/echo.mjs answers `{event, remainingTimeMs}`).
 *
 * Sources: spec §6.1 (set-up-lambda-proxy-integrations.md); "captured" = regional REST events captured on AWS this
 * session (CloudWatch dumps and localstack's AWS-validated snapshots
 * tests/aws/services/apigateway/test_apigateway_lambda.snapshot.json).
 */

type Json = Record<string, unknown>;
interface ProxyEvent {
  resource: string;
  path: string;
  httpMethod: string;
  headers: Record<string, string> | null;
  multiValueHeaders: Record<string, string[]> | null;
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
  pathParameters: Record<string, string> | null;
  stageVariables: Record<string, string> | null;
  requestContext: Json & { identity: Json };
  body: string | null;
  isBase64Encoded: boolean;
}

async function echo(method: string, path: string, options: Parameters<typeof send>[2] = {}): Promise<{ response: TargetResponse; event: ProxyEvent; remainingTimeMs: number }> {
  const response = await send(method, path, options);
  expect(response.status).toBe(200);
  expect(header(response, "x-function")).toBe("echo");
  const { event, remainingTimeMs } = response.json<{ event: ProxyEvent; remainingTimeMs: number }>();
  return { response, event, remainingTimeMs };
}

/** Value of a header in an event map, looked up case-insensitively (names keep the client's casing). */
function lookup<T>(map: Record<string, T> | null, name: string): T | undefined {
  if (!map) return undefined;
  const key = Object.keys(map).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : map[key];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const clf = (epoch: number): string => {
  const d = new Date(epoch);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
};

describe("event structure", features("rest.lambda-proxy"), () => {
  it("has exactly the payload 1.0 top-level keys, in AWS's order", async () => {
    const { event } = await echo("GET", "/echo");
    // Captured regional REST events: this key set and order (spec §6.1 lists the same keys).
    expect(Object.keys(event)).toEqual([
      "resource",
      "path",
      "httpMethod",
      "headers",
      "multiValueHeaders",
      "queryStringParameters",
      "multiValueQueryStringParameters",
      "pathParameters",
      "stageVariables",
      "requestContext",
      "body",
      "isBase64Encoded",
    ]);
  });

  it("requestContext has the captured keys in order and no authorizer key", async () => {
    const { event } = await echo("GET", "/echo");
    // Captured: keys and order of requestContext for a REST API without an authorizer; `authorizer` absent then.
    expect(Object.keys(event.requestContext)).toEqual([
      "resourceId",
      "resourcePath",
      "httpMethod",
      "extendedRequestId",
      "requestTime",
      "path",
      "accountId",
      "protocol",
      "stage",
      "domainPrefix",
      "requestTimeEpoch",
      "requestId",
      "identity",
      "domainName",
      "deploymentId",
      "apiId",
    ]);
    expect("authorizer" in event.requestContext).toBe(false);
  });

  it("identity has the captured keys in order, all null but sourceIp and userAgent", async () => {
    const { event } = await echo("GET", "/echo", { headers: { "User-Agent": "gateproof-suite/1.0" } });
    const identity = event.requestContext.identity;
    // Captured key order for an unauthenticated caller (spec §6.1 lists the same keys, clientCert only with mTLS).
    expect(Object.keys(identity)).toEqual([
      "cognitoIdentityPoolId",
      "accountId",
      "cognitoIdentityId",
      "caller",
      "sourceIp",
      "principalOrgId",
      "accessKey",
      "cognitoAuthenticationType",
      "cognitoAuthenticationProvider",
      "userArn",
      "userAgent",
      "user",
    ]);
    for (const [key, value] of Object.entries(identity)) {
      if (key === "sourceIp" || key === "userAgent") continue;
      // Captured / spec §6.1: unset identity fields are null without IAM or Cognito auth.
      expect(value, key).toBeNull();
    }
    // userAgent is the client's User-Agent header (spec §1.4 $context.identity.userAgent).
    expect(identity.userAgent).toBe("gateproof-suite/1.0");
    expect(identity.sourceIp).toMatch(/^(\d{1,3}\.){3}\d{1,3}$|:/);
  });

  it("requestContext values: stage, path with stage, protocol, method, time formats", async () => {
    const before = Date.now();
    const { event } = await echo("GET", "/echo");
    const after = Date.now();
    const rc = event.requestContext;
    // Spec §6.1: REST requestContext.path includes the stage; resourcePath is the resource template.
    expect(rc.path).toBe("/test/echo");
    expect(rc.resourcePath).toBe("/echo");
    expect(rc.stage).toBe("test");
    expect(rc.httpMethod).toBe("GET");
    expect(rc.protocol).toBe("HTTP/1.1");
    // Captured: requestTime in CLF `dd/MMM/yyyy:HH:mm:ss +0000`, requestTimeEpoch a number of ms; both the same instant.
    expect(rc.requestTime).toMatch(/^\d{2}\/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(typeof rc.requestTimeEpoch).toBe("number");
    expect(Number.isInteger(rc.requestTimeEpoch)).toBe(true);
    expect(rc.requestTime).toBe(clf(rc.requestTimeEpoch as number));
    // Clocks of a remote target may drift a little; the epoch is the request's own time (spec §1.4).
    expect(Math.abs((rc.requestTimeEpoch as number) - (before + after) / 2)).toBeLessThan(60_000);
    // Captured: 12-digit account id, 10-character API id, resource and deployment ids present.
    expect(rc.accountId).toMatch(/^\d{12}$/);
    expect(rc.apiId).toMatch(/^[a-z0-9]{10}$/);
    expect(rc.resourceId).toMatch(/^[a-z0-9]+$/);
    expect(rc.deploymentId).toMatch(/^[a-z0-9]+$/);
    expect(rc.requestId).toMatch(UUID);
  });

  it("domainName is the Host the client called, domainPrefix its first label", async () => {
    const { event } = await echo("GET", "/echo");
    const host = new URL(targetUrl()).host;
    // Spec §1.4: $context.domainName is the full domain used to invoke the API, domainPrefix its first label.
    expect(event.requestContext.domainName).toBe(host);
    expect(event.requestContext.domainPrefix).toBe(host.split(".")[0]!.replace(/:\d+$/, ""));
    expect(lookup(event.headers, "host")).toBe(host);
  });

  it("requestId and extendedRequestId equal the response's x-amzn-RequestId and x-amz-apigw-id", features("rest.request-ids"), async () => {
    const { response, event } = await echo("GET", "/echo");
    // Spec §1.4: $context.requestId is x-amzn-RequestId, $context.extendedRequestId is x-amz-apigw-id (captured).
    expect(event.requestContext.requestId).toBe(header(response, "x-amzn-RequestId"));
    expect(event.requestContext.extendedRequestId).toBe(header(response, "x-amz-apigw-id"));
  });

  it("resource ids differ between resources and are stable for one resource", async () => {
    const a = (await echo("GET", "/echo")).event.requestContext.resourceId;
    const b = (await echo("POST", "/echo", { body: "x" })).event.requestContext.resourceId;
    const c = (await echo("GET", "/items/1")).event.requestContext.resourceId;
    // $context.resourceId identifies the resource, not the method (spec §1.4).
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it("empty query, path parameters and body are null; stage variables are the stage's", features("rest.stage-variables"), async () => {
    const { event, remainingTimeMs } = await echo("GET", "/echo");
    // Spec §6.1 / captured: empty maps are null; no body → null, isBase64Encoded false.
    expect(event.queryStringParameters).toBeNull();
    expect(event.multiValueQueryStringParameters).toBeNull();
    expect(event.pathParameters).toBeNull();
    expect(event.body).toBeNull();
    expect(event.isBase64Encoded).toBe(false);
    // Fixture stage `test` Variables: greeting (!Ref Greeting, default hello), backendPath, and jwtIssuer (this
    // stage's own /issuer URL, which names the deployment's API id and region).
    expect(event.stageVariables).toEqual({
      greeting: "hello",
      backendPath: "things",
      jwtIssuer: expect.stringMatching(/^https:\/\/[a-z0-9]{10}\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/test\/issuer$/),
    });
    // Fixture Globals Timeout: 10 s → the function starts with at most 10000 ms left (Lambda context).
    expect(remainingTimeMs).toBeGreaterThan(5_000);
    expect(remainingTimeMs).toBeLessThanOrEqual(10_000);
  });

  it("resource and path for /items/{id}", async () => {
    const { event } = await echo("GET", "/items/42");
    // Spec §6.1: resource is the resource template, path the request path after the stage.
    expect(event.resource).toBe("/items/{id}");
    expect(event.path).toBe("/items/42");
    expect(event.pathParameters).toEqual({ id: "42" });
    expect(event.requestContext.resourcePath).toBe("/items/{id}");
    expect(event.requestContext.path).toBe("/test/items/42");
    expect(event.httpMethod).toBe("GET");
  });
});

describe("headers", features("rest.lambda-proxy"), () => {
  it("keep the client's casing; headers keeps the last value, multiValueHeaders all in order", async () => {
    const { event } = await echo("GET", "/echo", {
      headers: { "X-Mixed-Case": "one", "x-lower-only": "two", "X-Dup": ["first", "second", "third"] },
    });
    // Spec §6.1 / captured: header names as sent; `headers` last value wins, `multiValueHeaders` keeps all.
    expect(event.headers?.["X-Mixed-Case"]).toBe("one");
    expect(event.headers?.["x-lower-only"]).toBe("two");
    expect(event.headers?.["X-Dup"]).toBe("third");
    expect(event.multiValueHeaders?.["X-Mixed-Case"]).toEqual(["one"]);
    expect(event.multiValueHeaders?.["X-Dup"]).toEqual(["first", "second", "third"]);
    // The two maps hold the same names.
    expect(Object.keys(event.multiValueHeaders ?? {})).toEqual(Object.keys(event.headers ?? {}));
    for (const [name, value] of Object.entries(event.headers ?? {})) expect(event.multiValueHeaders?.[name]?.at(-1)).toBe(value);
  });

  it("are sorted case-insensitively by name", async () => {
    const { event } = await echo("GET", "/echo", { headers: { "Zeta-H": "z", "alpha-h": "a", "Mid-H": "m" } });
    const names = Object.keys(event.headers ?? {});
    // Captured: event headers come sorted case-insensitively.
    expect(names).toEqual([...names].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0)));
    expect(names).toContain("Zeta-H");
  });

  it("X-Forwarded-For/Port/Proto and X-Amzn-Trace-Id are added", async () => {
    const { event } = await echo("GET", "/echo");
    const url = new URL(targetUrl());
    // Captured events: API Gateway adds these four headers.
    expect(lookup(event.headers, "X-Forwarded-For")).toBe(event.requestContext.identity.sourceIp);
    expect(lookup(event.headers, "X-Forwarded-Proto")).toBe(url.protocol.replace(":", ""));
    expect(lookup(event.headers, "X-Forwarded-Port")).toBe(url.port || (url.protocol === "https:" ? "443" : "80"));
    expect(lookup(event.headers, "X-Amzn-Trace-Id")).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(lookup(event.multiValueHeaders, "X-Forwarded-For")).toEqual([event.requestContext.identity.sourceIp]);
  });

  it("Content-Length and Connection are not passed to the function", async () => {
    const { event } = await echo("POST", "/echo", { headers: { "content-type": "text/plain", connection: "keep-alive" }, body: "hello" });
    // Captured: Content-Length/Connection never appear in event headers.
    expect(lookup(event.headers, "content-length")).toBeUndefined();
    expect(lookup(event.headers, "connection")).toBeUndefined();
    expect(lookup(event.multiValueHeaders, "content-length")).toBeUndefined();
    expect(lookup(event.multiValueHeaders, "connection")).toBeUndefined();
    expect(lookup(event.headers, "content-type")).toBe("text/plain");
  });
});

describe("query strings", features("rest.lambda-proxy"), () => {
  it("are decoded: + and %20 are spaces, %2B is +; duplicates last-wins / all in order", async () => {
    const { event } = await echo("GET", "/echo?a=1+2&b=%2B&c=x%20y&d=1&d=2&d=3");
    // Captured on AWS: `+` → space, `%2B` → `+`, `%20` → space; spec §10: REST decodes URL-encoded parameters.
    expect(event.queryStringParameters).toEqual({ a: "1 2", b: "+", c: "x y", d: "3" });
    expect(event.multiValueQueryStringParameters).toEqual({ a: ["1 2"], b: ["+"], c: ["x y"], d: ["1", "2", "3"] });
  });

  it("are case-sensitive: Q and q are distinct keys", async () => {
    const { event } = await echo("GET", "/echo?q=lower&Q=upper");
    // Spec §10: query parameters are processed case-sensitively.
    expect(event.queryStringParameters).toEqual({ q: "lower", Q: "upper" });
  });

  it("decode UTF-8 percent-escapes", async () => {
    const { event } = await echo("GET", `/echo?n=${encodeURIComponent("héllo wörld")}`);
    // Spec §10: REST APIs decode URL-encoded parameters (UTF-8, spec §1.2 default charset).
    expect(event.queryStringParameters).toEqual({ n: "héllo wörld" });
  });
});

describe("bodies", features("rest.lambda-proxy"), () => {
  it("a JSON POST body arrives as the same string, not base64", async () => {
    const body = '{"name":"gateproof","n":[1,2,3]}';
    const { event } = await echo("POST", "/echo", { headers: { "content-type": "application/json" }, body });
    // Spec §6.1: body is the request body as a string; not a binary media type → isBase64Encoded false.
    expect(event.body).toBe(body);
    expect(event.isBase64Encoded).toBe(false);
    expect(event.httpMethod).toBe("POST");
  });

  it("a UTF-8 text body is passed as text", async () => {
    const { event } = await echo("POST", "/echo", { headers: { "content-type": "text/plain; charset=utf-8" }, body: "héllo ✓" });
    // Spec §6.1: non-binary bodies are passed as strings.
    expect(event.body).toBe("héllo ✓");
    expect(event.isBase64Encoded).toBe(false);
  });

  it("a binary media type (image/png) arrives base64-encoded with isBase64Encoded true", features("rest.binary"), async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe, 0x0d, 0x0a]);
    const { event } = await echo("POST", "/echo", { headers: { "content-type": "image/png" }, body: bytes });
    // Fixture BinaryMediaTypes image~1png; spec §6.2/api-gateway-payload-encodings: binary payloads reach Lambda base64.
    expect(event.isBase64Encoded).toBe(true);
    expect(event.body).toBe(bytes.toString("base64"));
  });

  it("a body on a greedy ANY resource (PUT /echo/x) is passed too", async () => {
    const { event } = await echo("PUT", "/echo/x", { headers: { "content-type": "application/json" }, body: "[1]" });
    // Spec §6.1.
    expect(event.httpMethod).toBe("PUT");
    expect(event.resource).toBe("/echo/{proxy+}");
    expect(event.body).toBe("[1]");
  });
});

/**
 * A query parameter or header whose name is an Object.prototype member (`__proto__`, `constructor`, `toString`,
 * `hasOwnProperty`, …) is an ordinary name on AWS. (The reference once answered 500 for them.)
 */
describe("parameter names that are Object.prototype members", features("rest.lambda-proxy"), () => {
  it("query keys __proto__, constructor and toString are ordinary parameters", async () => {
    const { event } = await echo("GET", "/echo?__proto__=p&constructor=c&toString=t1&toString=t2");
    // Spec §6.1 / captured decoding rules: every key is a parameter; last wins / all in order.
    expect(JSON.stringify(event.queryStringParameters)).toBe('{"__proto__":"p","constructor":"c","toString":"t2"}');
    expect(event.multiValueQueryStringParameters?.toString).toEqual(["t1", "t2"]);
  });

  it("a header named constructor is passed like any other", async () => {
    const { event } = await echo("GET", "/echo", { headers: { constructor: "c", valueof: "v" } });
    // Spec §6.1: the client's headers reach the event, casing kept.
    expect(event.headers?.constructor).toBe("c");
    expect(event.multiValueHeaders?.constructor).toEqual(["c"]);
    expect(event.headers?.valueof).toBe("v");
  });

  it("a query key hasOwnProperty does not break a MOCK resource either", features("rest.mock"), async () => {
    const response = await send("GET", "/mock?hasOwnProperty=1");
    // Fixture /mock answers 200 `{"mocked":true,…}` whatever the query (spec §1, mock integration).
    expect(response.status).toBe(200);
    expect(header(response, "x-amzn-RequestId")).toBeDefined();
  });
});

describe("Lambda's 6 MB invocation payload limit", features("rest.lambda-proxy", "limits.payload"), () => {
  it("a body whose event passes 6291456 bytes answers 413 Request Too Long; a smaller one is invoked", async () => {
    // Lambda quotas: 6 MB synchronous invocation payload ("6294149 byte payload is too large for the RequestResponse
    // invocation type (limit 6291456 bytes)", theburningmonk.com). What the client gets, captured from a REST API for
    // a body under API Gateway's 10 MB (koki-develop/lgtm-generator#10): HTTP 413, content-type application/json,
    // x-amzn-errortype BadRequestException, content-length 31, {"message": "Request Too Long"}.
    const over = await send("POST", "/shape?shape=minimal", { headers: { "content-type": "text/plain" }, body: "a".repeat(6_400_000) });
    expect(over.status).toBe(413);
    expect(over.text).toBe('{"message": "Request Too Long"}');
    expect(header(over, "x-amzn-ErrorType")).toBe("BadRequestException");
    expect(header(over, "content-type")).toBe("application/json");
    expect(header(over, "x-amzn-RequestId")).toMatch(UUID);
    // 6,000,000 bytes of body make an event of about 6.0 MB: under the limit, the function answers.
    const under = await send("POST", "/shape?shape=minimal", { headers: { "content-type": "text/plain" }, body: "a".repeat(6_000_000) });
    expect(under.status).toBe(200);
    expect(under.text).toBe("ok");
  });
});
