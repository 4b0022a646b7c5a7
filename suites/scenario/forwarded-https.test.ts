/**
 * X-Forwarded-Proto and X-Forwarded-Port under `serve --tls`: what the integration is told is the scheme and port the
 * client connected to, https and the TLS port, for REST Lambda proxy events (HTTP/1.1 and HTTP/2), HTTP API payload
 * 2.0 events, the headers an HTTP_PROXY backend receives (REST and HTTP API) and the WebSocket $connect event.
 *
 * Sources: AWS serves HTTPS only and its events say so. aws/aws-lambda-go events/testdata: apigw-request.json (REST
 * payload 1.0: "X-Forwarded-Port": "443", "X-Forwarded-Proto": "https" in headers and multiValueHeaders),
 * apigw-v2-request-no-authorizer.json (HTTP API 2.0: "x-forwarded-port": "443", "x-forwarded-proto": "https"),
 * apigw-websocket-request.json (CONNECT: X-Forwarded-Port ["443"], X-Forwarded-Proto ["https"]). Plain local HTTP
 * keeps reporting http and its own port (lambda-proxy-event.test.ts, websocket.test.ts).
 */
import http2 from "node:http2";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { features } from "../harness/conformance.ts";
import { echoedHeader, startEchoBackend, type EchoBackend, type EchoedRequest } from "../harness/echo-backend.ts";
import { FIXTURE_API_KEY } from "../harness/fixture.ts";

const FIXTURE = new URL("../fixture/template.yaml", import.meta.url).pathname;
const WEBSOCKET_FIXTURE = new URL("./fixtures/websocket/template.yaml", import.meta.url).pathname;

let backend: EchoBackend;
let gateway: RunningGateway;
let agent: Agent;
let ca = "";

const urlOf = (api: string): string => gateway.urls.find((u) => u.api === api)!.url;
const portOf = (url: string): string => new URL(url).port;

async function getJson<T>(url: string): Promise<T> {
  const response = await request(url, { dispatcher: agent });
  const text = await response.body.text();
  expect(response.statusCode, text).toBe(200);
  return JSON.parse(text) as T;
}

/** Value of a header in an event map, by case-insensitive name. */
function lookup(map: Record<string, string> | null, name: string): string | undefined {
  const key = Object.keys(map ?? {}).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : map![key];
}

beforeAll(async () => {
  backend = await startEchoBackend();
  gateway = await startGateway({ template: FIXTURE, port: 0, tls: true, parameterOverrides: { BackendUrl: backend.url, ApiKeyValue: FIXTURE_API_KEY }, log: () => {} });
  ca = gateway.tls!.cert;
  agent = new Agent({ connect: { ca } });
});
afterAll(async () => {
  await agent?.close();
  await gateway?.close();
  await backend?.close();
});

describe("X-Forwarded-Proto/Port over HTTPS", features(["robustness.tls"], { referenceOnly: true }), () => {
  it("REST Lambda proxy event (HTTP/1.1): https and the TLS port", features("rest.lambda-proxy"), async () => {
    const base = urlOf("FixtureApi");
    expect(base).toMatch(/^https:/);
    const { event } = await getJson<{ event: { headers: Record<string, string>; multiValueHeaders: Record<string, string[]> } }>(`${base}/echo`);
    expect(lookup(event.headers, "X-Forwarded-Proto")).toBe("https");
    expect(lookup(event.headers, "X-Forwarded-Port")).toBe(portOf(base));
    expect(event.multiValueHeaders["X-Forwarded-Proto"]).toEqual(["https"]);
  });

  it("REST Lambda proxy event over HTTP/2: https and the TLS port (req.socket is the session's proxy there)", features("rest.lambda-proxy"), async () => {
    const base = urlOf("FixtureApi");
    const session = http2.connect(new URL(base).origin, { ca });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const stream = session.request({ ":path": `${new URL(base).pathname}/echo`, ":method": "GET" });
        let text = "";
        stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
        stream.on("end", () => resolve(text));
        stream.on("error", reject);
      });
      expect(session.alpnProtocol).toBe("h2");
      const { event } = JSON.parse(body) as { event: { headers: Record<string, string> } };
      expect(lookup(event.headers, "X-Forwarded-Proto")).toBe("https");
      expect(lookup(event.headers, "X-Forwarded-Port")).toBe(portOf(base));
    } finally {
      session.close();
    }
  });

  it("HTTP API payload 2.0 event: https and the TLS port", features("http-api.lambda-proxy"), async () => {
    const base = urlOf("FixtureHttpApi");
    const event = await getJson<{ headers: Record<string, string> }>(`${base}/echo/1`);
    expect(event.headers["x-forwarded-proto"]).toBe("https");
    expect(event.headers["x-forwarded-port"]).toBe(portOf(base));
  });

  it("HTTP_PROXY backends receive https and the TLS port (REST and HTTP API)", features("rest.http-proxy", "http-api.http-proxy"), async () => {
    const rest = urlOf("FixtureApi");
    const fromRest = await getJson<EchoedRequest>(`${rest}/proxy/forwarded`);
    expect(echoedHeader(fromRest, "X-Forwarded-Proto")).toEqual(["https"]);
    expect(echoedHeader(fromRest, "X-Forwarded-Port")).toEqual([portOf(rest)]);
    const httpApi = urlOf("FixtureHttpApi");
    const fromHttpApi = await getJson<EchoedRequest>(`${httpApi}/things/1`);
    expect(echoedHeader(fromHttpApi, "X-Forwarded-Proto")).toEqual(["https"]);
    expect(echoedHeader(fromHttpApi, "X-Forwarded-Port")).toEqual([portOf(httpApi)]);
  });

  it("WebSocket $connect event over wss://: https and the TLS port", features("websocket.connect"), async () => {
    const eventsDir = mkdtempSync(join(tmpdir(), "gateproof-wss-events-"));
    const wsGateway = await startGateway({ template: WEBSOCKET_FIXTURE, port: 0, tls: true, parameterOverrides: { EventsDir: eventsDir }, log: () => {} });
    try {
      const chat = wsGateway.urls.find((u) => u.type === "WEBSOCKET" && u.api === "ChatApi")!.url;
      expect(chat).toMatch(/^wss:/);
      const ws = new WebSocket(chat, { ca: wsGateway.tls!.cert, perMessageDeflate: false });
      await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
      const reply = new Promise<string>((resolve) => ws.once("message", (data: Buffer) => resolve(data.toString())));
      ws.send(JSON.stringify({ action: "echo" }));
      const { requestContext } = JSON.parse(await reply) as { requestContext: { connectionId: string } };
      ws.close();
      const file = readdirSync(eventsDir).find((name) => name.startsWith(`CONNECT-${requestContext.connectionId}`))!;
      const event = JSON.parse(readFileSync(join(eventsDir, file), "utf8")) as { headers: Record<string, string>; multiValueHeaders: Record<string, string[]> };
      expect(event.headers["X-Forwarded-Proto"]).toBe("https");
      expect(event.headers["X-Forwarded-Port"]).toBe(portOf(chat));
      expect(event.multiValueHeaders["X-Forwarded-Proto"]).toEqual(["https"]);
    } finally {
      await wsGateway.close();
    }
  });
});
