/**
 * Soak: `gateproof serve` (a child process, measured from outside) under an open-loop mixed workload at `factor` ×
 * the stage throttle limit for `seconds`. Samples every second the 429 share, the gateway's RSS and its open file
 * descriptors; reports the trend (least-squares slope over the run after warm-up) against stated bounds in
 * reports/soak/. Run: `gateproof bench --suite soak [--seconds 60] [--rate 50]` or `tsx src/bench/soak.ts`.
 */
import { spawn } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { join } from "node:path";
import { Pool } from "undici";
import { rssMb } from "./processes.ts";

export interface SoakOptions {
  seconds: number;
  /** Stage throttle rate (requests/s) and burst; the load is `factor` × rate. */
  rate: number;
  burst: number;
  factor: number;
  /** Seconds left out of the trend (JIT, pools and caches filling). */
  warmupSeconds: number;
  /** Bounds the verdict checks: growth of the post-GC RSS floor from the first to the last window after warm-up, fds. */
  maxRssGrowthMb: number;
  maxFdGrowth: number;
}

export const DEFAULT_SOAK: SoakOptions = { seconds: 60, rate: 25, burst: 25, factor: 5, warmupSeconds: 10, maxRssGrowthMb: 32, maxFdGrowth: 10 };

interface Sample {
  second: number;
  sent: number;
  ok: number;
  throttled: number;
  otherStatus: number;
  failed: number;
  rssMb: number;
  fds: number;
}

export interface SoakReport {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string };
  options: SoakOptions;
  workload: string;
  totals: { sent: number; ok: number; throttled: number; otherStatus: number; failed: number; throttledShare: number; statuses: Record<string, number> };
  throttledShareBy10s: number[];
  /** slopeMbPerMin: of every sample; floorSlopeMbPerMin: of each 10 s window's minimum (the post-GC floor, the leak signal). */
  rss: { startMb: number; endMb: number; maxMb: number; slopeMbPerMin: number; floorSlopeMbPerMin: number; floorsMb: number[] };
  fds: { start: number; end: number; max: number };
  samples: Sample[];
  verdict: { rssFlat: boolean; fdsFlat: boolean; no5xx: boolean; noFailures: boolean; pass: boolean };
}

const TEMPLATE = new URL("./soak-template.yaml", import.meta.url).pathname;
const CLI = new URL("../gateproof.mjs", import.meta.url).pathname;

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

/** An echo backend for the HTTP_PROXY routes: answers with the size of what it got. */
function startEcho(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    let size = 0;
    req.on("data", (c: Buffer) => (size += c.length));
    req.on("end", () => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ method: req.method, url: req.url, size }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      }),
    ),
  );
}

const BODY = JSON.stringify({ items: Array.from({ length: 50 }, (_, i) => ({ id: i, name: `item-${i}`, tags: ["a", "b"] })) });
/** The mix: [weight, method, path, body?, headers?]. */
const MIX: Array<[number, "GET" | "POST", string, string | undefined, Record<string, string> | undefined]> = [
  [29, "GET", "/mock", undefined, undefined],
  [29, "GET", "/fn?n=1", undefined, undefined],
  [15, "GET", "/echo/a/b?x=1", undefined, undefined],
  [15, "POST", "/echo/items", BODY, { "content-type": "application/json" }],
  [7, "GET", "/keyed", undefined, { "x-api-key": "not-a-key" }],
  [5, "GET", "/nowhere", undefined, undefined],
];
/**
 * Stage method settings for "/*" "*" give every method its own bucket (as on AWS; /echo's ANY is one method for GET
 * and POST), so "5 × the limit" means each of the three throttled methods above (88 % of the mix) receives 5 × rate;
 * the 403s are refused before throttling.
 */
const THROTTLED_METHODS = 3;
const THROTTLED_SHARE = 0.88;
const WEIGHTS = MIX.reduce((s, [w]) => s + w, 0);

