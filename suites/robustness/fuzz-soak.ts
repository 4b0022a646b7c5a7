/**
 * The soak profile of the fuzzers (`npm run fuzz:soak`): `--runs` (default 100,000) hostile HTTP requests and as many
 * malformed/smuggling raw-socket cases (fuzz-cases.ts) against one `gateproof serve` child process, in `--lanes`
 * concurrent fast-check runs (lane i uses seed + i, so any failure replays alone with its seed and path). Verdict:
 * zero crashes (the process never exits; node's default `--unhandled-rejections=throw` makes an unhandled rejection
 * an exit too), zero unhandled rejections or uncaught exceptions in its output, every answer well-formed and
 * AWS-shaped, nothing smuggled, and a /mock request still served at the end. Writes `<out>/fuzz-<time>.{json,md}`.
 *
 *   npx tsx suites/robustness/fuzz-soak.ts [--runs 100000] [--seed N] [--lanes 8] [--out reports/fuzz]
 */
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { startEchoBackend } from "../harness/echo-backend.ts";
import { checkHostileRequest, checkMalformedRequest, hostileRequest, malformedRequest, STAGE, type FuzzTarget } from "./fuzz-cases.ts";
import { openFds, parseResponses, rawExchange, ROBUSTNESS_SECRETS, ROBUSTNESS_TEMPLATE, rssOf, serveInChild } from "./harness.ts";

const { values } = parseArgs({ options: { runs: { type: "string" }, seed: { type: "string" }, lanes: { type: "string" }, out: { type: "string" } } });
const runs = Number(values.runs ?? 100_000);
const lanes = Math.max(1, Number(values.lanes ?? 8));
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const outDir = values.out ?? "reports/fuzz";
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) throw new Error("--runs and --seed must be integers");

/** Lines in the gateway's output that mean something escaped the request lifecycle. */
const ESCAPES = /Unhandled|unhandledRejection|uncaughtException|UnhandledPromiseRejection|unexpected failure serving|could not answer/;

let runnerRejections = 0;
process.on("unhandledRejection", (reason) => {
  runnerRejections++;
  process.stderr.write(`fuzz-soak: unhandled rejection in the runner: ${String(reason)}\n`);
});

const backend = await startEchoBackend();
const gateway = await serveInChild(ROBUSTNESS_TEMPLATE, ["--parameter-overrides", `EchoUrl=${backend.url}`, `FaultUrl=${backend.url}`]);
const port = Number(new URL(gateway.urls[0]!.url).port);
const pid = gateway.child.pid!;
const escapes: string[] = [];
let carry = "";
const scan = (chunk: Buffer) => {
  const lines = (carry + chunk.toString()).split("\n");
  carry = lines.pop()!;
  for (const line of lines) if (ESCAPES.test(line) && escapes.length < 50) escapes.push(line.slice(0, 500));
};
gateway.child.stdout!.on("data", scan);
gateway.child.stderr!.on("data", scan);

const started = { rssMb: (await rssOf(pid)) / 2 ** 20, fds: openFds(pid) };
const outcomes: Record<string, Record<string, number>> = { hostile: {}, malformed: {} };
const latencies: Record<string, number[]> = { hostile: [], malformed: [] };
const target = (kind: "hostile" | "malformed"): FuzzTarget => ({
  port,
  assertAlive() {
    const exit = gateway.exited();
    if (exit) throw new Error(`gateway exited ${JSON.stringify(exit)}: ${gateway.output().slice(-3000)}`);
  },
  backendSaw: (marker) => backend.received.some((r) => r.url.includes(marker)),
  tally: (outcome) => void (outcomes[kind]![String(outcome)] = (outcomes[kind]![String(outcome)] ?? 0) + 1),
});

interface LaneResult { kind: string; seed: number; numRuns: number; failed: boolean; counterexamplePath: string | null; error: string | undefined }

async function lane<T>(kind: "hostile" | "malformed", arbitrary: fc.Arbitrary<T>, check: (t: FuzzTarget, value: T) => Promise<void>, laneSeed: number, numRuns: number): Promise<LaneResult> {
  const t = target(kind);
  const details = await fc.check(
    fc.asyncProperty(arbitrary, async (value) => {
      const at = performance.now();
      await check(t, value);
      latencies[kind]!.push(performance.now() - at);
    }),
    { numRuns, seed: laneSeed, endOnFailure: false },
  );
  const error = details.failed ? `${String(details.errorInstance ?? "")}\ncounterexample: ${fc.stringify(details.counterexample).slice(0, 2000)}` : undefined;
  return { kind, seed: laneSeed, numRuns: details.numRuns, failed: details.failed, counterexamplePath: details.counterexamplePath, error };
}

const perLane = (i: number) => Math.floor(runs / lanes) + (i < runs % lanes ? 1 : 0);
const t0 = performance.now();
const results: LaneResult[] = [];
for (const [kind, arbitrary, check] of [["hostile", hostileRequest, checkHostileRequest], ["malformed", malformedRequest, checkMalformedRequest]] as const) {
  const at = performance.now();
  const progress = setInterval(() => process.stderr.write(`fuzz-soak: ${kind} ${latencies[kind]!.length}/${runs}\n`), 30_000);
  results.push(...(await Promise.all(Array.from({ length: lanes }, (_, i) => lane(kind, arbitrary as fc.Arbitrary<unknown>, check as (t: FuzzTarget, v: unknown) => Promise<void>, seed + i, perLane(i))))));
  clearInterval(progress);
  process.stderr.write(`fuzz-soak: ${kind} done, ${latencies[kind]!.length} cases in ${((performance.now() - at) / 1000).toFixed(1)} s\n`);
}
const seconds = (performance.now() - t0) / 1000;

