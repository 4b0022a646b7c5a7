import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EchoedRequest } from "../harness/echo-backend.ts";
import { startReferenceWithBackend, type ReferenceWithBackend } from "../harness/reference.ts";
import { header, httpApiUrl, isHttpApiReference, send } from "../harness/target.ts";
import { features } from "../harness/conformance.ts";

const TEMPLATE = new URL("./fixtures/http-api/template.yaml", import.meta.url).pathname;

const backendHeader = (echoed: EchoedRequest, name: string): string[] =>
  echoed.headers.filter(([key]) => key.toLowerCase() === name.toLowerCase()).map(([, value]) => value);

/**
 * HTTP APIs (v2) on the fixture's FixtureHttpApi (suites/fixture/template.yaml: SAM HttpApi events merged into an
 * OpenAPI body, `$default` stage): the reference's own, or a deployment's FixtureHttpApiUrl (TARGET_HTTP_API_URL).
 * Values that depend on where the client sits (source IP) are pinned against the reference only.
 */
describe("HTTP APIs (v2): the fixture's HTTP API", features(["http-api.routing"], { target: "http-api" }), () => {
  let api: string;
  beforeAll(() => {
    api = httpApiUrl();
  });

  it("payload 2.0: lower-cased comma-joined headers, cookies, decoded comma-joined query, path parameters, stage variables", features("http-api.lambda-proxy"), async () => {
    const response = await send("GET", "/echo/a%20b?x=1&x=2&y=%41&empty", {
      base: api,
      headers: { "X-Multi": ["one", "two"], Cookie: "c1=v1; c2=v2", "User-Agent": "suite/1" },
    });
    expect(response.status).toBe(200);
    const event = response.json<Record<string, any>>();
    // spec §6.3: version, routeKey, rawQueryString as sent; no multi-value maps.
    expect(event.version).toBe("2.0");
    expect(event.routeKey).toBe("GET /echo/{id}");
    // rawPath is decoded (see the captures below).
    expect(event.rawPath).toBe("/echo/a b");
    expect(event.rawQueryString).toBe("x=1&x=2&y=%41&empty");
    expect(event.cookies).toEqual(["c1=v1", "c2=v2"]);
    expect(event.headers["x-multi"]).toBe("one,two");
    expect(event.headers.cookie).toBeUndefined();
    expect(event.headers["user-agent"]).toBe("suite/1");
    expect(event.headers["x-forwarded-for"]).toBe(event.requestContext.http.sourceIp);
    expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true);
    expect(event.queryStringParameters).toEqual({ x: "1,2", y: "A", empty: "" });
    // http-api-develop-routes.md: "API Gateway decodes URL-encoded request parameters".
    expect(event.pathParameters).toEqual({ id: "a b" });
    expect(event.isBase64Encoded).toBe(false);
    expect("body" in event).toBe(false);
    expect("multiValueHeaders" in event).toBe(false);
    const context = event.requestContext;
    expect(Object.keys(context)).toEqual(["accountId", "apiId", "domainName", "domainPrefix", "http", "requestId", "routeKey", "stage", "time", "timeEpoch"]);
    expect(context.http).toMatchObject({ method: "GET", path: "/echo/a b", protocol: "HTTP/1.1", userAgent: "suite/1" });
    if (isHttpApiReference()) expect(context.http.sourceIp).toBe("127.0.0.1");
    expect(context.stage).toBe("$default");
    expect(context.requestId).toMatch(/^[A-Za-z0-9_-]{15}=$/);
    expect(header(response, "apigw-requestid")).toBe(context.requestId);
    expect(context.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(typeof context.timeEpoch).toBe("number");
  });

  // HTTP APIs hand Lambda the path percent-decoded, cut at a "?" the decoding produced, then decoded again; a path
  // whose second decoding fails is refused with 400. Live AWS captures (HTTP API, payload 2.0):
  // https://github.com/hotsock/voker/blob/main/vokerhttp/testdata/ingress-paths.json (made by
  // examples/aws-ingress-probe/paths.py; e.g. /capture/space%20value → "/capture/space value").
  it.each([
    ["/echo/space%20value", "/echo/space value"],
    ["/echo/question%3Fvalue", "/echo/question"],
    ["/echo/hash%23value", "/echo/hash#value"],
    ["/echo/unicode-%CE%BB-%E4%B8%96%E7%95%8C", "/echo/unicode-λ-世界"],
    ["/echo/literal%253Fvalue", "/echo/literal?value"],
    ["/echo/literal%2525value", "/echo/literal%value"],
  ])("payload 2.0: GET %s has rawPath and http.path %s", features("http-api.lambda-proxy"), async (sent, decoded) => {
    const event = (await send("GET", `${sent}?q=%3F`, { base: api })).json<Record<string, any>>();
    expect(event.rawPath).toBe(decoded);
    expect(event.requestContext.http.path).toBe(decoded);
    expect(event.rawQueryString).toBe("q=%3F");
  });

  it("a path whose second decoding fails (/echo/percent%25done): 400", features("http-api.errors"), async () => {
    const response = await send("GET", "/echo/percent%25done", { base: api });
    expect(response.status).toBe(400);
    if (isHttpApiReference()) expect(response.text).toBe('{"message":"Bad Request"}');
  });

  it("payload 1.0 on an HTTP API: a repeated header's last value in headers, every value in multiValueHeaders", features("http-api.lambda-proxy"), async () => {
    // A captured HTTP API 1.0 event: "header-double": "second", multiValueHeaders ["first", "second"]
    // (https://github.com/glassechidna/serverlessish/pull/4).
    const event = (await send("GET", "/v1/7", { base: api, headers: { "header-double": ["first", "second"] } })).json<Record<string, any>>();
    expect(event.headers["header-double"]).toBe("second");
    expect(event.multiValueHeaders["header-double"]).toEqual(["first", "second"]);
  });

  // Captured HTTP API 1.0 events name the headers the gateway sets "Content-Length" (also on a GET), "Host",
  // "User-Agent", "X-Amzn-Trace-Id", "X-Forwarded-For/-Port/-Proto", the client's others as received
  // (https://github.com/glassechidna/serverlessish/pull/4, https://github.com/milliHQ/terraform-aws-next-js/pull/31).
  it("payload 1.0 on an HTTP API: the gateway's headers in their canonical case, the client's as sent, Content-Length on a GET", features("http-api.lambda-proxy"), async () => {
    const event = (await send("GET", "/v1/7", { base: api, headers: { "user-agent": "suite/1", "X-Custom": "c", accept: "*/*" } })).json<Record<string, any>>();
    const headers = event.headers as Record<string, string>;
    expect(headers["Content-Length"]).toBe("0");
    expect(headers["User-Agent"]).toBe("suite/1");
    expect(headers.Host).toBeDefined();
    for (const name of ["X-Amzn-Trace-Id", "X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto"]) expect(headers[name]).toBeDefined();
    expect(headers["X-Custom"]).toBe("c");
    expect(headers.accept).toBe("*/*");
    for (const name of ["content-length", "user-agent", "host", "x-forwarded-for", "x-custom"]) expect(name in headers).toBe(false);
    expect(event.multiValueHeaders["User-Agent"]).toEqual(["suite/1"]);
  });

  it("payload 1.0 on an HTTP API: path and requestContext.path are decoded as rawPath is (middleapi/standard-server#93)", features("http-api.lambda-proxy"), async () => {
    const event = (await send("GET", "/v1/space%20value", { base: api })).json<Record<string, any>>();
    expect(event.path).toBe("/v1/space value");
    expect(event.requestContext.path).toBe("/v1/space value");
  });

  it("payload 2.0: a GET without a body carries content-length 0 (captured: https://github.com/aws/aws-lambda-java-libs/pull/230)", features("http-api.lambda-proxy"), async () => {
    const event = (await send("GET", "/echo/1", { base: api })).json<Record<string, any>>();
    expect(event.headers["content-length"]).toBe("0");
  });

  it("payload 2.0 carries the stage's variables (the fixture's $default stage: color=blue)", features("http-api.lambda-proxy", "http-api.stage-variables"), async () => {
    const event = (await send("GET", "/echo/1", { base: api })).json<Record<string, any>>();
    expect(event.stageVariables).toEqual({ color: "blue" });
  });

  it("payload 2.0 without cookies, query, parameters: those keys are absent; a text/plain body is passed as text", features("http-api.lambda-proxy"), async () => {
    const event = (await send("POST", "/echo", { base: api, headers: { "content-type": "text/plain" }, body: "hello" })).json<Record<string, any>>();
    for (const key of ["cookies", "queryStringParameters", "pathParameters"]) expect(key in event).toBe(false);
    expect(event.rawQueryString).toBe("");
    expect(event.body).toBe("hello");
    expect(event.isBase64Encoded).toBe(false);
  });

  // Which bodies an HTTP API base64-encodes, as checked against real AWS (HTTP API, payload 2.0) in
  // https://github.com/ministackorg/ministack/pull/766: text only for text/*, application/json, application/xml and
  // application/javascript; any other type, form posts and a missing Content-Type included, base64. Captured events:
  // https://github.com/dherault/serverless-offline/pull/1776 (multipart/form-data),
  // https://github.com/floci-io/floci/issues/2172 (application/octet-stream "hello world" → "aGVsbG8gd29ybGQ=").
  it.each([
    ["text/plain", false],
    ["text/csv; charset=utf-8", false],
    ["application/json", false],
    ["Application/JSON; charset=UTF-8", false],
    ["application/xml", false],
    ["application/javascript", false],
    ["application/x-www-form-urlencoded", true],
    ["multipart/form-data; boundary=x", true],
    ["application/octet-stream", true],
    ["application/vnd.api+json", true],
    ["no Content-Type", true],
  ] as const)("a UTF-8 body sent with %s reaches payload 2.0 with isBase64Encoded %s", features("http-api.lambda-proxy"), async (type, encoded) => {
    const headers: Record<string, string> = type === "no Content-Type" ? {} : { "content-type": type };
    const event = (await send("POST", "/echo", { base: api, headers, body: "hello world" })).json<Record<string, any>>();
    expect(event.isBase64Encoded).toBe(encoded);
    expect(event.body).toBe(encoded ? "aGVsbG8gd29ybGQ=" : "hello world");
  });

  it("a body that is not UTF-8 text reaches the function base64-encoded", features("http-api.lambda-proxy"), async () => {
    const event = (await send("POST", "/echo", { base: api, body: Buffer.from([0xff, 0xfe, 0x00]) })).json<Record<string, any>>();
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body, "base64")).toEqual(Buffer.from([0xff, 0xfe, 0x00]));
  });

  it("payload 1.0 on an HTTP API: the REST shape with version 1.0, empty maps null", features("http-api.lambda-proxy"), async () => {
    const event = (await send("GET", "/v1/7?a=1&a=2", { base: api })).json<Record<string, any>>();
    expect(event.version).toBe("1.0");
    expect(event.resource).toBe("/v1/{id}");
    expect(event.path).toBe("/v1/7");
    expect(event.httpMethod).toBe("GET");
    expect(event.multiValueQueryStringParameters).toEqual({ a: ["1", "2"] });
    expect(event.pathParameters).toEqual({ id: "7" });
    expect(event.body).toBeNull();
    expect(event.requestContext.stage).toBe("$default");
    expect(event.requestContext.authorizer).toEqual({ claims: null, scopes: null });
    // spec §6.1: without IAM authorization the caller's identity is all null but for sourceIp and userAgent.
    expect(event.requestContext.identity).toMatchObject({ accessKey: null, accountId: null, caller: null, user: null, userArn: null });
    if (isHttpApiReference()) expect(event.requestContext.identity.sourceIp).toBe("127.0.0.1");
  });

  it.each([
    ["/pets/dog/1", "GET /pets/dog/1"],
    ["/pets/dog/2", "GET /pets/dog/{id}"],
    ["/pets/cat/1", "GET /pets/{proxy+}"],
    ["/", "GET /"],
  ])("route selection: GET %s is served by %s (most specific match, http-api-develop-routes.md)", async (path, routeKey) => {
    const response = await send("GET", path, { base: api });
    expect(response.status).toBe(200);
    expect(response.text).toBe(routeKey);
  });

  it("ANY catches methods no route names; a greedy variable needs at least one segment, else the $default route", features("http-api.http-proxy"), async () => {
    expect((await send("DELETE", "/pets/dog/1", { base: api })).text).toBe("ANY /pets/{proxy+}");
    // POST /pets matches neither /pets/{proxy+} route: the $default route (HTTP_PROXY to the echo backend) takes it.
    const fallback = await send("POST", "/pets", { base: api });
    expect(fallback.json<EchoedRequest>().url).toBe("/pets");
  });

  it.each([
    ["string", 200, "application/json", "Hello from Lambda!"],
    ["object", 200, "application/json", '{"message":"Hello from Lambda!"}'],
    ["number", 200, "application/json", "42"],
    ["plain", 200, "text/plain; charset=utf-8", "no content type"],
  ])("payload 2.0 answer %s → %i %s (spec §6.3 response inference)", features("http-api.lambda-proxy"), async (shape, status, type, body) => {
    const response = await send("GET", `/shape?shape=${shape}`, { base: api });
    expect(response.status).toBe(status);
    expect(header(response, "content-type")).toBe(type);
    expect(response.text).toBe(body);
  });

  it("cookies become separate set-cookie headers; base64 bodies are decoded", features("http-api.lambda-proxy"), async () => {
    const response = await send("GET", "/shape?shape=cookies", { base: api });
    expect(response.status).toBe(201);
    expect(response.headers["set-cookie"]).toEqual(["a=1; Path=/", "b=2"]);
    expect(header(response, "x-one")).toBe("1");
    const binary = await send("GET", "/shape?shape=base64", { base: api });
    expect(Buffer.from(binary.text, "latin1").length).toBeGreaterThan(0);
    expect(header(binary, "content-length")).toBe("4");
  });

  it.each(["throws", "badstatus", "badbody"])("a Lambda that %s: 500 {\"message\":\"Internal Server Error\"}", features("http-api.lambda-proxy", "http-api.errors"), async (shape) => {
    const response = await send("GET", `/shape?shape=${shape}`, { base: api });
    expect(response.status).toBe(500);
    expect(response.text).toBe('{"message":"Internal Server Error"}');
  });

  // Payload 1.0 on an HTTP API differs from REST's Lambda proxy here, as the SAM CLI team found on HTTP APIs
  // (https://github.com/aws/aws-sam-cli/pull/2941, samcli/local/apigw/local_apigw_service.py): "HTTP API Gateway just
  // skip the non allowed lambda response fields" (REST answers 502), and a missing statusCode is an error.
  it("payload 1.0 answer with an unknown key: the key is ignored", features("http-api.lambda-proxy"), async () => {
    const response = await send("GET", "/v1-shape?shape=unknown-key", { base: api });
    expect(response.status).toBe(202);
    expect(response.text).toBe("with an unknown key");
  });

  it("payload 1.0 answer without statusCode: 500 {\"message\":\"Internal Server Error\"}", features("http-api.lambda-proxy", "http-api.errors"), async () => {
    const response = await send("GET", "/v1-shape?shape=no-status", { base: api });
    expect(response.status).toBe(500);
    expect(response.text).toBe('{"message":"Internal Server Error"}');
  });

  // Payload 1.0 on an HTTP API merges headers into multiValueHeaders as REST does (aws-lambda-dotnet LambdaTestTool-v2
  // V1_CombinesSingleAndMultiValueHeaders, run against deployed HTTP 1.0 APIs: the headers value beside the
  // multiValueHeaders values), but keeps a pair given in both twice: a captured HTTP API answer repeated
  // `location: my-location` (https://github.com/awslabs/aws-lambda-go-api-proxy/issues/75), where REST sends it once.
  it("payload 1.0 answer with a header in both maps: every value, a pair in both twice", features("http-api.lambda-proxy"), async () => {
    const response = await send("GET", "/v1-shape?shape=multi-merge", { base: api });
    expect(response.status).toBe(200);
    expect(header(response, "x-both")).toBe("m1, m2, from-headers");
    expect(header(response, "location")).toBe("/same, /same");
  });

  it("an integration past its TimeoutInMillis: 503 {\"message\":\"Service Unavailable\"} without Content-Type", features("http-api.errors"), async () => {
    const response = await send("GET", "/slow?ms=1500", { base: api });
    expect(response.status).toBe(503);
    expect(response.text).toBe('{"message":"Service Unavailable"}');
    // A captured HTTP API timeout: "HTTP/2 503", date, content-length: 33, apigw-requestid, no content-type
    // (https://github.com/cortexlabs/cortex/issues/1225).
    expect(header(response, "content-type")).toBeUndefined();
    expect(header(response, "content-length")).toBe("33");
    expect(header(response, "apigw-requestid")).toMatch(/^[A-Za-z0-9_-]{15}=$/);
  });

  it("HTTP_PROXY with parameter mapping: append/overwrite/remove headers and query, response mapping", features("http-api.http-proxy", "http-api.parameter-mapping"), async () => {
    const response = await send("PUT", "/things/42?keep=1&drop=2", { base: api, headers: { "x-secret": "s", "x-request-id": "client" }, body: "payload" });
    expect(response.status).toBe(200);
    const echoed = response.json<EchoedRequest>();
    expect(echoed.method).toBe("PUT");
    expect(echoed.url).toBe("/things/42?keep=1&from=42");
    expect(echoed.body).toBe("payload");
    expect(backendHeader(echoed, "x-added")).toEqual(["static"]);
    expect(backendHeader(echoed, "x-secret")).toEqual([]);
    expect(backendHeader(echoed, "x-request-id")).toEqual([header(response, "apigw-requestid")]);
    expect(header(response, "x-echo-status")).toBe("mapped");
    expect(header(response, "x-stage")).toBe("$default");
  });

  it("HTTP_PROXY on the $default route sends the full request path (http-api-develop-routes.md)", features("http-api.http-proxy"), async () => {
    const echoed = (await send("GET", "/store/checkout?q=1", { base: api })).json<EchoedRequest>();
    expect(echoed.url).toBe("/store/checkout?q=1");
  });
});