export async function runSoak(options: SoakOptions, log: (line: string) => void): Promise<SoakReport> {
  const startedAt = new Date().toISOString();
  const echo = await startEcho();
  const urlsFile = join(os.tmpdir(), `gateproof-soak-urls-${process.pid}.json`);
  await rm(urlsFile, { force: true });
  const child = spawn(process.execPath, [CLI, "serve", TEMPLATE, "--port", "0", "--urls-file", urlsFile, "--parameter-overrides", `EchoUrl=${echo.url}`, `Rate=${options.rate}`, `Burst=${options.burst}`], { stdio: ["ignore", "ignore", "inherit"] });
  const stopChild = async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  };
  try {
    const deadline = Date.now() + 60_000;
    let base: string | undefined;
    while (!base) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error("gateproof serve did not start");
      // The file may be read while it is being written: a partial one is read again.
      base = await readFile(urlsFile, "utf8").then((t) => (JSON.parse(t) as Array<{ url: string }>)[0]?.url).catch(() => undefined);
      if (!base) await new Promise((r) => setTimeout(r, 100));
    }
    const url = new URL(base);
    const pool = new Pool(url.origin, { connections: 64, pipelining: 1 });
    const statuses: Record<string, number> = {};
    const samples: Sample[] = [];
    // Each second's bucket is the sample itself: answers arriving later still count for the second they were sent in.
    const fresh = (): Sample => ({ second: 0, sent: 0, ok: 0, throttled: 0, otherStatus: 0, failed: 0, rssMb: 0, fds: 0 });
    let current = fresh();
    let pick = 0;
    const fire = () => {
      const r = (pick = (pick + 37) % WEIGHTS);
      let acc = 0;
      const [, method, path, body, headers] = MIX.find(([w]) => (acc += w) > r)!;
      const bucket = current;
      bucket.sent++;
      pool.request({ method, path: `${url.pathname}${path}`, body, headers }).then(
        async (response) => {
          await response.body.dump();
          statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
          if (response.statusCode === 429) bucket.throttled++;
          else if (response.statusCode < 300) bucket.ok++;
          else bucket.otherStatus++;
        },
        () => void bucket.failed++,
      );
    };
    const perSecond = Math.round((options.rate * options.factor * THROTTLED_METHODS) / THROTTLED_SHARE);
    log(`soak: ${options.seconds} s at ${perSecond} req/s (${options.factor} × throttle rate ${options.rate} on each of ${THROTTLED_METHODS} methods, burst ${options.burst}) against ${base}`);
    const started = Date.now();
    // Open loop: a tick every 10 ms sends what is due by then, whatever the answers do.
    let due = 0;
    const ticker = setInterval(() => {
      const target = Math.floor(((Date.now() - started) / 1000) * perSecond);
      for (; due < target; due++) fire();
    }, 10);
    for (let second = 1; second <= options.seconds; second++) {
      await new Promise((r) => setTimeout(r, started + second * 1000 - Date.now()));
      const done = current;
      current = fresh();
      const [rss, fds] = await Promise.all([rssMb(child.pid!).then((mb) => mb ?? Number.NaN), readdir(`/proc/${child.pid}/fd`).then((l) => l.length)]);
      samples.push(Object.assign(done, { second, rssMb: Math.round(rss * 10) / 10, fds }));
      if (second % 10 === 0) log(`  ${second} s: RSS ${rss.toFixed(1)} MB, ${fds} fds, 429 share ${(done.throttled / Math.max(1, done.sent)).toFixed(2)}`);
    }
    clearInterval(ticker);
    await new Promise((r) => setTimeout(r, 1_000));
    await pool.close();

    const sum = (key: keyof Omit<Sample, "second" | "rssMb" | "fds">) => samples.reduce((s, x) => s + x[key], 0);
    const totals = { sent: sum("sent"), ok: sum("ok"), throttled: sum("throttled"), otherStatus: sum("otherStatus"), failed: sum("failed"), throttledShare: 0, statuses };
    totals.throttledShare = Math.round((totals.throttled / Math.max(1, totals.sent)) * 1000) / 1000;
    const windows: number[] = [];
    for (let i = 0; i < samples.length; i += 10) {
      const w = samples.slice(i, i + 10);
      windows.push(Math.round((w.reduce((s, x) => s + x.throttled, 0) / Math.max(1, w.reduce((s, x) => s + x.sent, 0))) * 1000) / 1000);
    }
    const steady = samples.filter((s) => s.second > options.warmupSeconds);
    const rssSlope = slope(steady.map((s) => [s.second / 60, s.rssMb]));
    const floors: Array<[number, number]> = [];
    for (let i = 0; i < steady.length; i += 10) {
      const w = steady.slice(i, i + 10);
      if (w.length >= 5) floors.push([w[0]!.second / 60, Math.min(...w.map((x) => x.rssMb))]);
    }
    const floorSlope = slope(floors);
    const fdsAfterWarmup = steady[0]?.fds ?? samples[0]!.fds;
    const report: SoakReport = {
      startedAt,
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "unknown", memoryGb: Math.round(os.totalmem() / 1024 ** 3), node: process.version },
      options,
      workload: MIX.map(([w, m, p]) => `${w}% ${m} ${p}`).join(", "),
      totals,
      throttledShareBy10s: windows,
      rss: { startMb: samples[0]!.rssMb, endMb: samples.at(-1)!.rssMb, maxMb: Math.max(...samples.map((s) => s.rssMb)), slopeMbPerMin: Math.round(rssSlope * 100) / 100, floorSlopeMbPerMin: Math.round(floorSlope * 100) / 100, floorsMb: floors.map(([, y]) => y) },
      fds: { start: samples[0]!.fds, end: samples.at(-1)!.fds, max: Math.max(...samples.map((s) => s.fds)) },
      samples,
      verdict: { rssFlat: false, fdsFlat: false, no5xx: false, noFailures: false, pass: false },
    };
    // Over a minute the V8 heap's sawtooth (tens of MB) swamps any slope; the floor's net growth is the bound.
    report.verdict.rssFlat = floors.length < 2 || floors.at(-1)![1] - floors[0]![1] <= options.maxRssGrowthMb;
    report.verdict.fdsFlat = report.fds.end - fdsAfterWarmup <= options.maxFdGrowth;
    report.verdict.no5xx = Object.keys(statuses).every((s) => Number(s) < 500);
    report.verdict.noFailures = totals.failed === 0;
    report.verdict.pass = report.verdict.rssFlat && report.verdict.fdsFlat && report.verdict.no5xx && report.verdict.noFailures;
    return report;
  } finally {
    await stopChild();
    await echo.close();
    await rm(urlsFile, { force: true });
  }
}

