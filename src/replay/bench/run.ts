import autocannon from "autocannon";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { startBareServer } from "../../bench/processes.ts";
import type { WireRequest } from "../send/outgoing.ts";
import { RawClient } from "../send/raw.ts";
import { measureReplay } from "./replay-process.ts";
import { writeBenchTraffic } from "./traffic-file.ts";

export interface ReplayBenchOptions {
  /** Entries in the memory run (the target: 1,000,000 under 200 MB). */
  entries: number;
  /** Paced run: requests per second and seconds. */
  rate: number;
  seconds: number;
  /** Connections for both `--speed max` and autocannon. */
  connections: number;
  /** autocannon's measured seconds, per run. */
  autocannonSeconds: number;
  /**
   * Throughput rounds: each is a `--speed max` replay of `throughputEntries` between two autocannon runs. Sized so
   * the replay runs about as long as an autocannon run: a shorter one weighs its first second (compiling what the
   * warm-up could not foresee, heap growth) more than autocannon's figure weighs its own.
   */
  throughputRounds: number;
  throughputEntries: number;
}

export interface ThroughputRound {
  replayRequestsPerSecond: number;
  /** The replay's timed section (first send to last answer), s: about autocannon's run length, as the rounds are sized. */
  replaySeconds: number;
  autocannonBefore: number;
  autocannonAfter: number;
  /** Replay ÷ the mean of the autocannon runs either side of it. */
  ratio: number;
  /**
   * Client CPU per request, µs (user + system): the replay's beyond its start-up and warm-up (less a 1,000-entry
   * replay's CPU), autocannon's the bench process's CPU over its run ÷ its requests (mean of the two runs).
   * Steadier than req/s on a shared machine: it is what the client costs, not what share of the CPUs it got.
   */
  replayCpuUsPerRequest: number;
  autocannonCpuUsPerRequest: number;
}

export interface ReplayBenchReport {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string; loadAverageAtEnd: number[] };
  options: ReplayBenchOptions;
  memory: { entries: number; peakRssMb: number; requestsPerSecond: number; differingRequests: number; exitCode: number | null };
  pacing: { rate: number; seconds: number; requests: number; lagMs: { p50: number; p99: number; max: number }; intendedRate: number; achievedRate: number };
  throughput: {
    entries: number;
    rounds: ThroughputRound[];
    /** Median of the rounds' ratios: on a shared machine one busy moment moves one round, not the figure. */
    ratio: number;
    clientLoopRequestsPerSecond: number;
    /** The client loop ÷ the mean of all autocannon runs. */
    clientLoopRatio: number;
    /** Medians over the rounds of the CPU figures (see ThroughputRound). */
    replayCpuUsPerRequest: number;
    autocannonCpuUsPerRequest: number;
  };
  targets: { rssUnder200Mb: boolean; lagP99Under2Ms: boolean; maxAtLeast08xAutocannon: boolean };
}

const ANSWER = '{"message":"hello"}';
/** Entries in the replay whose CPU is taken for start-up and warm-up. */
const SMALL_REPLAY = 1000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

interface CannonRun {
  requestsPerSecond: number;
  /** This process's CPU (user + system) over the run ÷ the requests it completed, µs. */
  cpuUsPerRequest: number;
}

async function autocannonRun(url: string, seconds: number, connections: number): Promise<CannonRun> {
  const cpu = process.cpuUsage();
  const result = await new Promise<autocannon.Result>((resolve, reject) =>
    autocannon({ url, duration: seconds, connections, pipelining: 1 }, (error, result) => (error ? reject(error) : resolve(result))),
  );
  const used = process.cpuUsage(cpu);
  return { requestsPerSecond: result.requests.average, cpuUsPerRequest: (used.user + used.system) / Math.max(1, result.requests.total) };
}

/**
 * The ceiling of the HTTP client the replayer uses (the raw-socket client, for http targets): the same request in a
 * callback loop, same connections, same server. It separates the replayer's own cost from the client's.
 */
async function clientLoop(url: string, seconds: number, connections: number): Promise<number> {
  const base = new URL(url);
  const client = new RawClient(base, connections);
  await client.preconnect(connections);
  const request: WireRequest = { method: "GET", path: "/item/1", headers: [["accept", "application/json"]], body: undefined };
  const end = performance.now() + seconds * 1000;
  let count = 0;
  await new Promise<void>((resolve) => {
    let running = connections;
    const next = (): void => {
      if (performance.now() >= end) {
        if (--running === 0) resolve();
        return;
      }
      client.send(request, () => {
        count++;
        next();
      });
    };
    for (let i = 0; i < connections; i++) next();
  });
  await client.close();
  return count / seconds;
}

