import { readFileSync } from "node:fs";
import { expandFeatures, FEATURE_IDS, splitList, type FeatureId } from "./features.ts";

/**
 * What a target declares it supports, and which features a run selects. Declared on the command line or in an
 * options file, carried to the vitest workers through the environment (one parser on both sides):
 *
 * - GATEPROOF_SUPPORTED_FEATURES  features/wildcards/profiles the target supports (default: every feature)
 * - GATEPROOF_PROFILES            profiles (or `PROFILE:core`) the target supports; added to the above
 * - GATEPROOF_EXEMPT_FEATURES     features the target does not support, removed from the above
 * - GATEPROOF_FEATURES            only run tests declaring at least one of these (default: all)
 * - GATEPROOF_CONFORMANCE_OPTIONS a JSON options file with the same fields (see OptionsFile)
 */
export interface OptionsFile {
  /** Name shown in reports, e.g. "serverless-offline 13.10.1". */
  name?: string;
  supportedFeatures?: string[];
  profiles?: string[];
  exemptFeatures?: string[];
  features?: string[];
  /** Why a feature is not supported; printed next to it in the reports. */
  reasons?: Record<string, string>;
}

export interface Support {
  name?: string;
  supported: ReadonlySet<FeatureId>;
  /** undefined = every test is selected. */
  selected?: ReadonlySet<FeatureId>;
  reasons: Record<string, string>;
  /** True when nothing was declared: the target is taken to support everything (the reference). */
  declared: boolean;
}

export class ConformanceConfigError extends Error {}

export const ENV = {
  supported: "GATEPROOF_SUPPORTED_FEATURES",
  profiles: "GATEPROOF_PROFILES",
  exempt: "GATEPROOF_EXEMPT_FEATURES",
  features: "GATEPROOF_FEATURES",
  options: "GATEPROOF_CONFORMANCE_OPTIONS",
} as const;

function expand(words: string[], what: string): FeatureId[] {
  const { features, unknown } = expandFeatures(words);
  if (unknown.length > 0) throw new ConformanceConfigError(`${what}: unknown feature or profile ${unknown.map((w) => JSON.stringify(w)).join(", ")}`);
  return features;
}

export function readOptionsFile(path: string): OptionsFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConformanceConfigError(`options file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new ConformanceConfigError(`options file ${path}: expected a JSON object`);
  const file = parsed as Record<string, unknown>;
  const known = new Set(["name", "supportedFeatures", "profiles", "exemptFeatures", "features", "reasons", "$comment"]);
  for (const key of Object.keys(file)) if (!known.has(key)) throw new ConformanceConfigError(`options file ${path}: unknown field ${JSON.stringify(key)}`);
  for (const key of ["supportedFeatures", "profiles", "exemptFeatures", "features"]) {
    const value = file[key];
    if (value !== undefined && (!Array.isArray(value) || value.some((v) => typeof v !== "string"))) throw new ConformanceConfigError(`options file ${path}: ${key} must be an array of strings`);
  }
  return file as OptionsFile;
}

/** Resolves the declaration from the environment; throws ConformanceConfigError on anything it cannot read. */
export function resolveSupport(env: NodeJS.ProcessEnv = process.env): Support {
  const file = env[ENV.options] ? readOptionsFile(env[ENV.options]!) : {};
  const supportedWords = [...(file.supportedFeatures ?? []), ...splitList(env[ENV.supported])];
  const profileWords = [...(file.profiles ?? []), ...splitList(env[ENV.profiles])];
  const exemptWords = [...(file.exemptFeatures ?? []), ...splitList(env[ENV.exempt])];
  const selectedWords = [...(file.features ?? []), ...splitList(env[ENV.features])];
  const declared = supportedWords.length > 0 || profileWords.length > 0;
  const supported = new Set<FeatureId>(declared ? [...expand(supportedWords, "supported features"), ...expand(profileWords, "profiles")] : FEATURE_IDS);
  const exempt = expand(exemptWords, "exempt features");
  for (const id of exempt) supported.delete(id);
  const reasons = { ...(file.reasons ?? {}) };
  for (const key of Object.keys(reasons)) expand([key], "reasons");
  return {
    name: file.name,
    supported,
    selected: selectedWords.length > 0 ? new Set(expand(selectedWords, "features")) : undefined,
    reasons,
    declared: declared || exempt.length > 0,
  };
}

export type Verdict = { status: "run" } | { status: "not-supported"; unsupported: FeatureId[]; reason?: string } | { status: "not-selected" };

/** What happens to a test declaring `features` against this support. */
export function verdictFor(features: readonly FeatureId[], support: Support): Verdict {
  if (support.selected && !features.some((id) => support.selected!.has(id))) return { status: "not-selected" };
  const unsupported = features.filter((id) => !support.supported.has(id));
  if (unsupported.length > 0) {
    const reason = unsupported.map((id) => support.reasons[id]).find((r) => r !== undefined);
    return reason === undefined ? { status: "not-supported", unsupported } : { status: "not-supported", unsupported, reason };
  }
  return { status: "run" };
}
