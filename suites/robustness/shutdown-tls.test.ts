/**
 * Graceful shutdown (in-process close() and SIGTERM to `gateproof serve` under load) and HTTPS (HTTP/1.1 and HTTP/2
 * by ALPN, a self-signed certificate or the user's PEM files).
 */
import http2 from "node:http2";
import net from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { X509Certificate } from "node:crypto";
import { Agent, request } from "undici";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startGateway } from "../../reference-gateway/index.ts";
import { selfSignedCertificate, tlsMaterial } from "../../reference-gateway/tls.ts";
import { startEchoBackend } from "../harness/echo-backend.ts";
import { features } from "../harness/conformance.ts";
import { parseResponses, rawExchange, ROBUSTNESS_TEMPLATE, serveInChild } from "./harness.ts";

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("graceful shutdown", features(["robustness.shutdown"], { referenceOnly: true }), () => {
  it("close(): in-flight requests finish (kept-alive ones answered with Connection: close), new connections are refused", async () => {
    const backend = await startEchoBackend();
    const gateway = await startGateway({ template: ROBUSTNESS_TEMPLATE, port: 0, parameterOverrides: { EchoUrl: backend.url }, log: () => {}, shutdownGraceMs: 5_000 });
    const port = Number(new URL(gateway.urls[0]!.url).port);
    const base = gateway.urls[0]!.url;
    // A kept-alive connection with a slow request in flight, and a second request pipelined behind it.
    const inFlight = Array.from({ length: 10 }, (_, i) => request(`${base}/echo/slow-${i}?delay=800`).then(async (r) => ({ status: r.statusCode, text: await r.body.text() })));
    const pipelined = rawExchange(port, "GET /t/echo/a?delay=600 HTTP/1.1\r\nHost: x\r\n\r\n", { quietMs: 3_000, maxMs: 6_000 });
    // In flight = reached the backend.
    await until(() => backend.received.length >= 11);
    const started = Date.now();
    const closing = gateway.close();
    await new Promise((r) => setTimeout(r, 50));
    const refused = await new Promise<string>((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.on("connect", () => resolve("connected"));
      s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
    });
    expect(refused).toBe("ECONNREFUSED");
    for (const answer of await Promise.all(inFlight)) expect(answer.status).toBe(200);
    const [answer] = parseResponses((await pipelined).data);
    expect(answer?.status).toBe(200);
    expect(answer?.headers.find(([n]) => n.toLowerCase() === "connection")?.[1]).toBe("close");
    await closing;
    expect(Date.now() - started).toBeLessThan(5_000);
    await backend.close();
  }, 30_000);

  it("close() cuts what is still running after the grace period", async () => {
    const backend = await startEchoBackend();
    const gateway = await startGateway({ template: ROBUSTNESS_TEMPLATE, port: 0, parameterOverrides: { EchoUrl: backend.url }, log: () => {}, shutdownGraceMs: 300 });
    const pending = request(`${gateway.urls[0]!.url}/echo/forever?delay=20000`).then((r) => r.statusCode, () => "cut");
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await gateway.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await pending).toBe("cut");
    await backend.close();
  });

  it("SIGTERM to gateproof serve under load: in-flight requests finish, the process exits 0", async () => {
    const backend = await startEchoBackend();
    const child = await serveInChild(ROBUSTNESS_TEMPLATE, ["--parameter-overrides", `EchoUrl=${backend.url}`]);
    const base = child.urls[0]!.url;
    const agent = new Agent({ connections: 50 });
    const inFlight = Array.from({ length: 30 }, (_, i) => request(`${base}/echo/load-${i}?delay=700`, { dispatcher: agent }).then((r) => r.statusCode, (e: Error) => e.message));
    await until(() => backend.received.length >= 30);
    const result = await child.stop("SIGTERM");
    const statuses = await Promise.all(inFlight);
    expect(statuses.every((s) => s === 200), JSON.stringify(statuses)).toBe(true);
    expect(result.code).toBe(0);
    const after = await request(`${base}/mock`).then((r) => r.statusCode, (e: NodeJS.ErrnoException) => e.code);
    expect(after).toBe("ECONNREFUSED");
    await agent.close();
    await backend.close();
  }, 60_000);
});

