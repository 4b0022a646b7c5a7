import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { collapsedEndpoint, definitionEndpoints } from "../replay/compare/endpoints.ts";
import { noiseRules, readIgnoreFile } from "../replay/compare/noise.ts";
import { DEFAULT_THRESHOLDS } from "../replay/compare/tally.ts";
import { htmlReport } from "../replay/report/html.ts";
import { markdownReport } from "../replay/report/markdown.ts";
import { hasDifferences } from "../replay/report/model.ts";
import { startProgress, type ProgressState } from "../replay/report/progress.ts";
import { runReplay } from "../replay/run.ts";
import type { Speed } from "../replay/schedule/scheduler.ts";
import { loadTransform } from "../replay/transforms/index.ts";
import { integerOption, parseCommandArgs, UsageError } from "./args.ts";

function speedOption(value: string | undefined): Speed {
  if (value === undefined) return 1;
  if (value === "max") return "max";
  const speed = Number(value);
  if (!Number.isFinite(speed) || speed <= 0) throw new UsageError(`--speed expects a positive number or max, got ${JSON.stringify(value)}`);
  return speed;
}

function urlOption(value: string | undefined, name: string): URL | undefined {
  if (value === undefined) return undefined;
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) throw new UsageError(`--${name} expects an http(s) URL, got ${JSON.stringify(value)}`);
  return new URL(value);
}

function percentOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) throw new UsageError(`--${name} expects a percentage, got ${JSON.stringify(value)}`);
  return number;
}

/**
 * `gateproof replay`: sends recorded traffic to a target on the recorded schedule and compares the answers;
 * exit code 1 when anything beyond noise differs.
 */
export async function replay(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    target: { type: "string" },
    speed: { type: "string" },
    concurrency: { type: "string" },
    transform: { type: "string", multiple: true },
    compare: { type: "string" },
    secondary: { type: "string" },
    "no-compare": { type: "boolean" },
    ignore: { type: "string", multiple: true },
    "ignore-file": { type: "string", multiple: true },
    "no-builtin-noise": { type: "boolean" },
    "threshold-relative": { type: "string" },
    "threshold-absolute": { type: "string" },
    template: { type: "string" },
    format: { type: "string" },
    "on-bad-input": { type: "string" },
    "report-dir": { type: "string" },
  });
  const [source, ...extra] = positionals;
  if (!source || extra.length > 0) throw new UsageError("replay takes exactly one traffic file");
  const target = urlOption(values.target, "target");
  if (!target) throw new UsageError("replay needs --target <url>");
  const compare = urlOption(values.compare, "compare");
  const secondary = urlOption(values.secondary, "secondary");
  if (secondary && !compare) throw new UsageError("--secondary needs --compare (the candidate)");
  if (values.format !== undefined && !["har", "jsonl", "access-log"].includes(values.format)) throw new UsageError(`--format expects har, jsonl or access-log`);
  const onBadInput = values["on-bad-input"] ?? "skip";
  if (onBadInput !== "skip" && onBadInput !== "fatal") throw new UsageError("--on-bad-input expects skip or fatal");
  const speed = speedOption(values.speed);
  const concurrency = integerOption(values.concurrency, "concurrency", speed === "max" ? 10 : 256);
  if (concurrency < 1) throw new UsageError("--concurrency must be at least 1");

  const userNoise = [...(values.ignore ?? []).map((path) => ({ path, why: "--ignore" }))];
  for (const file of values["ignore-file"] ?? []) userNoise.push(...(await readIgnoreFile(file)));
  const transforms = await Promise.all((values.transform ?? []).map(async (spec) => ({ spec, transform: await loadTransform(spec) })));
  const progress: ProgressState = { sent: 0, errors: 0, differing: 0, lastLagMs: undefined };
  const stopProgress = startProgress(progress);
  let report;
  try {
    report = await runReplay({
      source,
      format: values.format as "har" | undefined,
      onBadInput,
      target,
      compare,
      secondary,
      noCompare: values["no-compare"],
      speed,
      concurrency,
      transforms,
      noise: noiseRules(userNoise, !values["no-builtin-noise"]),
      thresholds: {
        relative: percentOption(values["threshold-relative"], "threshold-relative", DEFAULT_THRESHOLDS.relative),
        absolute: percentOption(values["threshold-absolute"], "threshold-absolute", DEFAULT_THRESHOLDS.absolute),
      },
      endpointOf: values.template ? await definitionEndpoints(values.template) : collapsedEndpoint,
      onBadInputReport: (bad) => void process.stderr.write(`gateproof replay: skipped ${bad.origin}: ${bad.reason}\n`),
      progress,
    });
  } finally {
    stopProgress();
  }
  const markdown = markdownReport(report);
  if (values["report-dir"]) {
    await mkdir(values["report-dir"], { recursive: true });
    await writeFile(join(values["report-dir"], "replay.json"), `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(join(values["report-dir"], "replay.md"), markdown);
    await writeFile(join(values["report-dir"], "replay.html"), htmlReport(report));
  }
  process.stdout.write(markdown);
  return hasDifferences(report) ? 1 : 0;
}

/** `gateproof replay-bench`: the replayer's three targets (memory, send lag, throughput); reports in reports/replay. */
export async function replayBench(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    entries: { type: "string" },
    rate: { type: "string" },
    seconds: { type: "string" },
    connections: { type: "string" },
    rounds: { type: "string" },
    "round-entries": { type: "string" },
    out: { type: "string" },
  });
  if (positionals.length > 0) throw new UsageError("replay-bench takes no positional arguments");
  // Imported here: `replay` must not load autocannon and the bench's process helpers (resident memory is a target).
  const { replayBenchMarkdown, runReplayBench } = await import("../replay/bench/run.ts");
  const report = await runReplayBench(
    {
      entries: integerOption(values.entries, "entries", 1_000_000),
      rate: integerOption(values.rate, "rate", 2000),
      seconds: integerOption(values.seconds, "seconds", 10),
      connections: integerOption(values.connections, "connections", 10),
      autocannonSeconds: 5,
      throughputRounds: integerOption(values.rounds, "rounds", 3),
      throughputEntries: integerOption(values["round-entries"], "round-entries", 250_000),
    },
    (line) => void process.stderr.write(`${line}\n`),
  );
  const dir = values.out ?? "reports/replay";
  await mkdir(dir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, "-");
  const markdown = replayBenchMarkdown(report);
  await writeFile(join(dir, `${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(dir, `${stamp}.md`), markdown);
  process.stdout.write(markdown);
  return 0;
}