export function soakMarkdown(r: SoakReport): string {
  const v = (ok: boolean) => (ok ? "yes" : "**NO**");
  return [
    `# Soak ${r.startedAt}`,
    "",
    `Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGb} GB, Node ${r.machine.node}. Gateway: \`gateproof serve src/bench/soak-template.yaml\` in its own process, loopback.`,
    `Load: ${r.options.seconds} s open-loop at ${Math.round((r.options.rate * r.options.factor * THROTTLED_METHODS) / THROTTLED_SHARE)} req/s: ${r.options.factor} × the per-method stage throttle (rate ${r.options.rate}, burst ${r.options.burst}) on each of ${THROTTLED_METHODS} methods; mix: ${r.workload}. Expected 429 share ≈ ${(THROTTLED_SHARE * (1 - 1 / r.options.factor)).toFixed(2)}.`,
    "",
    "| figure | value |",
    "| --- | --- |",
    `| requests sent | ${r.totals.sent} |`,
    `| statuses | ${Object.entries(r.totals.statuses).map(([s, n]) => `${s}: ${n}`).join(", ")} |`,
    `| 429 share (whole run) | ${r.totals.throttledShare} |`,
    `| 429 share per 10 s | ${r.throttledShareBy10s.join(", ")} |`,
    `| client-side failures (no HTTP answer) | ${r.totals.failed} |`,
    `| gateway RSS start / end / max | ${r.rss.startMb} / ${r.rss.endMb} / ${r.rss.maxMb} MB |`,
    `| RSS trend after ${r.options.warmupSeconds} s warm-up, all samples (least squares; GC sawtooth included) | ${r.rss.slopeMbPerMin} MB/min |`,
    `| RSS floor per 10 s window (post-GC minimum) | ${r.rss.floorsMb.join(", ")} MB |`,
    `| RSS floor trend (least squares, for information) | ${r.rss.floorSlopeMbPerMin} MB/min |`,
    `| RSS floor growth, first to last window (the leak signal) | ${r.rss.floorsMb.length > 1 ? Math.round((r.rss.floorsMb.at(-1)! - r.rss.floorsMb[0]!) * 10) / 10 : 0} MB (bound ${r.options.maxRssGrowthMb}) |`,
    `| gateway open fds start / end / max | ${r.fds.start} / ${r.fds.end} / ${r.fds.max} (growth bound ${r.options.maxFdGrowth} after warm-up) |`,
    "",
    `Verdict: RSS flat ${v(r.verdict.rssFlat)}, fds flat ${v(r.verdict.fdsFlat)}, no 5xx ${v(r.verdict.no5xx)}, every request answered ${v(r.verdict.noFailures)} → **${r.verdict.pass ? "PASS" : "FAIL"}**.`,
    "",
  ].join("\n");
}

/** Writes the report to `dir` (reports/soak by default); returns the exit code (0 pass, 1 fail). */
export async function soakCommand(options: Partial<SoakOptions>, dir = "reports/soak"): Promise<number> {
  const report = await runSoak({ ...DEFAULT_SOAK, ...options }, (line) => void process.stderr.write(`${line}\n`));
  await mkdir(dir, { recursive: true });
  const stamp = `soak-${report.startedAt.replace(/[:.]/g, "-")}`;
  const markdown = soakMarkdown(report);
  await writeFile(join(dir, `${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(dir, `${stamp}.md`), markdown);
  process.stdout.write(markdown);
  return report.verdict.pass ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const options: Partial<SoakOptions> = {};
  for (const key of ["seconds", "rate", "burst", "factor"] as const) if (arg(key) !== undefined) options[key] = arg(key)!;
  process.exitCode = await soakCommand(options);
}
