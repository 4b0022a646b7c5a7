import autocannon from "autocannon";
import { readFile } from "node:fs/promises";
import os from "node:os";
import { startBareServer, startReferenceGateway, type ServerProcess } from "./processes.ts";
import { measureWebSocketRoundTrip } from "./websocket.ts";

export interface BenchOptions {
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
}

export interface ScenarioResult {
  scenario: string;
  target: string;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  serverRssMb: number | undefined;
}

export interface BenchReport {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string };
  options: BenchOptions;
  placement: string;
  results: ScenarioResult[];
}

const EXPECTED_BODY = '{"message":"hello"}';

async function rssMb(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 102.4) / 10 : undefined;
  } catch {
    return undefined;
  }
}

/** A benchmark that measures a wrong answer measures nothing: check the bytes first. */
async function verify(url: string, headers: Record<string, string>): Promise<void> {
  const response = await fetch(url, { headers });
  const body = await response.text();
  if (response.status !== 200 || body !== EXPECTED_BODY) throw new Error(`${url} answered ${response.status} ${body.slice(0, 200)}; expected 200 ${EXPECTED_BODY}`);
}

function load(url: string, seconds: number, connections: number, headers: Record<string, string>): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ url, duration: seconds, connections, pipelining: 1, headers }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

async function measure(scenario: string, server: ServerProcess, path: string, options: BenchOptions, headers: Record<string, string> = {}): Promise<ScenarioResult> {
  const url = server.url + path;
  await verify(url, headers);
  await load(url, options.warmupSeconds, options.connections, headers);
  const result = await load(url, options.durationSeconds, options.connections, headers);
  return {
    scenario,
    target: url,
    requestsPerSecond: result.requests.average,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    serverRssMb: await rssMb(server.pid),
  };
}

/**
 * The scenarios of the REST core, each against its own server process, side by side with the floor:
 * a bare node:http server returning the same bytes. Warm-up round first, then the measured round.
 */
export async function runBench(options: BenchOptions, progress: (line: string) => void): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const results: ScenarioResult[] = [];
  const bare = await startBareServer();
  try {
    progress("bare node:http …");
    results.push(await measure("bare node:http (floor)", bare, "/", options));
  } finally {
    await bare.stop();
  }
  const gateway = await startReferenceGateway();
  try {
    progress("reference MOCK …");
    results.push(await measure("reference: MOCK integration", gateway, "/mock", options));
    progress("reference Lambda proxy …");
    results.push(await measure("reference: Lambda proxy (worker thread)", gateway, "/lambda", options));
    progress("reference HTTP API Lambda route …");
    // The same function behind an HTTP API (payload 2.0, $default stage): its own port, no stage prefix.
    results.push(await measure("reference: HTTP API Lambda route (payload 2.0)", { ...gateway, url: gateway.httpApiUrl! }, "/lambda", options));
    progress("reference Lambda custom with VTL …");
    results.push(await measure("reference: Lambda custom, VTL request + response templates", gateway, "/vtl?name=ada&lang=en", options));
    progress("reference cache hit …");
    // The Lambda proxy route /cached with the stage cache on: after the first call every request is a cache hit.
    results.push(await measure("reference: response cache hit (Lambda proxy behind it, TTL 3600 s)", gateway, "/cached", options));
    progress("reference cached Lambda authorizer …");
    // One token throughout: after the first call every request is a cache hit plus a policy evaluation (MOCK behind it).
    results.push(await measure("reference: cached Lambda authorizer (TOKEN, TTL 300 s), MOCK behind it", gateway, "/authorized", options, { Authorization: "bench-token" }));
  } finally {
    await gateway.stop();
  }
  progress("reference WebSocket round trip …");
  results.push(await measureWebSocketRoundTrip(options));
  const cpus = os.cpus();
  return {
    startedAt,
    machine: { cpus: cpus.length, cpuModel: cpus[0]?.model ?? "unknown", memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` },
    options,
    placement: "load generator (autocannon) in the bench process, each server in its own child process; no core pinning",
    results,
  };
}

export function markdownReport(report: BenchReport): string {
  const floor = report.results[0]!.requestsPerSecond;
  const rows = report.results.map(
    (r) =>
      `| ${r.scenario} | ${Math.round(r.requestsPerSecond)} | ${Math.round((r.requestsPerSecond / floor) * 100)}% | ${r.latencyMs.p50} | ${r.latencyMs.p99} | ${r.non2xx} | ${r.errors + r.timeouts} | ${r.serverRssMb ?? "?"} |`,
  );
  return [
    `# gateproof benchmark, ${report.startedAt}`,
    "",
    `Machine: ${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memoryGb} GiB, Node ${report.machine.node}, ${report.machine.platform}.`,
    `Load: autocannon, ${report.options.connections} connections, ${report.options.warmupSeconds} s warm-up then ${report.options.durationSeconds} s measured per scenario. Placement: ${report.placement}.`,
    "Every route answers the same 19-byte JSON body; each target is checked for the exact bytes before it is measured.",
    "",
    "| scenario | req/s | of floor | p50 ms | p99 ms | non-2xx | errors | server RSS MB |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...rows,
    "",
    "Regenerate: `npm run bench` (options: `--duration S --warmup S --connections N --out DIR`).",
    "",
  ].join("\n");
}
