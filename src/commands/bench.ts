import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { markdownReport, runBench } from "../bench/run.ts";
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
  });
  if (positionals.length > 0) throw new UsageError("bench takes no positional arguments");
  if (values.suite === "throttle") return throttleBench(values);
  // src/bench/soak.ts: --seconds, --rate, --burst as for throttle; report in reports/soak (or --out).
  if (values.suite === "soak") {
    const n = (v: unknown) => (typeof v === "string" ? integerOption(v, "soak option", 0) : undefined);
    return soakCommand(Object.fromEntries(Object.entries({ seconds: n(values.seconds), rate: n(values.rate), burst: n(values.burst) }).filter(([, v]) => v !== undefined)), values.out ?? "reports/soak");
  }
  if (values.suite !== undefined && values.suite !== "rest") throw new UsageError("--suite must be rest (default), throttle or soak");
  const options = {
    durationSeconds: integerOption(values.duration, "duration", 10),
    warmupSeconds: integerOption(values.warmup, "warmup", 2),
    connections: integerOption(values.connections, "connections", 10),
  };
  const report = await runBench(options, (line) => void process.stderr.write(`${line}\n`));
  const dir = values.out ?? "reports/bench";
  await mkdir(dir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, "-");
  const markdown = markdownReport(report);
  await writeFile(join(dir, `${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(dir, `${stamp}.md`), markdown);
  process.stdout.write(markdown);
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
