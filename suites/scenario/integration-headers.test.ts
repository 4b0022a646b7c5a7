import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { echoedHeader as backendHeader, startEchoBackend, type EchoBackend, type EchoedRequest } from "../harness/echo-backend.ts";
import { nodeRequest } from "../harness/node-request.ts";
import { header, send } from "../harness/target.ts";
import { features } from "../harness/conformance.ts";

/**
 * The header table of "Amazon API Gateway important notes", section "Important notes for REST APIs"
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html): which headers an
 * `http` / `http_proxy` integration request drops, passes or overwrites, and which integration response headers the
 * client gets as `X-Amzn-Remapped-<name>` or not at all.
 */
const TEMPLATE = new URL("./fixtures/integration-headers/template.yaml", import.meta.url).pathname;

/** Response headers the backend (and the Lambda function of the fixture) answer with. */
const TABLED_RESPONSE_HEADERS = {
  Authorization: "Bearer from-backend",
  "User-Agent": "backend/1",
  "Max-Forwards": "3",
  "Content-MD5": "Q2hlY2s=",
  Via: "1.1 backend",
  Expect: "100-continue",
  TE: "trailers",
  Age: "7",
  Warn: "199 - backend",
};

/**
 * Tabled headers a client sends: dropped for every integration type except Via (passed to Lambda),
 * Content-Encoding (dropped for http_proxy only) and Connection (passed to HTTP endpoints, dropped for Lambda).
 */
const CLIENT_TABLED_HEADERS = {
  "Content-Type": "text/plain",
  "Content-MD5": "Q2hlY2s=",
  "Max-Forwards": "5",
  "Proxy-Authenticate": "Basic realm=x",
  Server: "client-server",
  TE: "trailers",
  Via: "1.1 client-proxy",
  "WWW-Authenticate": "Basic realm=x",
  "Content-Encoding": "identity",
  Connection: "close",
};

