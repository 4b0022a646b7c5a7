/**
 * Throttle benchmarks (`gateproof bench --suite throttle`, or `npm run bench -- --suite throttle`):
 *
 *  accuracy  an open-loop generator sends at `overload` × the limit for `seconds` to one MOCK route with method
 *            settings rate R / burst B, and counts the 200s. A token bucket admits B + R·t over the window t between
 *            the first and the last admitted arrival, as the gateway stamped them ($context.requestTimeEpoch, ms; at
 *            overload the bucket is empty after the burst, so the last admission is when its last token came);
 *            the report gives admitted − expected (±1 in one process is the target; ms stamps add ±R/1000). The
 *            default burst (500 = 2.5 s of rate) keeps an event-loop stall of the gateway on a busy machine from
 *            overflowing the bucket, which would (correctly) admit fewer and blur the measurement. Once against one gateway
 *            process on the memory store, once against two gateway processes sharing one redis-server (requests
 *            alternate between them), when redis-server is installed.
 *  soak      the same at 5× for `soakSeconds` against one process, reporting its RSS at start and end and the
 *            request rate achieved (the limit must keep holding; memory must stay flat).
 *
 * Each gateway runs in its own process (`gateproof serve`), so the generator does not share its event loop.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import os from "node:os";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import { redisAvailable, startRedis } from "./redis-server.ts";
import { rssMb } from "./processes.ts";

export interface ThrottleBenchOptions {
  rate: number;
  burst: number;
  seconds: number;
  overload: number;
  soakSeconds: number;
}

export const DEFAULT_THROTTLE_BENCH: ThrottleBenchOptions = { rate: 200, burst: 500, seconds: 5, overload: 5, soakSeconds: 20 };

export interface AccuracyResult {
  mode: string;
  instances: number;
  limit: { rate: number; burst: number };
  offeredRps: number;
  sent: number;
  admitted: number;
  throttled: number;
  other: number;
  /** First to last admitted arrival, on the gateway's clock (ms resolution). */
  windowSeconds: number;
  /** First to last request sent, on the generator's clock. */
  clientWindowSeconds: number;
  expected: number;
  /** admitted − expected, in requests. */
  error: number;
  /** error / expected. */
  relativeError: number;
}

export interface SoakResult {
  seconds: number;
  offeredRps: number;
  achievedRps: number;
  sent: number;
  admitted: number;
  expected: number;
  error: number;
  rssMb: { start: number | undefined; end: number | undefined; every5s: Array<number | undefined> };
}

export interface ThrottleBenchReport {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; node: string };
  options: ThrottleBenchOptions;
  accuracy: AccuracyResult[];
  soak?: SoakResult;
  notes: string[];
}

const here = new URL(".", import.meta.url).pathname;

