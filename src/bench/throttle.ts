/**
 * Throttle benchmarks (`gateproof bench --suite throttle`, or `npm run bench -- --suite throttle`):
 *
 *  accuracy  an open-loop generator sends at `overload` × the limit for `seconds` to one MOCK route with method
 *            settings rate R / burst B, and counts the 200s. The model uses the instants the buckets used: the access
 *            log's $context.gateproof.throttleCheckedAt, µs on the store's clock (the gateway's clock for the memory
 *            store, Redis's TIME for two instances), for every request, admitted or refused. Two figures:
 *              - replay: a real-number token bucket (the definition, not the gateway's integer arithmetic) fed the same
 *                instants in order; admitted − replayed is the gateway's own error, whatever the load;
 *              - bound: a bucket full at an instant admits B + R·t from then to a later refusal, exactly so
 *                (within (B + R·t − 1, B + R·t]) when it never hits its cap in between — the target (±1 in
 *                one process, ±2% for two on Redis). The window runs from the last request that found the bucket
 *                full to the last one refused (both from the replay): a stall while the bucket sits at its cap
 *                (typically the first milliseconds, or a starved gateway) loses refill no token bucket could hand out,
 *                and tokens refilled during a stall just before the run ends find no demand left; a window across
 *                either would blame the gateway for the load generator.
 *            For comparison the report also gives the bound over first..last admission and over the arrival stamps
 *            ($context.requestTimeEpoch, ms), which moves with the time between a request's arrival and its throttle
 *            step, and nothing in the bucket. The default burst (500 = 2.5 s of rate) keeps an event-loop stall of the gateway on a busy machine from
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
  /** 200s the store admitted (answers the fail mode gave are in `unchecked`). */
  admitted: number;
  throttled: number;
  other: number;
  /**
   * Requests answered without the store (it did not answer within its command timeout: the fail mode decided). The
   * figures below are over the others (`admitted` included) — the ones the buckets saw.
   */
  unchecked: number;
  /** What a real-number token bucket admits given the same instants, in order; admitted − replayed. */
  replayed: number;
  replayError: number;
  /**
   * The target's window, on the store's clock: from the last request that found the bucket full to the last one it
   * refused (below its cap and under pressure throughout), the admissions in it, B + R·t, and their difference.
   */
  windowSeconds: number;
  admittedInWindow: number;
  expected: number;
  error: number;
  /** error / expected. */
  relativeError: number;
  /** The same bound over first..last admission, and over the arrival stamps (ms), for comparison. */
  wholeRunError: number;
  arrivalError: number;
  /** First to last request sent, on the generator's clock. */
  clientWindowSeconds: number;
}

export interface SoakResult {
  seconds: number;
  offeredRps: number;
  achievedRps: number;
  sent: number;
  admitted: number;
  unchecked: number;
  expected: number;
  error: number;
  replayError: number;
  rssMb: { start: number | undefined; end: number | undefined; every5s: Array<number | undefined> };
}

export interface ThrottleBenchReport {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; node: string };
  /** os.loadavg() when the run began: the machine is shared, and the figures depend on it. */
  loadAverage: number[];
  options: ThrottleBenchOptions;
  accuracy: AccuracyResult[];
  soak?: SoakResult;
  notes: string[];
}

const here = new URL(".", import.meta.url).pathname;

interface Gateway {
  url: string;
  pid: number;
  /** Its access log: `{"id": requestId, "at": µs when the buckets were checked, or "-"}` per line. */
  accessLog: string;
  stop(): Promise<void>;
}

async function startServe(options: ThrottleBenchOptions, store?: string): Promise<Gateway> {
  const name = join(tmpdir(), `gateproof-bench-throttle-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const urlsFile = `${name}.json`;
  const accessLog = `${name}.access.log`;
  const args = [join(here, "../gateproof.mjs"), "serve", join(here, "fixture/throttle.yaml"), "--port", "0", "--urls-file", urlsFile, "--access-log", accessLog, "--parameter-overrides", `Rate=${options.rate}`, `Burst=${options.burst}`];
  if (store) args.push("--store", store);
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "inherit"] });
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateproof serve exited with code ${child.exitCode}`);
    try {
      const urls = JSON.parse(await readFile(urlsFile, "utf8")) as Array<{ url: string }>;
      const stop = async () => {
        if (child.exitCode === null) await new Promise<void>((resolve) => (child.once("exit", () => resolve()), child.kill("SIGTERM")));
        await Promise.all([rm(urlsFile, { force: true }), rm(accessLog, { force: true })]);
      };
      return { url: urls[0]!.url, pid: child.pid!, accessLog, stop };
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error("gateproof serve did not start within 20 s");
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}


/** A request the throttle step answered: its request id, and for a 200 its arrival stamp (ms). */
interface Answer {
  id: string;
  admitted: boolean;
  arrivedAt?: number;
}

/** Open loop: request i leaves at start + i / rps whatever the answers do; returns the statuses and the send window. */
async function drive(urls: string[], rps: number, seconds: number): Promise<{ statuses: number[]; windowSeconds: number; answers: Answer[] }> {
  const agent = new Agent({ connections: 64, pipelining: 1, keepAliveTimeout: 30_000 });
  const n = Math.round(rps * seconds);
  const statuses: number[] = new Array(n);
  const answers: Answer[] = [];
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
          const id = String(response.headers["x-amzn-requestid"]);
          if (response.statusCode === 200) answers.push({ id, admitted: true, arrivedAt: (JSON.parse(text) as { t: number }).t });
          else if (response.statusCode === 429) answers.push({ id, admitted: false });
        })
        .catch(() => void (statuses[i] = 0)),
    );
  }
  await Promise.all(pending);
  await agent.close();
  return { statuses, windowSeconds: (last - first) / 1000, answers };
}

