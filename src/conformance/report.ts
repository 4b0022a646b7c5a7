import { FEATURE_IDS, FEATURES, GATEWAY_PROFILES, PROFILES, type FeatureId, type Level, type ProfileId } from "./features.ts";
import type { ConformanceMeta, RecordedExchange } from "./meta.ts";
import type { Support } from "./support.ts";

/**
 * The conformance report: one run of the suites against one target. Shaped after the Kubernetes Gateway API
 * ConformanceReport (per profile: core and extended results, statistics, supported and unsupported features), plus
 * every test with its features and, for failures, what was sent, what was expected and what came back.
 */
export type TestStatus = "passed" | "failed" | "not-supported" | "reference-only" | "skipped";
export type LevelResult = "success" | "partial" | "failure" | "untested" | "not-claimed";
export type FeatureStatus = "pass" | "fail" | "not-supported" | "untested";

export interface PropertyFailure {
  seed?: number;
  path?: string;
  counterexample?: string;
  shrunk?: number;
  runs?: number;
}

export interface TestFailure {
  message: string;
  expected?: string;
  actual?: string;
  diff?: string;
  stack?: string;
  property?: PropertyFailure;
}

export interface TestReport {
  file: string;
  name: string;
  features: FeatureId[];
  status: TestStatus;
  durationMs?: number;
  unsupported?: FeatureId[];
  reason?: string;
  requests?: number;
  lastExchange?: RecordedExchange;
  curl?: string;
  failures?: TestFailure[];
}

export interface Statistics {
  passed: number;
  failed: number;
  notSupported: number;
  referenceOnly: number;
  skipped: number;
}

export interface LevelReport {
  result: LevelResult;
  statistics: Statistics;
  supportedFeatures: FeatureId[];
  unsupportedFeatures: FeatureId[];
  /** Supported but no test ran against this target. */
  untestedFeatures: FeatureId[];
  failedFeatures: FeatureId[];
}

export interface ProfileReport {
  name: ProfileId;
  core: LevelReport;
  extended: LevelReport;
}

export interface FeatureReport extends Statistics {
  id: FeatureId;
  profile: ProfileId;
  level: Level;
  description: string;
  supported: boolean;
  status: FeatureStatus;
  reason?: string;
}

export interface ConformanceReport {
  apiVersion: "gateproof/v1";
  kind: "ConformanceReport";
  target: { name: string; kind: "reference" | "external"; url?: string; httpApiUrl?: string; wsUrl?: string };
  gateproofVersion: string;
  startedAt: string;
  durationMs: number;
  seed?: number;
  declaration: { declared: boolean; supportedFeatures: FeatureId[]; unsupportedFeatures: FeatureId[]; reasons: Record<string, string>; selectedFeatures?: FeatureId[] };
  /** Tests that declare features. Tests that declare none are counted apart (`untagged`): they may not touch the target. */
  summary: Statistics & { total: number; notSelected: number; untagged: Statistics & { total: number }; errors: number };
  profiles: ProfileReport[];
  features: FeatureReport[];
  tests: TestReport[];
  /** Files that failed to load and errors outside any test: each one fails the run. */
  errors: Array<{ file?: string; message: string; stack?: string }>;
}

/** One test as vitest reported it, reduced to what the report needs (see reporter.ts). */
export interface RawTest {
  file: string;
  name: string;
  state: "passed" | "failed" | "skipped" | "pending";
  meta: ConformanceMeta | undefined;
  durationMs?: number;
  errors: Array<{ message: string; expected?: string; actual?: string; diff?: string; stack?: string }>;
}

/** fast-check's failure message: `{ seed: N, path: "a:b", endOnFailure: true }`, `Counterexample: […]`, `Shrunk N time(s)`. */
export function parsePropertyFailure(message: string): PropertyFailure | undefined {
  const seed = /\bseed: (-?\d+)/.exec(message);
  if (!seed || !/Property failed|Counterexample/.test(message)) return undefined;
  const out: PropertyFailure = { seed: Number(seed[1]) };
  const path = /\bpath: "([^"]*)"/.exec(message);
  if (path) out.path = path[1];
  const counterexample = /Counterexample: (.*)/.exec(message);
  if (counterexample) out.counterexample = counterexample[1];
  const shrunk = /Shrunk (\d+) time/.exec(message);
  if (shrunk) out.shrunk = Number(shrunk[1]);
  const runs = /failed after (\d+) tests?/.exec(message);
  if (runs) out.runs = Number(runs[1]);
  return out;
}

const shellQuote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

/** A cURL command that sends the recorded request again (binary bodies through base64 -d). */
export function curlFor(exchange: RecordedExchange): string {
  const parts = ["curl", "-i", "-X", exchange.method];
  for (const [name, value] of Object.entries(exchange.headers)) for (const v of [value].flat()) parts.push("-H", shellQuote(`${name}: ${v}`));
  let prefix = "";
  if (exchange.body !== undefined && exchange.body !== "") {
    if (exchange.bodyEncoding === "base64") {
      prefix = `echo ${shellQuote(exchange.body)} | base64 -d | `;
      parts.push("--data-binary", "@-");
    } else parts.push("--data-binary", shellQuote(exchange.body));
  }
  parts.push("--path-as-is", shellQuote(exchange.url));
  return prefix + parts.join(" ") + (exchange.truncated ? "   # body truncated in the report" : "");
}

const emptyStats = (): Statistics => ({ passed: 0, failed: 0, notSupported: 0, referenceOnly: 0, skipped: 0 });

