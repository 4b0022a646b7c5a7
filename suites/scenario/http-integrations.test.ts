import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { echoedHeader as backendHeader, type EchoedRequest } from "../harness/echo-backend.ts";
import { nodeRequest } from "../harness/node-request.ts";
import { header, isReference, send, targetUrl } from "../harness/target.ts";
import { features } from "../harness/conformance.ts";

const API_ID = /^[a-z0-9]{10}$/;
/** X-Ray trace header: `Root=1-<8 hex epoch>-<24 hex>` (X-Ray docs, "Tracing header"). */
const TRACE_ROOT = /Root=1-[0-9a-f]{8}-[0-9a-f]{24}/;

describe("HTTP_PROXY /proxy/{proxy+}", features("rest.http-proxy"), () => {
  it("passes method, path (the {proxy} placeholder), query string, body and client headers to the backend", async () => {
    const response = await send("PUT", "/proxy/a/b/c?x=1&y=two", {
      headers: { "content-type": "text/plain", "X-Custom": "custom-value" },
      body: "hello backend",
    });
    // HTTP_PROXY passes the backend's answer through (set-up-http-proxy-integrations / spec §1.8 "proxy integrations
    // always pass everything through").
    expect(response.status).toBe(200);
    const echoed = response.json<EchoedRequest>();
    expect(echoed.method).toBe("PUT");
    // integration.request.path.proxy ← method.request.path.proxy fills {proxy} in the URI.
    expect(echoed.url).toBe("/a/b/c?x=1&y=two");
    expect(echoed.body).toBe("hello backend");
    expect(backendHeader(echoed, "x-custom")).toEqual(["custom-value"]);
    expect(backendHeader(echoed, "content-type")).toEqual(["text/plain"]);
  });

  it("keeps repeated query keys in order", async () => {
    const response = await send("GET", "/proxy/q?k=1&k=2&z=3");
    expect(response.status).toBe(200);
    expect(response.json<EchoedRequest>().url).toBe("/q?k=1&k=2&z=3");
  });

  it("ANY covers every method, e.g. DELETE and PATCH", async () => {
    for (const method of ["DELETE", "PATCH", "POST"]) {
      const response = await send(method, "/proxy/m", { body: method === "DELETE" ? undefined : "b" });
      expect(response.status).toBe(200);
      expect(response.json<EchoedRequest>().method).toBe(method);
    }
  });

  it("adds x-amzn-apigateway-api-id and an X-Amzn-Trace-Id for the backend (captured from AWS)", async () => {
    const response = await send("GET", "/proxy/ids");
    const echoed = response.json<EchoedRequest>();
    const apiIds = backendHeader(echoed, "x-amzn-apigateway-api-id");
    expect(apiIds).toHaveLength(1);
    // API ids are 10 lowercase alphanumerics (the execute-api host name's first label).
    expect(apiIds[0]).toMatch(API_ID);
    if (!isReference()) expect(new URL(targetUrl()).hostname.split(".")[0]).toBe(apiIds[0]);
    const trace = backendHeader(echoed, "x-amzn-trace-id");
    expect(trace).toHaveLength(1);
    expect(trace[0]).toMatch(TRACE_ROOT);
  });

  it("frames the backend request itself: Content-Length matches the body, client hop-by-hop headers are dropped", async () => {
    // RFC 9110 §7.6.1: a proxy must not forward hop-by-hop fields (Keep-Alive, TE, Proxy-Connection…).
    // node:http lets us send them; undici refuses to.
    const body = "0123456789";
    const { status, text } = await nodeRequest(`${targetUrl()}/proxy/hop`, "POST", {
      "Content-Type": "text/plain",
      "Keep-Alive": "timeout=5",
      TE: "trailers",
      "Proxy-Connection": "keep-alive",
      "X-Kept": "yes",
    }, body);
    expect(status).toBe(200);
    const echoed = JSON.parse(text) as EchoedRequest;
    expect(echoed.body).toBe(body);
    expect(backendHeader(echoed, "x-kept")).toEqual(["yes"]);
    expect(backendHeader(echoed, "keep-alive")).toEqual([]);
    expect(backendHeader(echoed, "te")).toEqual([]);
    expect(backendHeader(echoed, "proxy-connection")).toEqual([]);
    expect(backendHeader(echoed, "content-length")).toEqual([String(body.length)]);
    expect(backendHeader(echoed, "transfer-encoding")).toEqual([]);
  });

  it("a chunked client upload reaches the backend whole", async () => {
    const chunks = ["first-", "second-", "third"];
    async function* generate() {
      for (const chunk of chunks) yield Buffer.from(chunk);
    }
    const { request } = await import("undici");
    const response = await request(`${targetUrl()}/proxy/chunked`, { method: "POST", body: Readable.from(generate()), headers: { "content-type": "text/plain" } });
    expect(response.statusCode).toBe(200);
    const echoed = (await response.body.json()) as EchoedRequest;
    expect(echoed.body).toBe(chunks.join(""));
  });

  it("passes the backend status through (?status=418 → 418) with the backend's body", async () => {
    const response = await send("GET", "/proxy/teapot?status=418");
    expect(response.status).toBe(418);
    expect(response.json<EchoedRequest>().url).toBe("/teapot?status=418");
    // Not a gateway error: no x-amzn-ErrorType, and no DEFAULT_4XX headers.
    expect(header(response, "x-amzn-errortype")).toBeUndefined();
    expect(header(response, "x-fixture")).toBeUndefined();
  });

  it("passes a backend 500 through as is", async () => {
    const response = await send("GET", "/proxy/err?status=500");
    expect(response.status).toBe(500);
    expect(response.json<EchoedRequest>().method).toBe("GET");
    expect(header(response, "x-amzn-errortype")).toBeUndefined();
  });

  it("remaps the backend's Server and WWW-Authenticate to x-amzn-Remapped-<name>", async () => {
    // spec §10 (api-gateway-known-issues.md "header remapping": WWW-Authenticate); Server captured from AWS.
    // Header names are case-insensitive: compare lower-case.
    const response = await send("GET", "/proxy/remap");
    expect(response.status).toBe(200);
    expect(header(response, "x-amzn-remapped-www-authenticate")).toBe('Basic realm="echo"');
    expect(header(response, "x-amzn-remapped-server")).toBe("echo-backend");
    expect(header(response, "www-authenticate")).toBeUndefined();
    expect(header(response, "server")).not.toBe("echo-backend");
    // Ordinary backend headers pass through unchanged.
    expect(header(response, "x-echo-status")).toBe("200");
    expect(header(response, "content-type")).toBe("application/json");
  });

  it("answers with its own x-amzn-RequestId", features("rest.request-ids"), async () => {
    const response = await send("GET", "/proxy/rid");
    expect(header(response, "x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("HTTP (non-proxy) POST /http/{id}", features("rest.http", "rest.vtl", "rest.stage-variables"), () => {
  const post = (path: string, extra: Record<string, string> = {}, body = '{"k":1}') =>
    send("POST", path, { headers: { "content-type": "application/json", ...extra }, body });

  it("builds the URI from the stage variable and the mapped path parameter, and maps the query string", async () => {
    const response = await post("/http/abc?status=201&ignored=1");
    expect(response.status).toBe(200);
    const echoed = response.json<EchoedRequest>();
    // aws-api-gateway-stage-variables-reference.md: ${stageVariables.backendPath} in the URI path; {id} ← path.id.
    const url = new URL(echoed.url, "http://backend");
    expect(url.pathname).toBe("/things/abc");
    // Only mapped query parameters reach a non-proxy backend: status (from the method request) and 'fixture'.
    expect([...url.searchParams.entries()].sort()).toEqual([
      ["source", "fixture"],
      ["status", "201"],
    ]);
    expect(echoed.method).toBe("POST");
  });

  it("without ?status the status mapping is not set (only source=fixture is sent)", async () => {
    const response = await post("/http/xyz");
    expect(response.status).toBe(200);
    const url = new URL(response.json<EchoedRequest>().url, "http://backend");
    expect([...url.searchParams.entries()]).toEqual([["source", "fixture"]]);
  });

  it("sends mapped headers only, with User-Agent AmazonAPIGateway_<apiId>", async () => {
    const response = await post("/http/h1", { "x-caller": "alice", "x-other": "nope", authorization: "Bearer t", "user-agent": "client/1.0" });
    expect(response.status).toBe(200);
    const echoed = response.json<EchoedRequest>();
    // request-response-data-mappings.md: integration.request.header.x-caller ← method.request.header.x-caller.
    expect(backendHeader(echoed, "x-caller")).toEqual(["alice"]);
    // Unmapped client headers are not forwarded to a non-proxy integration.
    expect(backendHeader(echoed, "x-other")).toEqual([]);
    expect(backendHeader(echoed, "authorization")).toEqual([]);
    // Captured from AWS: non-proxy HTTP integrations identify the gateway.
    const agents = backendHeader(echoed, "user-agent");
    expect(agents).toHaveLength(1);
    expect(agents[0]).toMatch(/^AmazonAPIGateway_[a-z0-9]{10}$/);
    const apiId = backendHeader(echoed, "x-amzn-apigateway-api-id");
    expect(apiId).toEqual([agents[0]!.slice("AmazonAPIGateway_".length)]);
    expect(backendHeader(echoed, "x-amzn-trace-id")[0]).toMatch(TRACE_ROOT);
  });

  it("sends the request template's output as the body", async () => {
    // spec §1.1: $input.params('id') is the path parameter, $input.body the raw payload.
    const response = await post("/http/item-7", {}, '{"k":[1,2],"s":"t"}');
    const echoed = response.json<EchoedRequest>();
    expect(echoed.body).toBe('{"id":"item-7","payload":{"k":[1,2],"s":"t"}}');
  });

  it("a charset parameter on the Content-Type still selects the application/json template", async () => {
    // spec §1.7.
    const response = await send("POST", "/http/cs", { headers: { "content-type": "application/json; charset=utf-8" }, body: "[]" });
    expect(response.status).toBe(200);
    expect(response.json<EchoedRequest>().body).toBe('{"id":"cs","payload":[]}');
  });

  it("2xx selects 2\\d{2} → 200 with X-Backend-Status from integration.response.header.x-echo-status", async () => {
    for (const status of [200, 202]) {
      const response = await post(`/http/s?status=${status}`);
      // spec §1.10: HTTP integrations match selection patterns against the backend status code.
      expect(response.status).toBe(200);
      expect(header(response, "x-backend-status")).toBe(String(status));
      // spec §1.7: no response template → the backend payload passes through unmapped.
      expect(response.json<EchoedRequest>().method).toBe("POST");
    }
  });

  it("does not pass unmapped backend headers on to the client", async () => {
    const response = await post("/http/hdr");
    expect(header(response, "x-echo-status")).toBeUndefined();
    expect(header(response, "www-authenticate")).toBeUndefined();
  });

  it("backend 404 selects 4\\d{2} → 400 with its template", async () => {
    const response = await post("/http/s?status=404");
    expect(response.status).toBe(400);
    expect(response.text).toBe('{"backend":"rejected"}');
    expect(header(response, "x-backend-status")).toBeUndefined();
  });

  it("backend 500 matches no response and there is no default → 500 API_CONFIGURATION_ERROR", async () => {
    // spec §1.10 / §2: no integration response matched and no default.
    const response = await post("/http/s?status=500");
    expect(response.status).toBe(500);
    expect(response.json()).toEqual({ message: "Internal server error" });
    if (isReference()) expect(header(response, "x-amzn-errortype")).toBe("ApiConfigurationException");
  });
});
