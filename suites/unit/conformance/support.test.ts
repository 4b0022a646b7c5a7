/**
 * What a target declares and what a run selects (src/conformance/support.ts, src/conformance/features.ts): feature
 * ids, `prefix.*`, profiles and `PROFILE:level`, exempt features, options files, and the verdict per test.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expandFeatures, FEATURE_IDS, featuresOf, splitList } from "../../../src/conformance/features.ts";
import { ConformanceConfigError, ENV, readOptionsFile, resolveSupport, verdictFor } from "../../../src/conformance/support.ts";

const dir = mkdtempSync(join(tmpdir(), "gateproof-support-"));
let files = 0;
function optionsFile(content: unknown): string {
  const path = join(dir, `options-${++files}.json`);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

describe("expandFeatures", () => {
  it("keeps exact ids and reports unknown words instead of dropping them", () => {
    expect(expandFeatures(["rest.mock", " auth.api-key ", ""])).toEqual({ features: ["rest.mock", "auth.api-key"], unknown: [] });
    expect(expandFeatures(["rest.mock", "rest.nope", "NOT-A-PROFILE"]).unknown).toEqual(["rest.nope", "NOT-A-PROFILE"]);
  });

  it("expands prefix.* to every id with that prefix and only those", () => {
    const { features, unknown } = expandFeatures(["http-api.*"]);
    expect(unknown).toEqual([]);
    expect(features).toEqual(["http-api.routing", "http-api.lambda-proxy", "http-api.http-proxy", "http-api.errors", "http-api.jwt", "http-api.lambda-auth", "http-api.iam", "http-api.parameter-mapping", "http-api.throttle", "http-api.stage-variables"]);
    expect(features).not.toContain("cors.http-api");
    expect(expandFeatures(["throttle.*"]).features).toEqual(["throttle.stage", "throttle.method", "throttle.usage-plan", "throttle.account"]);
    // The dot is part of the prefix: `cache.*` is not `cache`.
    expect(expandFeatures(["cache.*"]).features).toEqual(["cache.invalidation"]);
    expect(expandFeatures(["rest.gateway-responses.*"]).features).toEqual(["rest.gateway-responses.custom"]);
    // A wildcard matching nothing is a mistake, not an empty selection.
    expect(expandFeatures(["nothing.*"])).toEqual({ features: [], unknown: ["nothing.*"] });
  });

  it("expands profiles, PROFILE:core and PROFILE:extended (case-insensitive profile) and * to everything", () => {
    expect(expandFeatures(["REST-AUTH"]).features).toEqual(featuresOf("REST-AUTH"));
    expect(expandFeatures(["REST-AUTH:core"]).features).toEqual(["auth.api-key", "auth.lambda-token", "auth.lambda-request", "auth.cognito", "auth.iam"]);
    expect(expandFeatures(["rest-auth:extended"]).features).toEqual(["auth.resource-policy", "auth.authorizer-cache"]);
    expect(expandFeatures(["REST-AUTH:bogus"]).unknown).toEqual(["REST-AUTH:bogus"]);
    expect(expandFeatures(["*"]).features).toEqual(FEATURE_IDS);
  });

  it("returns features in catalogue order without duplicates", () => {
    const { features } = expandFeatures(["cache", "rest.routing", "REST-TRAFFIC:extended", "rest.routing"]);
    expect(features).toEqual(["rest.routing", "throttle.account", "cache", "cache.invalidation"]);
  });

  it("splitList splits on commas and whitespace", () => {
    expect(splitList(" a, b  c,,d ")).toEqual(["a", "b", "c", "d"]);
    expect(splitList(undefined)).toEqual([]);
  });
});

describe("resolveSupport", () => {
  it("without a declaration supports every feature and selects every test", () => {
    const support = resolveSupport({});
    expect(support.declared).toBe(false);
    expect([...support.supported]).toEqual(FEATURE_IDS);
    expect(support.selected).toBeUndefined();
  });

  it("supported features, profiles and PROFILE:core add up; exempt features are removed", () => {
    const support = resolveSupport({ [ENV.supported]: "cache,throttle.*", [ENV.profiles]: "REST-AUTH:core", [ENV.exempt]: "auth.iam throttle.account" });
    expect(support.declared).toBe(true);
    expect([...support.supported].sort()).toEqual(["auth.api-key", "auth.cognito", "auth.lambda-request", "auth.lambda-token", "cache", "throttle.method", "throttle.stage", "throttle.usage-plan"]);
  });

  it("exempt features alone start from everything and count as a declaration", () => {
    const support = resolveSupport({ [ENV.exempt]: "WEBSOCKET" });
    expect(support.declared).toBe(true);
    expect(support.supported.size).toBe(FEATURE_IDS.length - featuresOf("WEBSOCKET").length);
    expect(support.supported.has("websocket.connect")).toBe(false);
    expect(support.supported.has("rest.routing")).toBe(true);
  });

  it("--features selects tests without changing what is supported", () => {
    const support = resolveSupport({ [ENV.features]: "auth.api-key,cors.*" });
    expect([...support.selected!].sort()).toEqual(["auth.api-key", "cors.http-api", "cors.rest"]);
    expect(support.supported.size).toBe(FEATURE_IDS.length);
  });

  it("throws ConformanceConfigError on any unknown word, naming where it came from", () => {
    expect(() => resolveSupport({ [ENV.supported]: "rest.routing,rest.rouitng" })).toThrow(ConformanceConfigError);
    expect(() => resolveSupport({ [ENV.supported]: "rest.rouitng" })).toThrow(/supported features: unknown feature or profile "rest.rouitng"/);
    expect(() => resolveSupport({ [ENV.profiles]: "REST-CORS" })).toThrow(/profiles/);
    expect(() => resolveSupport({ [ENV.exempt]: "cach" })).toThrow(/exempt features/);
    expect(() => resolveSupport({ [ENV.features]: "x.*" })).toThrow(/features/);
  });

  it("reads an options file and merges it with the environment", () => {
    const path = optionsFile({
      $comment: "serverless-offline-like",
      name: "my gateway 1.0",
      profiles: ["REST-CORE"],
      supportedFeatures: ["auth.api-key"],
      exemptFeatures: ["rest.mock", "rest.vtl"],
      reasons: { "rest.mock": "no MOCK integrations" },
    });
    const support = resolveSupport({ [ENV.options]: path, [ENV.exempt]: "rest.canary", [ENV.features]: "rest.mock" });
    expect(support.name).toBe("my gateway 1.0");
    expect(support.declared).toBe(true);
    expect(support.supported.has("rest.routing")).toBe(true);
    expect(support.supported.has("auth.api-key")).toBe(true);
    expect(support.supported.has("auth.iam")).toBe(false);
    for (const id of ["rest.mock", "rest.vtl", "rest.canary"] as const) expect(support.supported.has(id)).toBe(false);
    expect(support.reasons).toEqual({ "rest.mock": "no MOCK integrations" });
    expect([...support.selected!]).toEqual(["rest.mock"]);
  });

  it("rejects options files that are not JSON objects, have unknown fields, wrong types or unknown reasons", () => {
    expect(() => readOptionsFile(join(dir, "missing.json"))).toThrow(ConformanceConfigError);
    expect(() => readOptionsFile(optionsFile("{ not json"))).toThrow(/options file .*: /);
    expect(() => readOptionsFile(optionsFile([]))).toThrow(/expected a JSON object/);
    expect(() => readOptionsFile(optionsFile({ profile: ["REST-CORE"] }))).toThrow(/unknown field "profile"/);
    expect(() => readOptionsFile(optionsFile({ exemptFeatures: "rest.mock" }))).toThrow(/exemptFeatures must be an array of strings/);
    expect(() => readOptionsFile(optionsFile({ features: [1] }))).toThrow(/features must be an array of strings/);
    expect(() => resolveSupport({ [ENV.options]: optionsFile({ reasons: { "rest.mok": "typo" } }) })).toThrow(/reasons: unknown feature/);
  });
});

describe("verdictFor", () => {
  const support = resolveSupport({ [ENV.profiles]: "REST-CORE:core,auth.api-key", [ENV.options]: optionsFile({ reasons: { "rest.vtl": "no Velocity" } }) });

  it("runs a test when every feature it declares is supported (supported)", () => {
    expect(verdictFor(["rest.routing", "auth.api-key"], support)).toEqual({ status: "run" });
    expect(verdictFor([], support)).toEqual({ status: "run" });
  });

  it("marks a test not supported with every unsupported feature and the first known reason", () => {
    expect(verdictFor(["rest.routing", "rest.mock", "cache"], support)).toEqual({ status: "not-supported", unsupported: ["cache"] });
    expect(verdictFor(["rest.http", "rest.vtl", "cache"], support)).toEqual({ status: "not-supported", unsupported: ["rest.http", "rest.vtl", "cache"], reason: "no Velocity" });
  });

  it("marks tests that declare none of the selected features not-selected, before asking about support", () => {
    const selecting = resolveSupport({ [ENV.features]: "cache", [ENV.exempt]: "cache" });
    expect(verdictFor(["rest.routing"], selecting)).toEqual({ status: "not-selected" });
    expect(verdictFor(["rest.routing", "cache"], selecting)).toEqual({ status: "not-supported", unsupported: ["cache"] });
    expect(verdictFor(["rest.routing"], resolveSupport({ [ENV.features]: "REST-CORE:core" }))).toEqual({ status: "run" });
  });
});
