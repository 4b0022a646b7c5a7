import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { markdownReport, runBench } from "../bench/run.ts";
import { integerOption, parseCommandArgs, UsageError } from "./args.ts";

/** `gateproof bench`: autocannon scenarios against the reference and the bare node:http floor; reports in reports/bench. */
export async function bench(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    duration: { type: "string" },
    warmup: { type: "string" },
    connections: { type: "string" },
    out: { type: "string" },
  });
  if (positionals.length > 0) throw new UsageError("bench takes no positional arguments");
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