/**
 * The three replay targets, against one bare node:http server in its own process (the floor, so the figures are
 * the replayer's own): memory over a 1,000,000-entry gzipped JSONL at --speed max (comparing every answer with
 * the recorded one), send lag at a fixed rate, and --speed max against autocannon on the same server.
 */
export async function runReplayBench(options: ReplayBenchOptions, progress: (line: string) => void): Promise<ReplayBenchReport> {
  const startedAt = new Date().toISOString();
  const dir = await mkdtemp(join(os.tmpdir(), "gateproof-replay-bench-"));
  const server = await startBareServer();
  try {
    progress(`writing ${options.entries} entries …`);
    const big = join(dir, "million.jsonl.gz");
    await writeBenchTraffic(big, options.entries, 0.01, ANSWER);
    const paced = join(dir, "paced.jsonl.gz");
    await writeBenchTraffic(paced, options.rate * options.seconds, 1000 / options.rate, ANSWER);

    progress("autocannon (warm-up) …");
    await autocannonRun(server.url, 1, options.connections);
    progress("client loop …");
    const clientRate = await clientLoop(server.url, options.autocannonSeconds, options.connections);

    // Throughput in rounds, autocannon before and after each replay: on a shared machine a measurement minutes away
    // from the other is not "the same run".
    const throughputFile = join(dir, "throughput.jsonl.gz");
    await writeBenchTraffic(throughputFile, options.throughputEntries, 0.01, ANSWER);
    const maxArgs = ["--target", server.url, "--speed", "max", "--concurrency", String(options.connections)];
    // The CPU a replay spends before and after its timed section (start-up, warm-up, report), to subtract.
    const smallFile = join(dir, "small.jsonl.gz");
    await writeBenchTraffic(smallFile, SMALL_REPLAY, 0.01, ANSWER);
    const overhead = await measureReplay([smallFile, ...maxArgs], join(dir, "small"));
    const cannon = [await autocannonRun(server.url, options.autocannonSeconds, options.connections)];
    const rounds: ThroughputRound[] = [];
    for (let round = 1; round <= options.throughputRounds; round++) {
      progress(`throughput round ${round}: replay --speed max of ${options.throughputEntries} entries, then autocannon …`);
      const replayed = await measureReplay([throughputFile, ...maxArgs], join(dir, `throughput-${round}`));
      cannon.push(await autocannonRun(server.url, options.autocannonSeconds, options.connections));
      const [before, after] = cannon.slice(-2) as [CannonRun, CannonRun];
      const rate = replayed.report.timing.achievedRate;
      rounds.push({
        replayRequestsPerSecond: rate,
        replaySeconds: replayed.report.timing.durationS,
        autocannonBefore: before.requestsPerSecond,
        autocannonAfter: after.requestsPerSecond,
        ratio: rate / ((before.requestsPerSecond + after.requestsPerSecond) / 2),
        replayCpuUsPerRequest: ((replayed.cpuSeconds - overhead.cpuSeconds) * 1e6) / (replayed.report.timing.requests - overhead.report.timing.requests),
        autocannonCpuUsPerRequest: (before.cpuUsPerRequest + after.cpuUsPerRequest) / 2,
      });
    }
    const ratio = median(rounds.map((r) => r.ratio));

    progress(`replay --speed max of ${options.entries} entries (memory) …`);
    const memory = await measureReplay([big, "--target", server.url, "--speed", "max", "--concurrency", String(options.connections)], join(dir, "memory"));

    progress(`replay at ${options.rate} req/s for ${options.seconds} s …`);
    const pacing = await measureReplay([paced, "--target", server.url, "--speed", "1", "--no-compare"], join(dir, "pacing"));
    const lag = pacing.report.timing.lagMs!;

    const cpus = os.cpus();
    return {
      startedAt,
      machine: { cpus: cpus.length, cpuModel: cpus[0]?.model ?? "unknown", memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}`, loadAverageAtEnd: os.loadavg() },
      options,
      memory: { entries: memory.report.timing.requests, peakRssMb: memory.peakRssMb, requestsPerSecond: memory.report.timing.achievedRate, differingRequests: memory.report.totals.differingRequests, exitCode: memory.exitCode },
      pacing: { rate: options.rate, seconds: options.seconds, requests: pacing.report.timing.requests, lagMs: lag, intendedRate: pacing.report.timing.intendedRate ?? 0, achievedRate: pacing.report.timing.achievedRate },
      throughput: {
        entries: options.throughputEntries,
        rounds,
        ratio,
        clientLoopRequestsPerSecond: clientRate,
        clientLoopRatio: clientRate / (cannon.reduce((sum, run) => sum + run.requestsPerSecond, 0) / cannon.length),
        replayCpuUsPerRequest: median(rounds.map((r) => r.replayCpuUsPerRequest)),
        autocannonCpuUsPerRequest: median(rounds.map((r) => r.autocannonCpuUsPerRequest)),
      },
      targets: { rssUnder200Mb: memory.peakRssMb < 200, lagP99Under2Ms: lag.p99 < 2, maxAtLeast08xAutocannon: ratio >= 0.8 },
    };
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const yes = (ok: boolean) => (ok ? "met" : "**missed**");

export function replayBenchMarkdown(report: ReplayBenchReport): string {
  const { memory, pacing, throughput, targets } = report;
  return [
    `# gateproof replay benchmark, ${report.startedAt}`,
    "",
    `Machine: ${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memoryGb} GiB, Node ${report.machine.node}, ${report.machine.platform}.`,
    "Target: a bare node:http server in its own process (loopback), answering the recorded bytes. Each replay is `gateproof replay` in its own process; peak RSS is its VmHWM.",
    "",
    "| target | measured | goal | |",
    "|---|---|---|---|",
    `| memory, ${memory.entries} JSONL entries (gzip), --speed max, compared with the recorded answers | peak RSS ${memory.peakRssMb} MB | < 200 MB | ${yes(targets.rssUnder200Mb)} |`,
    `| send lag at ${pacing.rate} req/s for ${pacing.seconds} s (${pacing.requests} requests) | p50 ${pacing.lagMs.p50.toFixed(3)} ms, p99 ${pacing.lagMs.p99.toFixed(3)} ms, max ${pacing.lagMs.max.toFixed(3)} ms; ${pacing.achievedRate.toFixed(1)} req/s achieved of ${pacing.intendedRate.toFixed(1)} | p99 < 2 ms | ${yes(targets.lagP99Under2Ms)} |`,
    `| --speed max vs autocannon, ${report.options.connections} connections each: ${throughput.rounds.length} rounds of a ${throughput.entries}-entry replay (comparing every answer), autocannon (${report.options.autocannonSeconds} s) before and after each; per round: replay req/s (its timed seconds) vs autocannon before/after → ratio | ${throughput.rounds.map((r) => `${Math.round(r.replayRequestsPerSecond)} (${r.replaySeconds.toFixed(1)} s) vs ${Math.round(r.autocannonBefore)}/${Math.round(r.autocannonAfter)} → ${r.ratio.toFixed(2)}×`).join("; ")}; median ${throughput.ratio.toFixed(2)}× | ≥ 0.8× | ${yes(targets.maxAtLeast08xAutocannon)} |`,
    `| client CPU per request (user + system), same rounds: the replay's beyond start-up and warm-up (its CPU less a ${SMALL_REPLAY}-entry replay's), autocannon's over its runs | ${throughput.rounds.map((r) => `${r.replayCpuUsPerRequest.toFixed(1)} vs ${r.autocannonCpuUsPerRequest.toFixed(1)} µs`).join("; ")}; median ${throughput.replayCpuUsPerRequest.toFixed(1)} vs ${throughput.autocannonCpuUsPerRequest.toFixed(1)} µs | (for the ratio above) | |`,
    "",
    "Warm-up on both sides: every replay first runs its whole path on a throwaway local server (never the measured one) and times only what follows; autocannon runs in the bench's own process after a 1 s warm-up run. The replay's rate is its sends over the timed section, autocannon's its mean per-second count. A round's replay is sized to run about as long as an autocannon run (its timed seconds are shown): a replay much shorter than autocannon's run counts its first second, when V8 is still compiling for the real traffic, several times more.",
    `For scale: the replayer's HTTP client alone (the raw-socket client in a callback loop, one request over and over, no source, no comparison) reached ${Math.round(throughput.clientLoopRequestsPerSecond)} req/s (${throughput.clientLoopRatio.toFixed(2)}× the mean of the autocannon runs); the memory run replayed at ${Math.round(memory.requestsPerSecond)} req/s.`,
    `Machine load average when the run ended: ${report.machine.loadAverageAtEnd.map((l) => l.toFixed(2)).join(", ")} (other work on a shared machine shows in every figure).`,
    "",
    `The memory run compared every answer with its recording: ${memory.differingRequests} requests differed beyond noise (exit code ${memory.exitCode}).`,
    "",
    "Regenerate: `npx gateproof replay-bench` (options: `--entries N --rate R --seconds S --connections N --rounds N --round-entries N --out DIR`).",
    "",
  ].join("\n");
}