describe("integration request and response headers (AWS header table)", features(["rest.http", "rest.http-proxy"], { referenceOnly: true }), () => {
  let gateway: RunningGateway;
  let backend: EchoBackend;
  let base: string;

  beforeAll(async () => {
    backend = await startEchoBackend(0, { responseHeaders: TABLED_RESPONSE_HEADERS });
    gateway = await startGateway({ template: TEMPLATE, port: 0, parameterOverrides: { BackendUrl: backend.url }, log: () => {} });
    base = gateway.urls[0]!.url;
  });
  afterAll(async () => {
    await gateway?.close();
    await backend?.close();
  });

  it("HTTP: mapped headers the table drops never reach the endpoint; the request still succeeds", async () => {
    const response = await send("POST", "/mapped", { base, headers: { "content-type": "application/json" }, body: '{"k":1}' });
    // "Dropped" for http: Content-MD5, Expect, Max-Forwards, Proxy-Authenticate, Server, TE, Transfer-Encoding,
    // Trailer, Upgrade, Via, WWW-Authenticate. AWS documents no deploy-time error for mapping them.
    expect(response.status).toBe(200);
    const echoed = response.json<EchoedRequest>();
    for (const name of ["content-md5", "expect", "max-forwards", "proxy-authenticate", "server", "te", "transfer-encoding", "trailer", "upgrade", "via", "www-authenticate"]) {
      expect(backendHeader(echoed, name), name).toEqual([]);
    }
  });

  it("HTTP: Host is the endpoint's and Content-Length the body's, whatever the mapping says", async () => {
    const body = '{"k":1}';
    const response = await send("POST", "/mapped", { base, headers: { "content-type": "application/json" }, body });
    const echoed = response.json<EchoedRequest>();
    // "Overwritten to the integration endpoint" / "Passthrough (generated based on body)".
    expect(backendHeader(echoed, "host")).toEqual([new URL(backend.url).host]);
    expect(backendHeader(echoed, "content-length")).toEqual([String(Buffer.byteLength(body))]);
    expect(echoed.body).toBe(body);
  });

  it("HTTP: mapped Passthrough headers arrive as mapped (Connection, Content-Encoding, Authorization, Accept, …)", async () => {
    const response = await send("POST", "/mapped", { base, headers: { "content-type": "application/json" }, body: "{}" });
    const echoed = response.json<EchoedRequest>();
    expect(backendHeader(echoed, "connection")).toEqual(["close"]);
    expect(backendHeader(echoed, "content-encoding")).toEqual(["identity"]);
    expect(backendHeader(echoed, "authorization")).toEqual(["Bearer mapped"]);
    expect(backendHeader(echoed, "accept")).toEqual(["text/plain"]);
    expect(backendHeader(echoed, "pragma")).toEqual(["no-cache"]);
    expect(backendHeader(echoed, "referer")).toEqual(["https://referer.example/"]);
    expect(backendHeader(echoed, "range")).toEqual(["bytes=0-1"]);
    expect(backendHeader(echoed, "warn")).toEqual(["199 - mapped"]);
  });

  it("HTTP_PROXY: client headers the table drops (Content-Encoding too) never reach the endpoint; Passthrough ones do", async () => {
    const { status, text } = await nodeRequest(`${base}/proxy/client`, "POST", {
      ...CLIENT_TABLED_HEADERS,
      Authorization: "Bearer client",
      Pragma: "no-cache",
      Referer: "https://referer.example/",
      Warn: "199 - client",
      Age: "1",
    }, "payload");
    expect(status).toBe(200);
    const echoed = JSON.parse(text) as EchoedRequest;
    for (const name of ["content-md5", "max-forwards", "proxy-authenticate", "server", "te", "via", "www-authenticate", "content-encoding"]) {
      expect(backendHeader(echoed, name), name).toEqual([]);
    }
    expect(backendHeader(echoed, "connection")).toEqual(["close"]);
    // "Passthrough *": a bearer token passes; only a SigV4 Authorization (or AWS_IAM) is dropped.
    expect(backendHeader(echoed, "authorization")).toEqual(["Bearer client"]);
    expect(backendHeader(echoed, "pragma")).toEqual(["no-cache"]);
    expect(backendHeader(echoed, "referer")).toEqual(["https://referer.example/"]);
    expect(backendHeader(echoed, "warn")).toEqual(["199 - client"]);
    expect(backendHeader(echoed, "age")).toEqual(["1"]);
    expect(backendHeader(echoed, "host")).toEqual([new URL(backend.url).host]);
    expect(echoed.body).toBe("payload");
  });

  it("Lambda proxy: the event has no headers the lambda column drops; Via and Content-Encoding pass", features("rest.lambda-proxy"), async () => {
    const { status, text } = await nodeRequest(`${base}/event`, "POST", { ...CLIENT_TABLED_HEADERS, "X-Plain": "kept" }, "payload");
    expect(status).toBe(200);
    const headers = new Map(Object.entries(JSON.parse(text) as Record<string, string[]>).map(([name, values]) => [name.toLowerCase(), values]));
    for (const name of ["content-md5", "max-forwards", "proxy-authenticate", "server", "te", "www-authenticate", "connection"]) {
      expect(headers.get(name), name).toBeUndefined();
    }
    // "Dropped/Dropped/Passthrough" (Via) and "Passthrough/Dropped/Passthrough" (Content-Encoding).
    expect(headers.get("via")).toEqual(["1.1 client-proxy"]);
    expect(headers.get("content-encoding")).toEqual(["identity"]);
    expect(headers.get("x-plain")).toEqual(["kept"]);
  });

  it("HTTP_PROXY: a keep-alive client does not make the endpoint close its connection", async () => {
    const response = await send("GET", "/proxy/keep", { base });
    expect(backendHeader(response.json<EchoedRequest>(), "connection")).toEqual(["keep-alive"]);
  });

  const expectTabledResponseHeaders = (response: Awaited<ReturnType<typeof send>>, origin: string) => {
    // Response column http_proxy / lambda: Remapped.
    expect(header(response, "x-amzn-remapped-authorization")).toBe(`Bearer from-${origin}`);
    expect(header(response, "x-amzn-remapped-user-agent")).toBe(`${origin}/1`);
    expect(header(response, "x-amzn-remapped-max-forwards")).toBe("3");
    expect(header(response, "x-amzn-remapped-content-md5")).toBe("Q2hlY2s=");
    for (const name of ["authorization", "user-agent", "max-forwards", "content-md5"]) expect(header(response, name), name).toBeUndefined();
    // Dropped.
    for (const name of ["via", "expect", "te"]) expect(header(response, name), name).toBeUndefined();
    // Passthrough.
    expect(header(response, "age")).toBe("7");
    expect(header(response, "warn")).toBe(`199 - ${origin}`);
  };

  it("HTTP_PROXY: the endpoint's tabled response headers are remapped or dropped", async () => {
    const response = await send("GET", "/proxy/answer", { base });
    expect(response.status).toBe(200);
    expectTabledResponseHeaders(response, "backend");
  });

  it("Lambda proxy: the function's tabled response headers are remapped or dropped the same way", features("rest.lambda-proxy"), async () => {
    const response = await send("GET", "/function", { base });
    expect(response.status).toBe(200);
    expectTabledResponseHeaders(response, "function");
    // Host is "Dropped" in the response column; the function's plain headers pass.
    expect(header(response, "host")).toBeUndefined();
    expect(header(response, "x-plain")).toBe("kept");
  });
});
