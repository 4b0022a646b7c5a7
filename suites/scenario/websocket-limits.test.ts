/**
 * WebSocket limits (spec §10/§12.2): 32 KB frames and 128 KB messages, both closing with 1009; idle timeout and
 * maximum connection duration, shortened here through startGateway's webSocketLimits (AWS: 10 min and 2 h).
 * Frame/message limits also run against TARGET_WS_URL; the shortened timeouts only against the reference.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { connect, Inbox } from "./websocket-harness.ts";
import { features } from "../harness/conformance.ts";

const TEMPLATE = new URL("./fixtures/websocket/template.yaml", import.meta.url).pathname;
const IDLE_MS = 600;
const MAX_MS = 1500;
let gateway: RunningGateway | undefined;
let url = process.env.TARGET_WS_URL ?? "";
const CREDENTIALS = { accessKeyId: "AKIAGATEPROOFWSLIMIT", secretAccessKey: "gateproofWebSocketLimitsKey" };

beforeAll(async () => {
  if (url) return;
  const credentialsFile = join(mkdtempSync(join(tmpdir(), "gateproof-ws-limits-")), "iam.json");
  writeFileSync(credentialsFile, JSON.stringify([{ ...CREDENTIALS, accountId: "123456789012", userArn: "arn:aws:iam::123456789012:user/ws", caller: "AIDAWSLIMITS", user: "AIDAWSLIMITS" }]));
  gateway = await startGateway({ template: TEMPLATE, port: 0, log: () => {}, iamCredentialsFile: credentialsFile, webSocketLimits: { idleTimeoutMs: IDLE_MS, maxDurationMs: MAX_MS } });
  url = gateway.urls.find((u) => u.api === "ChatApi")!.url;
});
afterAll(() => gateway?.close());

/** Sends `total` bytes of a JSON-less text message as fragments of `frame` bytes. */
function sendFragmented(inbox: Inbox, total: number, frame: number): void {
  const text = "x".repeat(total);
  for (let at = 0; at < total; at += frame) inbox.ws.send(text.slice(at, at + frame), { fin: at + frame >= total });
}

describe("WebSocket limits", features("websocket.limits"), () => {
  it("a single 40 KB frame closes the connection with 1009 (frames are limited to 32 KB)", async () => {
    const inbox = new Inbox(await connect(url));
    inbox.ws.send("y".repeat(40 * 1024));
    expect((await inbox.closed).code).toBe(1009);
  });

  it("the same 40 KB as two 20 KB frames is one message, routed and answered", features("websocket.routing", "websocket.route-responses"), async () => {
    const inbox = new Inbox(await connect(url));
    sendFragmented(inbox, 40 * 1024, 20 * 1024);
    const answer = JSON.parse(await inbox.next());
    expect(answer.route).toBe("$default");
    expect(answer.body.length).toBe(40 * 1024);
    inbox.ws.close();
  });

  it("131072 bytes in 32 KB frames pass; 131073 close the connection with 1009", features("websocket.route-responses"), async () => {
    const ok = new Inbox(await connect(url));
    sendFragmented(ok, 131072, 32768);
    expect(JSON.parse(await ok.next()).body.length).toBe(131072);
    ok.ws.close();
    const over = new Inbox(await connect(url));
    sendFragmented(over, 131073, 32768);
    expect((await over.closed).code).toBe(1009);
  });

  // AWS's own limits are 10 min and 2 h: only a reference started with shortened limits can be timed here.
  it("an idle connection is closed after the idle timeout; activity keeps it, up to the maximum duration", features([], { referenceOnly: true }), async () => {
    if (!gateway) throw new Error("TARGET_WS_URL points elsewhere: the idle and duration limits need the reference started with shortened limits");
    const started = Date.now();
    const idle = new Inbox(await connect(url));
    const busy = new Inbox(await connect(url));
    const timer = setInterval(() => busy.ws.send("keep-alive"), 150);
    const idleClosed = await idle.closed;
    const idleAfter = Date.now() - started;
    expect(idleClosed.code).toBe(1001);
    expect(idleAfter).toBeGreaterThanOrEqual(IDLE_MS - 50);
    expect(idleAfter).toBeLessThan(MAX_MS);
    const busyClosed = await busy.closed;
    clearInterval(timer);
    expect(busyClosed.code).toBe(1001);
    expect(Date.now() - started).toBeGreaterThanOrEqual(MAX_MS - 50);
  });

  // "If no messages are sent between the server and client for a 10-minute period, API Gateway closes the connection":
  // @connections messages alone keep a silent client connected up to the 2-hour limit (hotsock.io/docs/connections/keep-alive,
  // a wscat session against API Gateway receiving a keep-alive message every 9.5 minutes).
  it("messages the client only receives (@connections POST) keep it from going idle", features([], { referenceOnly: true }), async () => {
    if (!gateway) throw new Error("TARGET_WS_URL points elsewhere: the idle timeout needs the reference started with shortened limits");
    const started = Date.now();
    const inbox = new Inbox(await connect(url));
    inbox.ws.send(JSON.stringify({ action: "echo" }));
    const { requestContext } = JSON.parse(await inbox.next());
    const client = new ApiGatewayManagementApiClient({ endpoint: url.replace(/^ws/, "http"), region: "us-east-1", credentials: CREDENTIALS });
    let closedAt = 0;
    void inbox.closed.then(() => (closedAt = Date.now() - started));
    while (Date.now() - started < 2 * IDLE_MS && closedAt === 0) {
      await client.send(new PostToConnectionCommand({ ConnectionId: requestContext.connectionId, Data: "push" }));
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    expect(closedAt).toBe(0);
    expect((await inbox.closed).code).toBe(1001);
  });
});