/** An answer with the instant (µs, store clock) the gateway checked its buckets. */
type Checked = Answer & { at: number };

/**
 * The instants the gateways checked the buckets for these requests, in order, from their access logs (the lines are
 * written as the responses go out; a short wait covers the file stream's buffering), and how many were answered
 * without the store (`-`: it did not answer within its command timeout, and the fail mode served or refused them).
 */
async function checkedAt(gateways: Gateway[], answers: Answer[]): Promise<{ checked: Checked[]; unchecked: number }> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const at = new Map<string, number | undefined>();
    for (const g of gateways) {
      const text = await readFile(g.accessLog, "utf8").catch(() => "");
      for (const line of text.split("\n")) {
        if (!line) continue;
        const entry = JSON.parse(line) as { id: string; at: string };
        at.set(entry.id, entry.at === "-" ? undefined : Number(entry.at));
      }
    }
    const logged = answers.filter((a) => at.has(a.id));
    if (logged.length === answers.length) {
      const checked = logged.flatMap((a) => (at.get(a.id) === undefined ? [] : [{ ...a, at: at.get(a.id)! }]));
      return { checked: checked.sort((x, y) => x.at - y.at), unchecked: answers.length - checked.length };
    }
    if (Date.now() > deadline) throw new Error(`the access logs hold ${logged.length} of the ${answers.length} answers`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** B + R·t over the window from the first to the last of `instants`, and the admitted count's distance from it. */
function bound(options: ThrottleBenchOptions, admitted: number, instants: number[], perSecond: number) {
  let first = Infinity;
  let last = -Infinity;
  for (const t of instants) (first = Math.min(first, t)), (last = Math.max(last, t));
  const windowSeconds = instants.length > 1 ? (last - first) / perSecond : 0;
  const expected = options.burst + options.rate * windowSeconds;
  return { windowSeconds, expected, error: admitted - expected };
}

/**
 * A real-number token bucket, full at the first instant, fed the instants in order: how many it admits, the last
 * request that found it full (from there on it never hit its cap, so nothing it refilled was lost) and the last one
 * that found it without a whole token (up to there, demand used up all it refilled).
 */
function replay(options: ThrottleBenchOptions, checked: Checked[]): { admitted: number; lastFull: number; lastEmpty: number } {
  let tokens = options.burst;
  let previous = checked[0]?.at ?? 0;
  let admitted = 0;
  let lastFull = 0;
  let lastEmpty = checked.length - 1;
  for (const [i, { at }] of checked.entries()) {
    tokens = Math.min(options.burst, tokens + (options.rate * (at - previous)) / 1_000_000);
    previous = at;
    // 1e-9: a token that is whole in exact arithmetic must not be lost to a rounding in the last bit.
    if (tokens >= options.burst - 1e-9) lastFull = i;
    if (tokens >= 1 - 1e-9) {
      tokens -= 1;
      admitted++;
    } else lastEmpty = i;
  }
  return { admitted, lastFull, lastEmpty };
}

/** Both figures for one run (see the header), over the requests the store checked. */
async function measure(options: ThrottleBenchOptions, gateways: Gateway[], answers: Answer[]) {
  const { checked, unchecked } = await checkedAt(gateways, answers);
  const admittedChecked = checked.filter((c) => c.admitted);
  const admitted = admittedChecked.length;
  const onStore = bound(options, admitted, admittedChecked.map((c) => c.at), 1_000_000);
  const onArrival = bound(options, admitted, answers.flatMap((a) => (a.arrivedAt === undefined ? [] : [a.arrivedAt])), 1000);
  const replayed = replay(options, checked);
  // The target's window: from the last request that found the bucket full (a stall while the bucket sits at its cap —
  // typically right at the start — loses refill no token bucket could hand out) to the last one refused for want of a
  // token (after it, the run may end before demand uses what the bucket refilled during a late stall).
  const window = checked.slice(replayed.lastFull, Math.max(replayed.lastFull, replayed.lastEmpty) + 1);
  const inWindow = window.filter((c) => c.admitted).length;
  const sinceFull = { admitted: inWindow, ...bound(options, inWindow, [window[0]?.at ?? 0, window.at(-1)?.at ?? 0], 1_000_000) };
  return { admitted, unchecked, onStore, onArrival, sinceFull, replayed: replayed.admitted, replayError: admitted - replayed.admitted };
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

async function accuracy(mode: string, gateways: Gateway[], options: ThrottleBenchOptions): Promise<AccuracyResult> {
  const offered = options.rate * options.overload;
  // Warm the gateways with 2 s of the same traffic (a cold process — JIT, first access-log writes — answers the first
  // seconds slower than requests come, and a bucket that is not under pressure all along makes the B + R·t bound
  // overstate), then let the bucket fill again before the measured run.
  await drive(gateways.map((g) => `${g.url}/limited`), offered, 2);
  await new Promise((r) => setTimeout(r, Math.ceil((1000 * (options.burst + 1)) / options.rate) + 200));
  const { statuses, windowSeconds: clientWindow, answers } = await drive(gateways.map((g) => `${g.url}/limited`), offered, options.seconds);
  const throttled = statuses.filter((s) => s === 429).length;
  const m = await measure(options, gateways, answers);
  const admitted = m.admitted;
  return {
    unchecked: m.unchecked,
    mode,
    instances: gateways.length,
    limit: { rate: options.rate, burst: options.burst },
    offeredRps: offered,
    sent: statuses.length,
    admitted,
    throttled,
    other: statuses.filter((s) => s !== 200 && s !== 429).length,
    replayed: m.replayed,
    replayError: m.replayError,
    windowSeconds: round(m.sinceFull.windowSeconds, 6),
    admittedInWindow: m.sinceFull.admitted,
    expected: round(m.sinceFull.expected, 2),
    error: round(m.sinceFull.error, 2),
    relativeError: round(m.sinceFull.error / m.sinceFull.expected, 4),
    wholeRunError: round(m.onStore.error, 2),
    arrivalError: round(m.onArrival.error, 2),
    clientWindowSeconds: round(clientWindow, 3),
  };
}

export async function runThrottleBench(options: ThrottleBenchOptions, progress: (line: string) => void): Promise<ThrottleBenchReport> {
  const report: ThrottleBenchReport = {
    startedAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "unknown", node: process.version },
    loadAverage: os.loadavg(),
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
      const { statuses, answers } = await drive([`${single.url}/limited`], offered, options.soakSeconds).finally(() => clearInterval(sampler));
      const took = (performance.now() - began) / 1000;
      const m = await measure(options, [single], answers);
      report.soak = {
        seconds: options.soakSeconds,
        offeredRps: offered,
        achievedRps: Math.round(statuses.length / took),
        sent: statuses.length,
        admitted: m.admitted,
        unchecked: m.unchecked,
        expected: round(m.sinceFull.expected, 2),
        error: round(m.sinceFull.error, 2),
        replayError: m.replayError,
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
    `Load average at the start: ${report.loadAverage.map((l) => l.toFixed(2)).join(", ")} (1, 5, 15 min).`,
    "",
    "Instants: when the store checked each request's buckets (access log `$context.gateproof.throttleCheckedAt`, store clock). Replay: a real-number token bucket fed the same instants (error = admitted − replayed: the gateway's own). Window t: from the last request that found the bucket full to the last one refused (below the cap and under pressure throughout: a stall while the bucket sits full loses refill no bucket could hand out, and one just before the run ends leaves refill no demand uses); error = admissions in it − (B + R·t), the ±1 / ±2% target. For comparison, the same bound over first..last admission and over the arrival stamps (`$context.requestTimeEpoch`).",
    "",
    "Unchecked: answered by the fail mode because the store did not answer within its command timeout (250 ms); the other columns count only the requests the store checked.",
    "",
    "| mode | limit (rate/burst) | offered req/s | sent | unchecked | admitted | error vs replay | t | admitted in t | B + R·t | error | relative | error first..last | error over arrival stamps |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...report.accuracy.map((a) => `| ${a.mode} | ${a.limit.rate}/${a.limit.burst} | ${a.offeredRps} | ${a.sent} | ${a.unchecked} | ${a.admitted} | ${a.replayError} | ${a.windowSeconds} s | ${a.admittedInWindow} | ${a.expected} | ${a.error} | ${(a.relativeError * 100).toFixed(2)}% | ${a.wholeRunError} | ${a.arrivalError} |`),
  ];
  if (report.soak) {
    const s = report.soak;
    lines.push("", `Soak: ${s.offeredRps} req/s offered for ${s.seconds} s, ${s.achievedRps} req/s achieved, ${s.sent} sent, ${s.admitted} admitted, ${s.unchecked} unchecked (bound ${s.expected}, error ${s.error}; error vs replay ${s.replayError}); gateway RSS ${s.rssMb.start} MB → ${s.rssMb.end} MB (every 5 s: ${s.rssMb.every5s.join(", ")}).`);
  }
  for (const note of report.notes) lines.push("", `Note: ${note}`);
  return `${lines.join("\n")}\n`;
}