function count(stats: Statistics, status: TestStatus): void {
  if (status === "passed") stats.passed++;
  else if (status === "failed") stats.failed++;
  else if (status === "not-supported") stats.notSupported++;
  else if (status === "reference-only") stats.referenceOnly++;
  else stats.skipped++;
}

function testStatus(raw: RawTest): TestStatus | "not-selected" {
  if (raw.state === "passed") return "passed";
  if (raw.state === "failed") return "failed";
  const status = raw.meta?.status;
  return status ?? "skipped";
}

export interface BuildOptions {
  target: ConformanceReport["target"];
  support: Support;
  startedAt: string;
  durationMs: number;
  seed?: number;
  gateproofVersion: string;
  errors: ConformanceReport["errors"];
}

export function buildReport(raws: readonly RawTest[], options: BuildOptions): ConformanceReport {
  const tests: TestReport[] = [];
  const summary = { ...emptyStats(), total: 0, notSelected: 0, untagged: { ...emptyStats(), total: 0 }, errors: options.errors.length };
  const perFeature = new Map<FeatureId, Statistics>(FEATURE_IDS.map((id) => [id, emptyStats()]));
  for (const raw of raws) {
    const status = testStatus(raw);
    if (status === "not-selected") {
      summary.notSelected++;
      continue;
    }
    const features = raw.meta?.features ?? [];
    const test: TestReport = { file: raw.file, name: raw.name, features, status };
    if (raw.durationMs !== undefined) test.durationMs = Math.round(raw.durationMs);
    if (raw.meta?.unsupported) test.unsupported = raw.meta.unsupported;
    if (raw.meta?.reason) test.reason = raw.meta.reason;
    if (raw.meta?.requests) test.requests = raw.meta.requests;
    if (status === "failed") {
      if (raw.meta?.lastExchange) {
        test.lastExchange = raw.meta.lastExchange;
        test.curl = curlFor(raw.meta.lastExchange);
      }
      test.failures = raw.errors.map((error) => {
        const failure: TestFailure = { message: error.message };
        if (error.expected !== undefined) failure.expected = error.expected;
        if (error.actual !== undefined) failure.actual = error.actual;
        if (error.diff !== undefined) failure.diff = error.diff;
        if (error.stack !== undefined) failure.stack = error.stack;
        const property = parsePropertyFailure(error.message);
        if (property) failure.property = property;
        return failure;
      });
    }
    tests.push(test);
    if (features.length === 0) {
      summary.untagged.total++;
      count(summary.untagged, status);
      continue;
    }
    summary.total++;
    count(summary, status);
    for (const id of features) count(perFeature.get(id)!, status);
  }

  const features: FeatureReport[] = FEATURE_IDS.map((id) => {
    const stats = perFeature.get(id)!;
    const supported = options.support.supported.has(id);
    const status: FeatureStatus = !supported ? "not-supported" : stats.failed > 0 ? "fail" : stats.passed > 0 ? "pass" : "untested";
    const report: FeatureReport = { id, ...FEATURES[id], supported, status, ...stats };
    const reason = options.support.reasons[id];
    if (reason !== undefined) report.reason = reason;
    return report;
  });

  const level = (profile: ProfileId, lvl: Level): LevelReport => {
    const mine = features.filter((f) => f.profile === profile && f.level === lvl);
    // Each test once per level, whatever number of the level's features it declares.
    const ids = new Set(mine.map((f) => f.id));
    const statistics = emptyStats();
    for (const test of tests) if (test.features.some((id) => ids.has(id))) count(statistics, test.status);
    const supportedFeatures = mine.filter((f) => f.supported).map((f) => f.id);
    const unsupportedFeatures = mine.filter((f) => !f.supported).map((f) => f.id);
    const untestedFeatures = mine.filter((f) => f.status === "untested").map((f) => f.id);
    const failedFeatures = mine.filter((f) => f.status === "fail").map((f) => f.id);
    // success: every feature of the level supported, tested and passing; partial: no failure, but something not
    // supported or untested; failure: any test failed; untested: supported, but no test of the level ran against
    // this target; not-claimed: no feature of the level supported.
    const ran = statistics.passed + statistics.failed;
    const result: LevelResult =
      supportedFeatures.length === 0 ? "not-claimed" : failedFeatures.length > 0 ? "failure" : ran === 0 ? "untested" : unsupportedFeatures.length > 0 || untestedFeatures.length > 0 ? "partial" : "success";
    return { result, statistics, supportedFeatures, unsupportedFeatures, untestedFeatures, failedFeatures };
  };

  const profiles = PROFILES.filter((p) => GATEWAY_PROFILES.includes(p) || features.some((f) => f.profile === p && f.passed + f.failed > 0)).map((name) => ({
    name,
    core: level(name, "core"),
    extended: level(name, "extended"),
  }));

  return {
    apiVersion: "gateproof/v1",
    kind: "ConformanceReport",
    target: options.target,
    gateproofVersion: options.gateproofVersion,
    startedAt: options.startedAt,
    durationMs: Math.round(options.durationMs),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    declaration: {
      declared: options.support.declared,
      supportedFeatures: FEATURE_IDS.filter((id) => options.support.supported.has(id)),
      unsupportedFeatures: FEATURE_IDS.filter((id) => !options.support.supported.has(id)),
      reasons: options.support.reasons,
      ...(options.support.selected ? { selectedFeatures: [...options.support.selected] } : {}),
    },
    summary,
    profiles,
    features,
    tests,
    errors: options.errors,
  };
}

/** 0 when every supported feature's tests passed and nothing broke outside a test, else 1. */
export const exitCodeOf = (report: ConformanceReport): number => (report.summary.failed > 0 || report.summary.untagged.failed > 0 || report.errors.length > 0 ? 1 : 0);
