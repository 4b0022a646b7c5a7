/**
 * Faults behind the gateway: Lambda handlers that throw, reject, hang, spin, exit, exhaust memory, return 100 MB or
 * flood stdout, and HTTP backends that reset, stall mid-body, speak malformed HTTP or close kept-alive sockets. Each
 * gets the right gateway answer; afterwards the function's pool serves again and no socket or descriptor is left.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { features } from "../harness/conformance.ts";
import { openFds, parseResponses, rawExchange, ROBUSTNESS_TEMPLATE } from "./harness.ts";

/** A misbehaving HTTP backend: the first path segment picks the fault. Counts its open connections. */
function startFaultBackend(): Promise<{ url: string; open: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let buffered = "";
    socket.on("data", (chunk) => {
      buffered += chunk.toString("latin1");
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      const path = /^[A-Z]+ \/([^/ ?]*)/.exec(buffered)?.[1] ?? "";
      buffered = "";
      switch (path) {
        case "reset":
          socket.resetAndDestroy();
          break;
        case "stall":
          socket.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nonly ten b");
          break;
        case "stall-headers":
          socket.write("HTTP/1.1 200 OK\r\nContent-Ty");
          break;
        case "malformed":
          socket.end("HTTP/1.1 abc nonsense\r\n\u0000\u0001garbage\r\n\r\n");
          break;
        case "bad-length":
          socket.end("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello");
          break;
        case "close-after":
          // Says keep-alive, then closes the socket once the answer is out: the next request must not fail.
          socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok", () => setTimeout(() => socket.destroy(), 5));
          break;
        default:
          socket.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok");
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
        open: () => sockets.size,
        close: () => new Promise<void>((done) => {
          for (const s of sockets) s.destroy();
          server.close(() => done());
        }),
      }),
    ),
  );
}

let gateway: RunningGateway;
let faults: Awaited<ReturnType<typeof startFaultBackend>>;
let port: number;
const logs: string[] = [];

beforeAll(async () => {
  faults = await startFaultBackend();
  gateway = await startGateway({ template: ROBUSTNESS_TEMPLATE, port: 0, parameterOverrides: { FaultUrl: faults.url }, log: (line) => void logs.push(line.slice(0, 2000)) });
  port = Number(new URL(gateway.urls[0]!.url).port);
});
afterAll(async () => {
  await gateway?.close();
  await faults?.close();
});

async function get(path: string): Promise<{ status: number; json: () => unknown; text: string; ms: number }> {
  const started = Date.now();
  const { data } = await rawExchange(port, `GET /t${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, { maxMs: 20_000, quietMs: 2_000 });
  const [response] = parseResponses(data);
  const text = response?.body.toString() ?? "";
  return { status: response?.status ?? 0, text, json: () => JSON.parse(text), ms: Date.now() - started };
}

describe("faults behind the gateway", features(["robustness.faults"], { referenceOnly: true }), () => {
  it("Lambda handlers that throw, reject, hang, spin, exit, run out of memory, return 100 MB or flood stdout: 502, then served again", async () => {
    expect((await get("/fault?mode=ok")).status).toBe(200);
    const fdsBefore = openFds();
    const modes = ["throw", "reject", "hang", "spin", "exit", "oom", "big", "stdout"];
    const answers = await Promise.all(modes.map((mode) => get(`/fault?mode=${mode}`)));
    for (const [i, answer] of answers.entries()) {
      // Spec §6.2: a proxy integration whose function fails is 502 {"message": "Internal server error"}.
      expect(answer.status, `${modes[i]}: ${answer.text}`).toBe(502);
      expect(answer.json()).toEqual({ message: "Internal server error" });
      // Timeout: 2 in the template; nothing may wait much longer than that.
      expect(answer.ms, modes[i]).toBeLessThan(8_000);
    }
    // The failed environments were replaced: the function answers again, several times and concurrently.
    const after = await Promise.all([1, 2, 3, 4].map(() => get("/fault?mode=ok")));
    for (const answer of after) expect(answer.status).toBe(200);
    expect(openFds() - fdsBefore).toBeLessThan(20);
  }, 60_000);

  it("HTTP backends that reset, stall, speak malformed HTTP: the right 5xx, and no socket left open", async () => {
    const cases: Array<[string, number[], string]> = [
      ["reset", [502, 504], ""],
      ["malformed", [502, 504], ""],
      ["bad-length", [502, 504], ""],
      // timeoutInMillis 1500: spec §10, 504 {"message": "Endpoint request timed out"}
      ["stall", [504], "Endpoint request timed out"],
      ["stall-headers", [504], "Endpoint request timed out"],
    ];
    for (const [path, statuses, message] of cases) {
      const answer = await get(`/backend/${path}`);
      expect(statuses, `${path}: ${answer.status} ${answer.text}`).toContain(answer.status);
      const body = answer.json() as { message?: string };
      expect(typeof body.message).toBe("string");
      if (message) expect(body.message).toBe(message);
    }
    expect((await get("/backend/ok")).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    // Only the healthy, kept-alive connection may remain.
    expect(faults.open()).toBeLessThanOrEqual(1);
  }, 60_000);

  it("a backend that closes its kept-alive sockets right after answering: a request racing the close gets a JSON 5xx, a later one is served", async () => {
    let served = 0;
    for (let i = 0; i < 10; i++) {
      const answer = await get("/backend/close-after");
      // Reusing a socket the backend is closing is a race no client wins every time (RFC 9112 §9.3.1): a 5xx then.
      expect([200, 502, 504], answer.text).toContain(answer.status);
      if (answer.status === 200) served++;
      else expect(typeof (answer.json() as { message?: unknown }).message).toBe("string");
      await new Promise((r) => setTimeout(r, i % 2 === 0 ? 30 : 0));
    }
    expect(served).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 50));
    expect((await get("/backend/close-after")).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect(faults.open()).toBeLessThanOrEqual(1);
  }, 30_000);
});