describe("HTTPS", features(["robustness.tls"], { referenceOnly: true }), () => {
  it("a self-signed certificate: HTTP/1.1 and HTTP/2 by ALPN answer alike; the fingerprint is the certificate's", async () => {
    const gateway = await startGateway({ template: ROBUSTNESS_TEMPLATE, port: 0, tls: true, log: () => {} });
    try {
      const base = gateway.urls[0]!.url;
      expect(base).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/t$/);
      const ca = gateway.tls!.cert;
      expect(new X509Certificate(ca).fingerprint256).toBe(gateway.tls!.fingerprint256);
      const agent = new Agent({ connect: { ca } });
      const h1 = await request(`${base}/mock`, { dispatcher: agent });
      expect(h1.statusCode).toBe(200);
      expect(await h1.body.text()).toBe('{"healthy":true}');

      const session = http2.connect(new URL(base).origin, { ca });
      const h2 = await new Promise<{ status: number; body: string; headers: http2.IncomingHttpHeaders }>((resolve, reject) => {
        const stream = session.request({ ":path": "/t/mock", ":method": "GET" });
        let body = "";
        let headers: http2.IncomingHttpHeaders = {};
        stream.on("response", (h) => (headers = h));
        stream.on("data", (d: Buffer) => (body += d.toString()));
        stream.on("end", () => resolve({ status: Number(headers[":status"]), body, headers }));
        stream.on("error", reject);
      });
      expect(session.alpnProtocol).toBe("h2");
      expect(h2.status).toBe(200);
      expect(h2.body).toBe('{"healthy":true}');
      expect(h2.headers["x-amzn-requestid"]).toBeDefined();
      // A gateway error over HTTP/2 too, and a POST with a body.
      const denied = await new Promise<number>((resolve, reject) => {
        const stream = session.request({ ":path": "/t/keyed-proxy", ":method": "POST", "content-type": "application/json" });
        stream.on("response", (h) => resolve(Number(h[":status"])));
        stream.on("error", reject);
        stream.end('{"a":1}');
      });
      expect(denied).toBe(403);
      session.close();
      await agent.close();
      // Without the CA, the certificate is refused.
      await expect(request(`${base}/mock`)).rejects.toThrow();
    } finally {
      await gateway.close();
    }
  }, 30_000);

  it("the user's PEM files are served; a key that is not the certificate's is refused at start", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gateproof-tls-"));
    const a = selfSignedCertificate("given");
    const b = selfSignedCertificate("other");
    writeFileSync(join(dir, "cert.pem"), a.cert);
    writeFileSync(join(dir, "key.pem"), a.key);
    writeFileSync(join(dir, "other-key.pem"), b.key);
    const material = await tlsMaterial({ certFile: join(dir, "cert.pem"), keyFile: join(dir, "key.pem") });
    expect(material.fingerprint256).toBe(a.fingerprint256);
    await expect(tlsMaterial({ certFile: join(dir, "cert.pem"), keyFile: join(dir, "other-key.pem") })).rejects.toThrow(/not the private key/);
    const gateway = await startGateway({ template: ROBUSTNESS_TEMPLATE, port: 0, tls: { certFile: join(dir, "cert.pem"), keyFile: join(dir, "key.pem") }, log: () => {} });
    try {
      const agent = new Agent({ connect: { ca: a.cert } });
      const response = await request(`${gateway.urls[0]!.url}/mock`, { dispatcher: agent });
      expect(response.statusCode).toBe(200);
      await response.body.dump();
      await agent.close();
    } finally {
      await gateway.close();
    }
  });

  it("WebSocket APIs over TLS: wss:// with a ws client trusting the CA, @connections on https://; plain ws:// and untrusting clients refused", async () => {
    const template = new URL("../scenario/fixtures/websocket/template.yaml", import.meta.url).pathname;
    const gateway = await startGateway({ template, port: 0, tls: true, log: () => {} });
    try {
      const chat = gateway.urls.find((u) => u.type === "WEBSOCKET" && u.api === "ChatApi")!.url;
      expect(chat).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/prod$/);
      const ca = gateway.tls!.cert;
      const ws = new WebSocket(chat, { ca, perMessageDeflate: false });
      await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
      expect((ws as unknown as { _socket: { getProtocol(): string } })._socket.getProtocol()).toMatch(/^TLSv1\.[23]$/);
      const reply = new Promise<string>((resolve) => ws.once("message", (data: Buffer) => resolve(data.toString())));
      ws.send(JSON.stringify({ action: "echo", n: 1 }));
      const event = JSON.parse(await reply) as { requestContext: { routeKey: string; connectionId: string } };
      expect(event.requestContext.routeKey).toBe("echo");
      // @connections is on the same port, over HTTPS: unsigned, it is refused in AWS's shape.
      const origin = new URL(chat.replace(/^wss:/, "https:")).origin;
      const agent = new Agent({ connect: { ca } });
      const management = await request(`${origin}/prod/@connections/${encodeURIComponent(event.requestContext.connectionId)}`, { dispatcher: agent });
      expect(management.statusCode).toBe(403);
      expect(JSON.parse(await management.body.text())).toHaveProperty("message");
      await agent.close();
      ws.close();
      // Without the CA the certificate is refused; plain ws:// on the TLS port gets no upgrade.
      const untrusting = new WebSocket(chat, { perMessageDeflate: false });
      await expect(new Promise((resolve, reject) => untrusting.once("open", resolve).once("error", reject))).rejects.toThrow(/self.signed|certificate/i);
      const plain = new WebSocket(chat.replace(/^wss:/, "ws:"), { perMessageDeflate: false });
      await expect(new Promise((resolve, reject) => plain.once("open", resolve).once("error", reject))).rejects.toThrow();
    } finally {
      await gateway.close();
    }
  }, 30_000);
});
