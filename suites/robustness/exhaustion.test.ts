/**
 * Resource exhaustion against an in-process reference gateway with short client timeouts: slowloris (headers and
 * body), header floods around AWS's 10240-byte limit, a 1 GB upload, thousands of idle keep-alive connections, deeply
 * nested JSON into a validator and templates, catastrophic regexes, a huge #foreach. After each, other clients are
 * served and memory stays bounded.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { startEchoBackend, type EchoBackend } from "../harness/echo-backend.ts";
import { features } from "../harness/conformance.ts";
import { openFds, parseResponses, rawExchange, ROBUSTNESS_TEMPLATE } from "./harness.ts";

let gateway: RunningGateway;
let backend: EchoBackend;
let port: number;
const logs: string[] = [];

beforeAll(async () => {
  backend = await startEchoBackend();
  gateway = await startGateway({
    template: ROBUSTNESS_TEMPLATE,
    port: 0,
    parameterOverrides: { EchoUrl: backend.url, FaultUrl: backend.url },
    connectionLimits: { headersTimeoutMs: 600, requestTimeoutMs: 1_200, keepAliveTimeoutMs: 30_000, checkIntervalMs: 100 },
    log: (line) => void logs.push(line),
  });
  port = Number(new URL(gateway.urls[0]!.url).port);
});
afterAll(async () => {
  await gateway?.close();
  await backend?.close();
});

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; ms: number }> {
  const started = Date.now();
  const lines = Object.entries(headers).map(([n, v]) => `${n}: ${v}\r\n`).join("");
  // The first byte may take longer than rawExchange's default wait on a loaded machine; the tests judge `ms` themselves.
  const { data } = await rawExchange(port, `GET /t${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${lines}\r\n`, { firstByteMs: 10_000, maxMs: 15_000 });
  const [response] = parseResponses(data);
  return { status: response?.status ?? 0, text: response?.body.toString() ?? "", ms: Date.now() - started };
}
const served = async () => expect((await get("/mock")).status).toBe(200);

describe("resource exhaustion", features(["robustness.exhaustion"], { referenceOnly: true }), () => {
  it("slowloris headers: 408 JSON and a close at the headers timeout, while others are served", async () => {
    const socket = net.connect(port, "127.0.0.1");
    let received = "";
    socket.on("data", (d) => (received += d.toString()));
    const closed = new Promise<number>((resolve) => socket.on("close", () => resolve(Date.now())));
    socket.on("error", () => {});
    const started = Date.now();
    socket.write("GET /t/mock HTTP/1.1\r\nHost: x\r\n");
    const drip = setInterval(() => socket.writable && socket.write("X-Drip: 1\r\n"), 100);
    await served();
    const at = await closed;
    clearInterval(drip);
    expect(at - started).toBeLessThan(3_000);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(received).toContain('{"message":"Request Timeout"}');
  });

  it("slow body: the request timeout answers 408 JSON instead of waiting forever (gateway bug fixed)", async () => {
    const socket = net.connect(port, "127.0.0.1");
    let received = "";
    socket.on("data", (d) => (received += d.toString()));
    socket.on("error", () => {});
    const closed = new Promise<number>((resolve) => socket.on("close", () => resolve(Date.now())));
    const started = Date.now();
    socket.write("POST /t/echo/slow HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789");
    const drip = setInterval(() => socket.writable && socket.write("x"), 100);
    const at = await closed;
    clearInterval(drip);
    expect(at - started).toBeLessThan(4_000);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(backend.received.some((r) => r.url === "/slow")).toBe(false);
    await served();
  });

  it("a client that ends the stream mid-body or breaks the chunk framing: 400 JSON and a close at once, not a socket held until the request timeout (found by the fuzz soak)", async () => {
    for (const text of [
      "POST /t/echo/cut HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n{\"a\":",
      "POST /t/echo/cut HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
    ]) {
      const started = Date.now();
      const { data, closedByServer } = await rawExchange(port, text, { halfClose: true, firstByteMs: 5_000, maxMs: 5_000 });
      const [response] = parseResponses(data);
      expect(response?.status, text).toBe(400);
      expect(JSON.parse(response!.body.toString())).toEqual({ message: "Bad Request" });
      expect(closedByServer).toBe(true);
      expect(Date.now() - started).toBeLessThan(1_000);
    }
    expect(backend.received.some((r) => r.url === "/cut")).toBe(false);
  });

  it("header values over 10240 bytes in total → 431 JSON; exactly 10240 bytes of values pass (limits.md)", async () => {
    // Host "x" (1 byte) + Connection "close" (5 bytes) count too.
    const pass = await get("/mock", { "X-A": "a".repeat(10_240 - 6) });
    expect(pass.status).toBe(200);
    const over = await get("/mock", { "X-A": "a".repeat(10_240 - 5) });
    expect(over.status).toBe(431);
    expect(JSON.parse(over.text)).toEqual({ message: "Request Header Fields Too Large" });
    const flood: Record<string, string> = {};
    for (let i = 0; i < 200; i++) flood[`X-Flood-${i}`] = "v".repeat(60);
    expect((await get("/mock", flood)).status).toBe(431);
    // Past node:http's own 32 KiB parser limit: the same answer, from clientError.
    expect((await get("/mock", { "X-Huge": "h".repeat(40_000) })).status).toBe(431);
    await served();
  });

  it("a 1 GB upload: 413 as soon as it is declared, then read and discarded (or cut by the request timeout), memory bounded", async () => {
    const total = Number(process.env.GATEPROOF_BIG_BODY_BYTES ?? 1024 ** 3);
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const socket = net.connect(port, "127.0.0.1");
    let received = "";
    let sent = 0;
    let sentAtAnswer = -1;
    socket.on("data", (d) => {
      received += d.toString();
      if (sentAtAnswer < 0) sentAtAnswer = sent;
    });
    socket.on("error", () => {});
    await new Promise<void>((resolve) => socket.on("connect", resolve));
    socket.write(`POST /t/echo/big HTTP/1.1\r\nHost: x\r\nContent-Length: ${total}\r\n\r\n`);
    const chunk = Buffer.alloc(1024 * 1024, 120);
    const started = Date.now();
    // A client that ignores the early answer and uploads everything (bounded by time too).
    const closed = new Promise((resolve) => socket.once("close", resolve));
    while (sent < total && !socket.destroyed && Date.now() - started < 60_000) {
      if (!socket.write(chunk)) await Promise.race([new Promise((resolve) => socket.once("drain", resolve)), closed]);
      sent += chunk.length;
      if (sent % (64 * 1024 * 1024) === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    socket.end();
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(sentAtAnswer).toBeLessThan(11 * 1024 * 1024);
    // Either all of it was read and discarded, or the request timeout cut the upload (with these short limits).
    expect(sent >= total || Date.now() - started >= 1_000).toBe(true);
    // Client and gateway share this process: growth stays far below the upload.
    expect(peak - rssBefore).toBeLessThan(200 * 1024 * 1024);
    expect(backend.received.some((r) => r.url === "/big")).toBe(false);
    await served();
  }, 120_000);

  it("2,000 idle keep-alive connections: a new client is still served, and they are closed on close", async () => {
    const fdsBefore = openFds();
    const sockets: net.Socket[] = [];
    for (let i = 0; i < 2_000; i++) {
      const socket = net.connect(port, "127.0.0.1");
      socket.on("error", () => {});
      sockets.push(socket);
    }
    await Promise.all(sockets.map((s) => new Promise((resolve) => (s.readyState === "open" ? resolve(null) : s.once("connect", resolve)))));
    // Each made one request and now sits idle on a kept-alive connection.
    await Promise.all(sockets.slice(0, 500).map((s) => new Promise<void>((resolve) => {
      s.once("data", () => resolve());
      s.write("GET /t/mock HTTP/1.1\r\nHost: x\r\n\r\n");
    })));
    const { ms, status } = await get("/mock");
    expect(status).toBe(200);
    expect(ms).toBeLessThan(2_000);
    for (const s of sockets) s.destroy();
    await new Promise((r) => setTimeout(r, 300));
    expect(openFds() - fdsBefore).toBeLessThan(50);
  }, 60_000);

  it("deeply nested JSON into a validator and templates: an answer, not a stack overflow", async () => {
    for (const depth of [1_000, 100_000]) {
      const nested = "[".repeat(depth) + "]".repeat(depth);
      for (const [route, body] of [["validated", `{"a": {"b": ${nested}}}`], ["template", `{"items": ${nested}}`], ["validated", `{"a": ${"{\"a\":".repeat(depth)}1${"}".repeat(depth)}}`]] as const) {
        const { data } = await rawExchange(port, `POST /t/${route} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`, { maxMs: 15_000 });
        const [response] = parseResponses(data);
        expect(response, `${route} at depth ${depth}`).toBeDefined();
        expect([200, 400, 500]).toContain(response!.status);
      }
    }
    await served();
  }, 60_000);

  it("catastrophic regexes (identityValidationExpression ^(a+)+$, selectionPattern (a+)+b) answer in bounded time", async () => {
    const evil = await get("/evil", { "X-Evil": `${"a".repeat(40)}!` });
    expect(evil.status).toBe(401);
    expect(evil.ms).toBeLessThan(2_000);
    const selected = await get("/fault-custom?mode=regex");
    expect(selected.status).toBe(200);
    expect(selected.ms).toBeLessThan(3_000);
    await served();
  });

  it("a #foreach of 100,000 × 100,000 is bounded (1000 iterations per loop, render time cap): 500, gateway serving", async () => {
    const response = await get("/foreach");
    expect(response.status).toBe(500);
    expect(JSON.parse(response.text)).toEqual({ message: "Internal server error" });
    expect(response.ms).toBeLessThan(5_000);
    await served();
  });
});
