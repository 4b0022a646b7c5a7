/**
 * WebSocket route throttling: the stage's DefaultRouteSettings for every route, RouteSettings by route key over it
 * (fixtures/websocket-throttle/template.yaml), each route its own token bucket on the gateway's Throttler. Exact counts
 * on an injected clock. AWS (websocket-api-protect.md): requests over the limits "may receive 429 Too Many Requests
 * error responses". Here a throttled $connect is a 429 handshake refusal before the $connect function runs, and a
 * throttled message an error frame `{"message": "Too Many Requests", "connectionId":…, "requestId":…}` in the shape of
 * AWS's Forbidden / Internal server error frames (websocket/server.ts), its integration never invoked.
 */
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { features } from "../harness/conformance.ts";
import { connect, Inbox } from "./websocket-harness.ts";

const TEMPLATE = new URL("./fixtures/websocket-throttle/template.yaml", import.meta.url).pathname;

/** The handshake's status and body: 101 when the upgrade is accepted (the socket is closed again). */
function handshake(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once("open", () => {
      ws.close();
      resolve({ status: 101, body: "" });
    });
    ws.once("unexpected-response", (_request, response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString()));
      response.on("end", () => resolve({ status: response.statusCode ?? -1, body }));
    });
    ws.once("error", reject);
  });
}

describe("WebSocket route throttling (injected clock)", features(["websocket.throttle", "websocket.route-responses"], { referenceOnly: true }), () => {
  let gateway: RunningGateway;
  let url = "";
  let eventsDir = "";
  let now = Date.UTC(2026, 0, 5, 12);
  const events = (prefix: string) => readdirSync(eventsDir).filter((name) => name.startsWith(prefix)).length;

  beforeAll(async () => {
    eventsDir = mkdtempSync(join(tmpdir(), "gateproof-ws-throttle-"));
    gateway = await startGateway({ template: TEMPLATE, port: 0, parameterOverrides: { EventsDir: eventsDir }, clock: () => now, log: () => {} });
    url = gateway.urls.find((u) => u.type === "WEBSOCKET")!.url;
  });
  afterAll(() => gateway?.close());

  it("$connect (RouteSettings burst 3, rate 0.5): 3 handshakes, the 4th refused 429 Too Many Requests without running $connect; a token 2 s later", async () => {
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await handshake(url));
    expect(results.map((r) => r.status)).toEqual([101, 101, 101, 429]);
    expect(results[3]!.body).toBe('{"message":"Too Many Requests"}');
    expect(events("CONNECT-")).toBe(3);
    now += 1999;
    expect((await handshake(url)).status).toBe(429);
    now += 1;
    expect((await handshake(url)).status).toBe(101);
    expect((await handshake(url)).status).toBe(429);
    expect(events("CONNECT-")).toBe(4);
  });

  it("messages: echo (DefaultRouteSettings burst 2, rate 1) answers twice, then a Too Many Requests frame without invoking the integration; ping has its own bucket (burst 1); echo refills at 1/s", async () => {
    now += 60_000;
    const inbox = new Inbox(await connect(url));
    const frames = async (action: string, n: number) => {
      for (let i = 0; i < n; i++) inbox.ws.send(JSON.stringify({ action }));
      const out: Array<Record<string, any>> = [];
      for (let i = 0; i < n; i++) out.push(JSON.parse(await inbox.next()));
      return out;
    };
    const echoed = await frames("echo", 3);
    const throttled = echoed.filter((f) => f["message"] === "Too Many Requests");
    expect(throttled).toHaveLength(1);
    const connectionId = echoed.find((f) => f["requestContext"])!["requestContext"].connectionId as string;
    expect(Object.keys(throttled[0]!)).toEqual(["message", "connectionId", "requestId"]);
    expect(throttled[0]!["connectionId"]).toBe(connectionId);
    expect(echoed.filter((f) => f["requestContext"]?.routeKey === "echo")).toHaveLength(2);
    expect(events(`MESSAGE-${connectionId}`)).toBe(2);

    // The fixture's message function answers other routes with {"route": routeKey, …}.
    const pinged = await frames("ping", 2);
    expect(pinged.map((f) => f["route"] ?? f["message"]).sort()).toEqual(["Too Many Requests", "ping"]);

    now += 1000;
    const again = await frames("echo", 2);
    expect(again.map((f) => f["requestContext"]?.routeKey ?? f["message"]).sort()).toEqual(["Too Many Requests", "echo"]);
    expect(events(`MESSAGE-${connectionId}`)).toBe(4);
    inbox.ws.close();
  });
});
