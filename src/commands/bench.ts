import { mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { benchChartSvg, chartFile } from "../bench/chart.ts";
import { actionBenchmark, compare, markdownReport, previousReport, reportStem, type Change, type PreviousRun } from "../bench/report.ts";
import { runBench, type BenchReport } from "../bench/run.ts";
import { DEFAULT_THROTTLE_BENCH, runThrottleBench, throttleMarkdown } from "../bench/throttle.ts";
import { soakCommand } from "../bench/soak.ts";
import { integerOption, parseCommandArgs, UsageError } from "./args.ts";

/** `gateproof bench`: autocannon scenarios against the reference and the bare node:http floor; reports in reports/bench. */
export async function bench(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    duration: { type: "string" },
    warmup: { type: "string" },
    connections: { type: "string" },
    out: { type: "string" },
    suite: { type: "string" },
    rate: { type: "string" },
    burst: { type: "string" },
    seconds: { type: "string" },
    "soak-seconds": { type: "string" },
    rounds: { type: "string" },
    "rate-seconds": { type: "string" },
    smoke: { type: "boolean" },
    "no-offline": { type: "boolean" },
    "fail-on-regression": { type: "boolean" },
    "from-json": { type: "string" },
  });
  if (positionals.length > 0) throw new UsageError("bench takes no positional arguments");
  if (values.suite === "throttle") return throttleBench(values);
  // src/bench/soak.ts: --seconds, --rate, --burst as for throttle; report in reports/soak (or --out).
  if (values.suite === "soak") {
    const n = (v: unknown) => (typeof v === "string" ? integerOption(v, "soak option", 0) : undefined);
    return soakCommand(Object.fromEntries(Object.entries({ seconds: n(values.seconds), rate: n(values.rate), burst: n(values.burst) }).filter(([, v]) => v !== undefined)), values.out ?? "reports/soak");
  }
  if (values.suite !== undefined && values.suite !== "rest") throw new UsageError("--suite must be rest (default), throttle or soak");
  if (values["from-json"] !== undefined) return rerender(values["from-json"], values.out);
  const smoke = values.smoke === true;
  const options = {
    durationSeconds: integerOption(values.duration, "duration", smoke ? 2 : 4),
    warmupSeconds: integerOption(values.warmup, "warmup", smoke ? 1 : 2),
    connections: integerOption(values.connections, "connections", 10),
    rounds: Math.max(1, integerOption(values.rounds, "rounds", smoke ? 2 : 3)),
    rate: integerOption(typeof values.rate === "string" ? values.rate : undefined, "rate", 1000),
    rateSeconds: integerOption(values["rate-seconds"], "rate-seconds", smoke ? 3 : 10),
    offline: !smoke && values["no-offline"] !== true,
    smoke,
  };
  const report = await runBench(options, (line) => void process.stderr.write(`${line}\n`));
  const dir = values.out ?? "reports/bench";
  await mkdir(dir, { recursive: true });
  const earlier = await previousReport(dir, report);
  const changes = earlier ? compare(earlier, report) : undefined;
  const previous = earlier && { startedAt: earlier.startedAt, hostname: earlier.machine.hostname };
  const stem = reportStem(report);
  await writeFile(join(dir, `${stem}.json`), `${JSON.stringify({ ...report, changes, previous }, null, 2)}\n`);
  const action = actionBenchmark(report);
  await writeFile(join(dir, `${stem}.action-benchmark.json`), `${JSON.stringify({ customBiggerIsBetter: action.bigger, customSmallerIsBetter: action.smaller }, null, 2)}\n`);
  process.stdout.write(await writeViews(dir, stem, report, changes, previous));
  const worse = (changes ?? []).filter((c) => c.verdict === "worse");
  if (values["fail-on-regression"] === true && worse.length > 0) {
    process.stderr.write(`bench: significant regression in ${worse.map((c) => `${c.id} ${c.figure} (${(c.change * 100).toFixed(1)} %)`).join(", ")}\n`);
    return 1;
  }
  return 0;
}

/** The Markdown report (README.md, smoke: smoke.md) and its SVG chart, by run (<stem>.svg) and at the stable name the Markdown links to. */
async function writeViews(dir: string, stem: string, report: BenchReport, changes: Change[] | undefined, previous: PreviousRun | undefined): Promise<string> {
  const markdown = markdownReport(report, stem, changes, previous);
  const svg = benchChartSvg(report);
  await writeFile(join(dir, `${stem}.svg`), svg);
  await writeFile(join(dir, chartFile(report)), svg);
  await writeFile(join(dir, report.kind === "smoke" ? "smoke.md" : "README.md"), markdown);
  return markdown;
}

/**
 * `gateproof bench --from-json FILE [--out DIR]`: the Markdown report and the chart again from a run's JSON, without
 * measuring anything (the comparison is the one recorded with the run). The run's files keep the name of its JSON.
 */
async function rerender(file: string, out: string | undefined): Promise<number> {
  const report = JSON.parse(await readFile(file, "utf8")) as BenchReport & { changes?: Change[]; previous?: PreviousRun };
  // Runs recorded before the comparison covered server CPU compared 2xx/s only, and their changes do not name it.
  const changes = report.changes?.map((c) => ({ ...c, figure: c.figure ?? "2xx/s" }));
  process.stdout.write(await writeViews(out ?? dirname(file), basename(file, ".json"), report, changes, report.previous));
  return 0;
}

/** `gateproof bench --suite throttle [--rate R] [--burst B] [--seconds S] [--soak-seconds S]`: src/bench/throttle.ts. */
async function throttleBench(values: Record<string, string | boolean | string[] | undefined>): Promise<number> {
  const num = (name: string, fallback: number) => {
    const v = values[name];
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a number ≥ 0`);
    return n;
  };
  const options = {
    ...DEFAULT_THROTTLE_BENCH,
    rate: num("rate", DEFAULT_THROTTLE_BENCH.rate),
    burst: Math.floor(num("burst", DEFAULT_THROTTLE_BENCH.burst)),
    seconds: num("seconds", DEFAULT_THROTTLE_BENCH.seconds),
    soakSeconds: num("soak-seconds", DEFAULT_THROTTLE_BENCH.soakSeconds),
  };
  const report = await runThrottleBench(options, (line) => void process.stderr.write(`${line}\n`));
  const dir = typeof values["out"] === "string" ? values["out"] : "reports/bench";
  await mkdir(dir, { recursive: true });
  const stamp = `throttle-${report.startedAt.replace(/[:.]/g, "-")}`;
  const markdown = throttleMarkdown(report);
  await writeFile(join(dir, `${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(dir, `${stamp}.md`), markdown);
  process.stdout.write(markdown);
  return 0;
}