// Still serving another client, and the secrets the fuzzers sent are not in the output.
const { data } = await rawExchange(port, `GET ${STAGE}/mock HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
const stillServing = parseResponses(data)[0]?.status === 200;
const ended = gateway.exited() ? undefined : { rssMb: (await rssOf(pid)) / 2 ** 20, fds: openFds(pid) };
const secretsInOutput = Object.values(ROBUSTNESS_SECRETS).filter((secret) => gateway.output().includes(secret));
const exitAfterRun = gateway.exited();
const stop = await gateway.stop();
await backend.close();

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const failures = results.filter((r) => r.failed);
const report = {
  kind: "FuzzSoakReport",
  startedAt: new Date(Date.now() - seconds * 1000).toISOString(),
  command: `npx tsx suites/robustness/fuzz-soak.ts --runs ${runs} --seed ${seed} --lanes ${lanes}`,
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "", node: process.version, loadAverage: os.loadavg().map((l) => Math.round(l * 10) / 10) },
  seed,
  lanes,
  runsPerFuzzer: runs,
  cases: { hostile: latencies.hostile!.length, malformed: latencies.malformed!.length },
  runSeconds: Math.round(seconds),
  latencyMs: Object.fromEntries(Object.entries(latencies).map(([k, xs]) => [k, { p50: percentile(xs, 50), p99: percentile(xs, 99), max: percentile(xs, 100) }])),
  outcomes,
  gateway: { crashed: exitAfterRun ?? null, exitOnSigterm: stop, escapesInOutput: escapes, secretsInOutput, start: started, end: ended ?? null },
  runnerUnhandledRejections: runnerRejections,
  stillServing,
  failures,
  pass: failures.length === 0 && !exitAfterRun && stop.code === 0 && escapes.length === 0 && secretsInOutput.length === 0 && runnerRejections === 0 && stillServing,
};

const round = (n: number) => Math.round(n * 10) / 10;
const outcomeLine = (o: Record<string, number>) => Object.entries(o).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}: ${v}`).join(", ");
const markdown = `# Fuzz soak ${report.startedAt}

\`${report.command}\` — **${report.pass ? "PASS" : "FAIL"}**

| figure | value |
|---|---|
| hostile HTTP requests (fast-check, raw sockets) | ${report.cases.hostile} |
| malformed framing / smuggling cases | ${report.cases.malformed} |
| seed (lane i: seed + i), lanes | ${seed}, ${lanes} |
| run time | ${report.runSeconds} s |
| gateway crashes / exits during the run | ${exitAfterRun ? JSON.stringify(exitAfterRun) : 0} |
| unhandled rejections, uncaught exceptions, unexpected failures in the gateway's output | ${escapes.length} |
| unhandled rejections in the runner | ${runnerRejections} |
| failed properties (malformed or non-AWS-shaped answer, two answers, smuggling, crash) | ${failures.length} |
| secrets of the fixture in the gateway's output | ${secretsInOutput.length} |
| /mock served after the run; exit on SIGTERM | ${stillServing ? "yes" : "NO"}; code ${stop.code} |
| gateway RSS start → end | ${round(started.rssMb)} MB → ${ended ? `${round(ended.rssMb)} MB` : "-"} |
| gateway open fds start → end | ${started.fds} → ${ended?.fds ?? "-"} |
| latency per case p50 / p99 / max (hostile) | ${Object.values(report.latencyMs.hostile!).map(round).join(" / ")} ms |
| latency per case p50 / p99 / max (malformed) | ${Object.values(report.latencyMs.malformed!).map(round).join(" / ")} ms |

Answers by status (\`closed\` = closed without an answer, allowed only for a request that never completed):

- hostile: ${outcomeLine(outcomes.hostile!)}
- malformed: ${outcomeLine(outcomes.malformed!)}

Machine: ${report.machine.cpus} × ${report.machine.cpuModel}, Node ${report.machine.node}, load average at the end ${report.machine.loadAverage.join(" ")} (shared with other work).
${failures.map((f) => `\n## Failure: ${f.kind}, seed ${f.seed}, path ${f.counterexamplePath}\n\n\`\`\`\n${f.error}\n\`\`\`\n`).join("")}${escapes.length ? `\n## Escapes in the gateway's output\n\n\`\`\`\n${escapes.join("\n")}\n\`\`\`\n` : ""}`;

await mkdir(outDir, { recursive: true });
const stem = join(outDir, `fuzz-${report.startedAt.replace(/[:.]/g, "-")}`);
await writeFile(`${stem}.json`, `${JSON.stringify(report, null, 2)}\n`);
await writeFile(`${stem}.md`, markdown);
process.stdout.write(`${markdown}\nwritten ${stem}.{json,md}\n`);
process.exit(report.pass ? 0 : 1);
