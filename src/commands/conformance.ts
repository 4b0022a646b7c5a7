import { integerOption, parseCommandArgs, UsageError } from "./args.ts";
import { runConformance } from "../conformance/run.ts";
import { ConformanceConfigError } from "../conformance/support.ts";

function urlOption(value: string | undefined, name: string, protocols: RegExp): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (!URL.canParse(value) || !protocols.test(new URL(value).protocol)) throw new UsageError(`--${name} expects a URL (${protocols.source}), got ${JSON.stringify(value)}`);
  return value.replace(/\/+$/, "");
}

/**
 * `gateproof conformance`: the scenario and property suites against a target (default: the reference, in-process),
 * with reports in --report-dir. Exit code 0 when every supported feature passes, 1 on failures, 2 on configuration
 * errors (options, unknown features, a target that never answered).
 */
export async function conformance(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    target: { type: "string" },
    "http-api-url": { type: "string" },
    "ws-url": { type: "string" },
    "api-key": { type: "string" },
    name: { type: "string" },
    features: { type: "string", multiple: true },
    profiles: { type: "string", multiple: true },
    "supported-features": { type: "string", multiple: true },
    "exempt-features": { type: "string", multiple: true },
    options: { type: "string" },
    "report-dir": { type: "string" },
    seed: { type: "string" },
    "ready-path": { type: "string" },
    "ready-timeout": { type: "string" },
  });
  const join = (list: string[] | undefined) => (list === undefined ? undefined : list.join(","));
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw new UsageError(`--seed expects an integer, got ${JSON.stringify(values.seed)}`);
  try {
    const run = await runConformance({
      target: urlOption(values.target ?? process.env.TARGET_URL, "target", /^https?:$/),
      httpApiUrl: urlOption(values["http-api-url"] ?? process.env.TARGET_HTTP_API_URL, "http-api-url", /^https?:$/),
      wsUrl: urlOption(values["ws-url"] ?? process.env.TARGET_WS_URL, "ws-url", /^wss?:$/),
      apiKey: values["api-key"] ?? process.env.TARGET_API_KEY,
      name: values.name,
      features: join(values.features),
      profiles: join(values.profiles),
      supportedFeatures: join(values["supported-features"]),
      exemptFeatures: join(values["exempt-features"]),
      optionsFile: values.options,
      reportDir: values["report-dir"],
      ...(seed !== undefined ? { seed } : {}),
      readyPath: values["ready-path"],
      readyTimeoutMs: values["ready-timeout"] === undefined ? undefined : integerOption(values["ready-timeout"], "ready-timeout", 60) * 1000,
      paths: positionals.length > 0 ? positionals : undefined,
    });
    if (!run.report || run.exitCode === 2) {
      process.stderr.write("gateproof conformance: the suites did not run (see the error above: an unreachable target or a broken setup)\n");
      return 2;
    }
    const s = run.report.summary;
    process.stdout.write(
      `\ngateproof conformance: ${run.report.target.name}: ${s.passed} passed, ${s.failed} failed, ${s.notSupported} not supported` +
        `${s.referenceOnly ? `, ${s.referenceOnly} reference-only` : ""}${s.skipped ? `, ${s.skipped} skipped` : ""}${s.errors ? `, ${s.errors} errors outside tests` : ""}` +
        `${s.untagged.total ? `; untagged: ${s.untagged.passed} passed, ${s.untagged.failed} failed of ${s.untagged.total}` : ""}\n` +
        run.report.profiles.map((p) => `  ${p.name.padEnd(13)} core: ${p.core.result.padEnd(11)} extended: ${p.extended.result}\n`).join("") +
        (run.written.length > 0 ? `reports: ${run.written.join(", ")}\n` : ""),
    );
    return run.exitCode;
  } catch (error) {
    if (error instanceof ConformanceConfigError) throw new UsageError(error.message);
    throw error;
  }
}
