import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ConformanceReporter } from "./reporter.ts";
import { exitCodeOf, type ConformanceReport } from "./report.ts";
import { ENV, resolveSupport } from "./support.ts";

export interface ConformanceOptions {
  /** REST base URL of a fixture deployment, stage included; undefined = the reference, started in-process. */
  target?: string;
  httpApiUrl?: string;
  wsUrl?: string;
  apiKey?: string;
  name?: string;
  features?: string;
  profiles?: string;
  supportedFeatures?: string;
  exemptFeatures?: string;
  optionsFile?: string;
  reportDir?: string;
  seed?: number;
  /** Path probed until it answers 2xx three times in a row before any test (external targets only). */
  readyPath?: string;
  readyTimeoutMs?: number;
  /** Suite paths to run (default: the scenario and property suites). */
  paths?: string[];
  /** vitest reporters printing to the terminal (default: ["default"]). */
  consoleReporters?: string[];
}

export interface ConformanceRun {
  exitCode: number;
  report?: ConformanceReport;
  written: string[];
}

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Runs the suites programmatically against one target and builds the report. Throws ConformanceConfigError before
 * starting anything when the declaration cannot be read. The environment is what carries the target and the
 * declaration to vitest's workers; it is restored afterwards.
 */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceRun> {
  const env: Record<string, string | undefined> = {
    TARGET_URL: options.target,
    TARGET_HTTP_API_URL: options.httpApiUrl,
    TARGET_WS_URL: options.wsUrl,
    TARGET_API_KEY: options.apiKey,
    GATEPROOF_SEED: options.seed === undefined ? undefined : String(options.seed),
    GATEPROOF_READY_PATH: options.target ? (options.readyPath ?? "/echo") : undefined,
    GATEPROOF_READY_TIMEOUT_MS: options.readyTimeoutMs === undefined ? undefined : String(options.readyTimeoutMs),
    [ENV.features]: options.features,
    [ENV.profiles]: options.profiles,
    [ENV.supported]: options.supportedFeatures,
    [ENV.exempt]: options.exemptFeatures,
    [ENV.options]: options.optionsFile,
  };
  const support = resolveSupport({ ...process.env, ...env } as NodeJS.ProcessEnv);
  const version = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  const name = options.name ?? support.name ?? (options.target ? new URL(options.target).host : "gateproof reference gateway");
  const seed = options.seed ?? (process.env.GATEPROOF_SEED ? Number(process.env.GATEPROOF_SEED) : undefined);
  const reporter = new ConformanceReporter({
    root: ROOT,
    reportDir: options.reportDir,
    support,
    gateproofVersion: version,
    ...(seed !== undefined ? { seed } : {}),
    target: {
      name,
      kind: options.target ? "external" : "reference",
      ...(options.target ? { url: options.target } : {}),
      ...(options.httpApiUrl ? { httpApiUrl: options.httpApiUrl } : {}),
      ...(options.wsUrl ? { wsUrl: options.wsUrl } : {}),
    },
  });

  const saved = new Map(Object.keys(env).map((key) => [key, process.env[key]]));
  for (const [key, value] of Object.entries(env)) if (value !== undefined) process.env[key] = value;
  const exitCodeBefore = process.exitCode;
  try {
    const { startVitest } = await import("vitest/node");
    await startVitest("test", options.paths ?? ["suites/scenario", "suites/property"], {
      root: ROOT,
      config: `${ROOT}suites/vitest.config.ts`,
      run: true,
      watch: false,
      reporters: [...(options.consoleReporters ?? ["default"]), reporter],
    });
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    process.exitCode = exitCodeBefore;
  }
  if (!reporter.report) return { exitCode: 2, written: [] };
  // Nothing ran (a setup that threw, a suite that does not load): a broken run, not a conformance result.
  if (reporter.report.tests.length === 0) return { exitCode: 2, written: reporter.written };
  return { exitCode: exitCodeOf(reporter.report), report: reporter.report, written: reporter.written };
}
