/**
 * "WebSocket round-trip messages/s": `gateproof serve` on fixture/websocket.yaml in its own process; N ws clients
 * each send a message and wait for the two-way route's answer (a Lambda proxy integration in a worker thread)
 * before sending the next. Warm-up round, then the measured round. Every answer is checked. The account limit is
 * raised as for the REST routes (BENCH_ACCOUNT_LIMIT): AWS's default 10,000 messages/s would otherwise turn the
 * round trip into throttle error frames once the gateway is faster than that.
 */
import { spawn } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import type { BenchOptions, ScenarioResult } from "./run.ts";
import { BENCH_ACCOUNT_LIMIT, rssMb } from "./processes.ts";

const here = dirname(fileURLToPath(import.meta.url));
const EXPECTED = '{"message":"hello"}';

async function serve(): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const urlsFile = join(tmpdir(), `gateproof-bench-ws-urls-${process.pid}.json`);
  await rm(urlsFile, { force: true });
  const child = spawn(process.execPath, [join(here, "../gateproof.mjs"), "serve", join(here, "fixture/websocket.yaml"), "--port", "0", "--urls-file", urlsFile, "--account-rate-limit", String(BENCH_ACCOUNT_LIMIT.rate), "--account-burst-limit", String(BENCH_ACCOUNT_LIMIT.burst)], { stdio: ["ignore", "ignore", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error("the WebSocket bench gateway exited");
    try {
      const urls = JSON.parse(await readFile(urlsFile, "utf8")) as Array<{ url: string; type: string }>;
      const url = urls.find((u) => u.type === "WEBSOCKET")?.url;
      if (url) return { url, pid: child.pid!, stop: async () => void (child.kill("SIGTERM"), await exited, await rm(urlsFile, { force: true })) };
    } catch {
      // not written yet
    }
    if (Date.now() - started > 15_000) {
      child.kill("SIGTERM");
      throw new Error("the WebSocket bench gateway did not start within 15 s");
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

/** One client's send-and-wait loop until `until`; latencies in ms. */
function loop(ws: WebSocket, until: number, latencies: number[]): Promise<number> {
  return new Promise((resolve, reject) => {
    let count = 0;
    let sentAt = 0;
    const send = () => {
      if (Date.now() >= until) {
        ws.off("message", onMessage);
        resolve(count);
        return;
      }
      sentAt = performance.now();
      ws.send('{"action":"bench"}');
    };
    const onMessage = (data: Buffer) => {
      if (data.toString("utf8") !== EXPECTED) {
        reject(new Error(`unexpected answer ${data.toString("utf8").slice(0, 200)}`));
        return;
      }
      latencies.push(performance.now() - sentAt);
      count++;
      send();
    };
    ws.on("message", onMessage);
    send();
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 100) / 100;
}


export async function measureWebSocketRoundTrip(options: BenchOptions): Promise<ScenarioResult> {
  const server = await serve();
  const sockets: WebSocket[] = [];
  try {
    const clients = Math.max(1, Math.min(options.connections, 50));
    for (let i = 0; i < clients; i++) sockets.push(await open(server.url));
    await Promise.all(sockets.map((ws) => loop(ws, Date.now() + options.warmupSeconds * 1000, [])));
    const latencies: number[] = [];
    const started = Date.now();
    const counts = await Promise.all(sockets.map((ws) => loop(ws, started + options.durationSeconds * 1000, latencies)));
    const seconds = (Date.now() - started) / 1000;
    const total = counts.reduce((a, b) => a + b, 0);
    latencies.sort((a, b) => a - b);
    return {
      scenario: `reference: WebSocket round trip (two-way $default, Lambda proxy), ${clients} clients, messages/s`,
      target: server.url,
      requestsPerSecond: total / seconds,
      latencyMs: { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: percentile(latencies, 100) },
      requests: total,
      non2xx: 0,
      errors: 0,
      timeouts: 0,
      serverRssMb: await rssMb(server.pid),
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    await server.stop();
  }
}