// What needs a second definition (suites/scenario/fixtures/http-api): several HTTP APIs on their own ports, an API
// without a $default route or stage (so that a miss is a 404), a named stage, and AWS::ApiGatewayV2::* resources.
describe("HTTP APIs (v2): two APIs of another template", features(["http-api.routing"], { referenceOnly: true }), () => {
  let reference: ReferenceWithBackend;
  let sam: string;
  let live: string;

  beforeAll(async () => {
    reference = await startReferenceWithBackend(TEMPLATE);
    [sam, live] = [reference.url("Api"), reference.url("Proxy")];
  });
  afterAll(() => reference?.close());

  it("serves each HTTP API on its own port: $default stage without a prefix, named stages under /<stage>", () => {
    const urls = reference.gateway.urls.filter((u) => u.type === "HTTP");
    expect(urls.map((u) => [u.api, u.stage])).toEqual([["Api", "$default"], ["Proxy", "live"]]);
    expect(sam).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(live).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/live$/);
    expect(new URL(sam).port).not.toBe(new URL(live).port);
  });

  it("no route and no stage: 404 {\"message\":\"Not Found\"} with apigw-requestid, no x-amzn-ErrorType", features("http-api.errors"), async () => {
    // POST / matches neither GET / nor ANY /{proxy+} (a greedy variable needs a segment), and Api has no $default route.
    const noRoute = await send("POST", "/", { base: sam });
    expect(noRoute.status).toBe(404);
    expect(noRoute.text).toBe('{"message":"Not Found"}');
    // Proxy has only the "live" stage: a path outside it finds no stage (http-api-develop-routes.md).
    const noStage = await send("GET", "/nostage/x", { base: live.replace(/\/live$/, "") });
    expect(noStage.status).toBe(404);
    expect(noStage.text).toBe('{"message":"Not Found"}');
    expect(header(noStage, "content-type")).toBe("application/json");
    expect(header(noStage, "apigw-requestid")).toMatch(/^[A-Za-z0-9_-]{15}=$/);
    expect(header(noStage, "x-amzn-errortype")).toBeUndefined();
  });

  it("named stage: routes under /live, rawPath keeps the stage prefix, Lambda by function ARN", features("http-api.lambda-proxy"), async () => {
    const event = (await send("GET", "/lambda", { base: live })).json<Record<string, any>>();
    expect(event.routeKey).toBe("GET /lambda");
    expect(event.rawPath).toBe("/live/lambda");
    expect(event.requestContext.stage).toBe("live");
    expect("stageVariables" in event).toBe(true);
  });

  it("AWS::ApiGatewayV2::Integration RequestParameters/ResponseParameters on a named stage", features("http-api.http-proxy", "http-api.parameter-mapping"), async () => {
    const response = await send("PUT", "/things/42?keep=1&drop=2", { base: live, headers: { "x-secret": "s" } });
    const echoed = response.json<EchoedRequest>();
    expect(echoed.url).toBe("/things/42?keep=1&from=42");
    expect(backendHeader(echoed, "x-secret")).toEqual([]);
    expect(header(response, "x-stage")).toBe("live");
  });
});
