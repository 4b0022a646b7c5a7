import { inject, TestRunner, type TestOptions } from "vitest";
import { FEATURES, isFeatureId, type FeatureId } from "../../src/conformance/features.ts";
import type { ConformanceMeta } from "../../src/conformance/meta.ts";
import { resolveSupport, verdictFor, type Support } from "../../src/conformance/support.ts";

export type { FeatureId } from "../../src/conformance/features.ts";
export { awaitConvergence } from "../../src/conformance/converge.ts";

/**
 * Tests as data. Every scenario and property test declares the features it needs by passing `features(…)` as the
 * options argument of vitest's own `describe` / `it`:
 *
 *     describe("API keys", features("auth.api-key"), () => { … });
 *     it("TOKEN authorizer denies", features("auth.lambda-token", "rest.lambda-proxy"), async () => { … });
 *     describe("second gateway", features(["rest.validation"], { referenceOnly: true }), () => { … });
 *
 * Features of nested describes add up, and so do their verdicts: a test inside a block that is reference-only or
 * not supported is reported so too. When the target does not support one of them (GATEPROOF_SUPPORTED_FEATURES
 * / _EXEMPT_FEATURES / _PROFILES / _CONFORMANCE_OPTIONS, see src/conformance/support.ts), the test is skipped and
 * marked *not supported* in `task.meta.conformance`, which the conformance reporter counts as such — never as passed.
 * `referenceOnly` is for tests that say nothing about another target: against one they are marked *reference-only*,
 * with the reason given, or, for `true`, because they start a second reference gateway with their own definition
 * (the usual case). `target: "http-api"` is for tests
 * of the fixture's HTTP API (`httpApiUrl()`): when the run has no HTTP API target (an external TARGET_URL without
 * TARGET_HTTP_API_URL) they are *not supported*, with that reason.
 */
export interface FeatureOptions extends Omit<TestOptions, "meta" | "skip"> {
  /** `true`: starts its own reference gateway; a string: why else the test says nothing about another target. */
  referenceOnly?: true | string;
  target?: "http-api";
}

let support: Support | undefined;
const currentSupport = (): Support => (support ??= resolveSupport(process.env));

function parentMeta(): ConformanceMeta | undefined {
  const options = TestRunner.getCurrentSuite()?.options as { meta?: { conformance?: ConformanceMeta } } | undefined;
  return options?.meta?.conformance;
}

export function features(...args: [FeatureId[], FeatureOptions?] | FeatureId[]): TestOptions {
  const [ids, options] = Array.isArray(args[0]) ? [args[0], args[1] as FeatureOptions | undefined] : [args as FeatureId[], undefined];
  for (const id of ids) if (!isFeatureId(id)) throw new Error(`unknown conformance feature ${JSON.stringify(id)} (see src/conformance/features.ts)`);
  const { referenceOnly, target, ...testOptions } = options ?? {};
  const parent = parentMeta();
  const all = [...new Set([...(parent?.features ?? []), ...ids])].sort((a, b) => Object.keys(FEATURES).indexOf(a) - Object.keys(FEATURES).indexOf(b));
  const verdict = verdictFor(all, currentSupport());
  const conformance: ConformanceMeta = { features: all };
  if (verdict.status === "not-selected") conformance.status = "not-selected";
  else if (parent?.status === "reference-only" || parent?.status === "not-supported") {
    // The enclosing block is skipped for this reason, so its tests are too: they say so rather than "skipped".
    conformance.status = parent.status;
    if (parent.reason !== undefined) conformance.reason = parent.reason;
    if (parent.unsupported !== undefined) conformance.unsupported = parent.unsupported;
  } else if (referenceOnly !== undefined && inject("targetKind") !== "reference") {
    conformance.status = "reference-only";
    conformance.reason = referenceOnly === true ? "starts its own reference gateway with a definition the fixture does not have" : referenceOnly;
  } else if (verdict.status === "not-supported") {
    conformance.status = "not-supported";
    conformance.unsupported = verdict.unsupported;
    if (verdict.reason !== undefined) conformance.reason = verdict.reason;
  } else if (target === "http-api" && inject("httpApiUrl") === "") {
    conformance.status = "not-supported";
    conformance.unsupported = all;
    conformance.reason = "the run has no HTTP API target: pass the fixture's FixtureHttpApiUrl output as --http-api-url (TARGET_HTTP_API_URL)";
  }
  return { ...testOptions, meta: { conformance }, ...(conformance.status ? { skip: true } : {}) };
}

/**
 * The reference-only reason of tests of gateproof's own recorder and replayer that never call the target: they start
 * the servers they record and replay against, so whatever the target, they test the tool, not the target.
 */
export const TOOL_ON_ITS_OWN_SERVERS = "tests gateproof's own recorder/replayer on servers the test starts; it never calls the target";

/** Runs `fn` only when the current target supports every listed feature (for optional checks inside one test). */
export const supports = (...ids: FeatureId[]): boolean => ids.every((id) => currentSupport().supported.has(id));