interface Gateway {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function startServe(options: ThrottleBenchOptions, store?: string): Promise<Gateway> {
  const urlsFile = join(tmpdir(), `gateproof-bench-throttle-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  const args = [join(here, "../gateproof.mjs"), "serve", join(here, "fixture/throttle.yaml"), "--port", "0", "--urls-file", urlsFile, "--parameter-overrides", `Rate=${options.rate}`, `Burst=${options.burst}`];
  if (store) args.push("--store", store);
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "inherit"] });
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateproof serve exited with code ${child.exitCode}`);
    try {
      const urls = JSON.parse(await readFile(urlsFile, "utf8")) as Array<{ url: string }>;
      const stop = async () => {
        if (child.exitCode === null) await new Promise<void>((resolve) => (child.once("exit", () => resolve()), child.kill("SIGTERM")));
        await rm(urlsFile, { force: true });
      };
      return { url: urls[0]!.url, pid: child.pid!, stop };
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error("gateproof serve did not start within 20 s");
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}


/** Open loop: request i leaves at start + i / rps whatever the answers do; returns the statuses and the send window. */
async function drive(urls: string[], rps: number, seconds: number): Promise<{ statuses: number[]; windowSeconds: number; admittedAt: number[] }> {
  const agent = new Agent({ connections: 64, pipelining: 1, keepAliveTimeout: 30_000 });
  const n = Math.round(rps * seconds);
  const statuses: number[] = new Array(n);
  const admittedAt: number[] = [];
  // Open the connections first, on a path no route matches (403 before the throttle step: it takes no token), so
  // connection set-up does not delay the first measured requests.
  await Promise.all(Array.from({ length: 64 }, (_, i) => request(`${urls[i % urls.length]!.replace(/\/limited$/, "")}/warm-up`, { dispatcher: agent }).then((r) => r.body.dump())));
  const pending: Array<Promise<void>> = [];
  const start = performance.now();
  let first = 0;
  let last = 0;
  for (let i = 0; i < n; i++) {
    const due = start + (i * 1000) / rps;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const sentAt = performance.now();
    if (i === 0) first = sentAt;
    last = sentAt;
    pending.push(
      request(urls[i % urls.length]!, { dispatcher: agent })
        .then(async (response) => {
          const text = await response.body.text();
          statuses[i] = response.statusCode;
          if (response.statusCode === 200) admittedAt.push((JSON.parse(text) as { t: number }).t);
        })
        .catch(() => void (statuses[i] = 0)),
    );
  }
  await Promise.all(pending);
  await agent.close();
  return { statuses, windowSeconds: (last - first) / 1000, admittedAt };
}

async function accuracy(mode: string, gateways: Gateway[], options: ThrottleBenchOptions): Promise<AccuracyResult> {
  // Warm the route with one request, then let the bucket fill again before the measured run.
  for (const g of gateways) for (let i = 0; i < 20; i++) await request(`${g.url}/limited`).then((r) => r.body.dump());
  await new Promise((r) => setTimeout(r, Math.ceil((1000 * (options.burst + 1)) / options.rate) + 200));
  const offered = options.rate * options.overload;
  const { statuses, windowSeconds: clientWindow, admittedAt } = await drive(gateways.map((g) => `${g.url}/limited`), offered, options.seconds);
  const admitted = statuses.filter((s) => s === 200).length;
  const throttled = statuses.filter((s) => s === 429).length;
  // The window as the gateway saw it: from the first to the last admitted arrival (ms clock of the gateway). At
  // overload the bucket is empty from the burst on, so the last admission is when its last token came.
  const windowSeconds = admittedAt.length > 1 ? (Math.max(...admittedAt) - Math.min(...admittedAt)) / 1000 : 0;
  const expected = options.burst + options.rate * windowSeconds;
  return {
    mode,
    instances: gateways.length,
    limit: { rate: options.rate, burst: options.burst },
    offeredRps: offered,
    sent: statuses.length,
    admitted,
    throttled,
    other: statuses.length - admitted - throttled,
    windowSeconds: Math.round(windowSeconds * 1000) / 1000,
    clientWindowSeconds: Math.round(clientWindow * 1000) / 1000,
    expected: Math.round(expected * 100) / 100,
    error: Math.round((admitted - expected) * 100) / 100,
    relativeError: Math.round(((admitted - expected) / expected) * 10_000) / 10_000,
  };
}

export async function runThrottleBench(options: ThrottleBenchOptions, progress: (line: string) => void): Promise<ThrottleBenchReport> {
  const report: ThrottleBenchReport = {
    startedAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "unknown", node: process.version },
    options,
    accuracy: [],
    notes: [],
  };
  progress(`throttle accuracy: memory store, 1 instance, ${options.overload}× a ${options.rate}/s (burst ${options.burst}) limit for ${options.seconds} s`);
  const single = await startServe(options);
  try {
    report.accuracy.push(await accuracy("memory store, 1 process", [single], options));
    if (options.soakSeconds > 0) {
      progress(`soak: ${options.overload}× the limit for ${options.soakSeconds} s`);
      await new Promise((r) => setTimeout(r, Math.ceil((1000 * options.burst) / options.rate) + 200));
      const start = await rssMb(single.pid);
      const offered = options.rate * options.overload;
      const began = performance.now();
      const samples: Array<number | undefined> = [];
      const sampler = setInterval(() => void rssMb(single.pid).then((mb) => samples.push(mb)), 5000);
      const { statuses, admittedAt } = await drive([`${single.url}/limited`], offered, options.soakSeconds).finally(() => clearInterval(sampler));
      const windowSeconds = admittedAt.length > 1 ? (Math.max(...admittedAt) - Math.min(...admittedAt)) / 1000 : 0;
      const took = (performance.now() - began) / 1000;
      const admitted = statuses.filter((s) => s === 200).length;
      const expected = options.burst + options.rate * windowSeconds;
      report.soak = {
        seconds: options.soakSeconds,
        offeredRps: offered,
        achievedRps: Math.round(statuses.length / took),
        sent: statuses.length,
        admitted,
        expected: Math.round(expected * 100) / 100,
        error: Math.round((admitted - expected) * 100) / 100,
        rssMb: { start, end: await rssMb(single.pid), every5s: samples },
      };
    }
  } finally {
    await single.stop();
  }
  if (redisAvailable()) {
    progress("throttle accuracy: Redis store, 2 instances");
    const redis = await startRedis();
    const pair = [await startServe(options, redis.url), await startServe(options, redis.url)];
    try {
      report.accuracy.push(await accuracy("redis store, 2 processes (requests alternate)", pair, options));
    } finally {
      await Promise.all(pair.map((g) => g.stop()));
      await redis.stop();
    }
  } else report.notes.push("redis-server is not installed: the 2-instance Redis run was skipped");
  return report;
}

export function throttleMarkdown(report: ThrottleBenchReport): string {
  const lines = [
    `# Throttle benchmark ${report.startedAt}`,
    "",
    `Machine: ${report.machine.cpus} × ${report.machine.cpuModel}, Node ${report.machine.node}. Made by \`gateproof bench --suite throttle\` (src/bench/throttle.ts).`,
    "",
    "| mode | limit (rate/burst) | offered req/s | sent | admitted | expected B + R·t | error | relative |",
    "|---|---|---|---|---|---|---|---|",
    ...report.accuracy.map((a) => `| ${a.mode} | ${a.limit.rate}/${a.limit.burst} | ${a.offeredRps} | ${a.sent} | ${a.admitted} | ${a.expected} (t = ${a.windowSeconds} s) | ${a.error} | ${(a.relativeError * 100).toFixed(2)}% |`),
  ];
  if (report.soak) {
    const s = report.soak;
    lines.push("", `Soak: ${s.offeredRps} req/s offered for ${s.seconds} s, ${s.achievedRps} req/s achieved, ${s.sent} sent, ${s.admitted} admitted (expected ${s.expected}, error ${s.error}); gateway RSS ${s.rssMb.start} MB → ${s.rssMb.end} MB (every 5 s: ${s.rssMb.every5s.join(", ")}).`);
  }
  for (const note of report.notes) lines.push("", `Note: ${note}`);
  return `${lines.join("\n")}\n`;
}
