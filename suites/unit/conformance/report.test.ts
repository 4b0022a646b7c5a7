/**
 * The conformance report from a small synthetic run (src/conformance/report.ts) and its four writers
 * (src/conformance/writers.ts): JSON counts, the Markdown tables, JUnit XML, the self-contained HTML page, and the
 * per-profile verdicts success / partial / failure / untested / not claimed.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { FeatureId } from "../../../src/conformance/features.ts";
import type { RecordedExchange } from "../../../src/conformance/meta.ts";
import { buildReport, curlFor, exitCodeOf, parsePropertyFailure, type BuildOptions, type ConformanceReport, type RawTest } from "../../../src/conformance/report.ts";
import { resolveSupport, type Support } from "../../../src/conformance/support.ts";
import { htmlReport, junitReport, markdownReport, writeReports } from "../../../src/conformance/writers.ts";
import { assertWellFormedXml } from "../../harness/xml.ts";

const REST_CORE_CORE: FeatureId[] = ["rest.routing", "rest.request-ids", "rest.lambda-proxy", "rest.mock", "rest.http-proxy", "rest.gateway-responses", "limits.timeout", "limits.payload"];

const support: Support = {
  name: "synthetic gateway",
  supported: new Set<FeatureId>([...REST_CORE_CORE, "rest.vtl", "auth.api-key", "auth.lambda-token", "cors.http-api"]),
  reasons: { "auth.iam": "no SigV4 here" },
  declared: true,
};

const exchange: RecordedExchange = {
  requestId: "gp-0123abcd-2",
  method: "POST",
  url: "https://api.example.test/test/vtl?x=1",
  headers: { "content-type": "application/json", "x-gateproof-test-id": "gp-0123abcd-2" },
  body: `{"it's":"<b>"}`,
  bodyEncoding: "utf8",
  response: { status: 500, headers: { "content-type": "application/json" }, body: `{"message":"Internal server error"}` },
};

const PROPERTY_MESSAGE = [
  "Property failed after 3 tests",
  '{ seed: 1234, path: "2:0:1", endOnFailure: true }',
  'Counterexample: ["a<b&c"]',
  "Shrunk 2 time(s)",
].join("\n");

const raws: RawTest[] = [
  { file: "suites/scenario/routing.test.ts", name: "routes every core feature", state: "passed", durationMs: 12.4, meta: { features: REST_CORE_CORE }, errors: [] },
  { file: "suites/scenario/api-keys.test.ts", name: "API key <required> & \"checked\"", state: "passed", durationMs: 3, meta: { features: ["auth.api-key"] }, errors: [] },
  { file: "suites/scenario/iam.test.ts", name: "SigV4 verified", state: "skipped", meta: { features: ["auth.iam"], status: "not-supported", unsupported: ["auth.iam"], reason: "no SigV4 here" }, errors: [] },
  {
    file: "suites/property/vtl.property.test.ts",
    name: "templates render generated JSON",
    state: "failed",
    durationMs: 250,
    meta: { features: ["rest.vtl"], requests: 2, lastExchange: exchange },
    errors: [{ message: PROPERTY_MESSAGE, expected: "200", actual: "500", diff: "- 200\n+ 500" }],
  },
  { file: "suites/scenario/validation.test.ts", name: "second gateway validates", state: "skipped", meta: { features: ["rest.validation"], status: "reference-only", reason: "starts its own reference gateway" }, errors: [] },
  { file: "suites/scenario/routing.test.ts", name: "not yet tagged", state: "passed", meta: undefined, errors: [] },
  { file: "suites/scenario/routing.test.ts", name: "skipped on purpose", state: "skipped", meta: { features: ["rest.mock"] }, errors: [] },
  { file: "suites/scenario/cache.test.ts", name: "outside the selection", state: "skipped", meta: { features: ["cache"], status: "not-selected" }, errors: [] },
];

const options: BuildOptions = {
  target: { name: "synthetic <gateway>", kind: "external", url: "https://api.example.test/test" },
  support,
  startedAt: "2026-01-01T00:00:00.000Z",
  durationMs: 1234.5,
  seed: 1,
  gateproofVersion: "0.0.0-test",
  errors: [],
};

const report = buildReport(raws, options);
const profile = (name: string) => report.profiles.find((p) => p.name === name)!;

describe("buildReport", () => {
  it("counts tests that declare features apart from untagged ones; not-selected tests are left out", () => {
    expect(report.kind).toBe("ConformanceReport");
    expect(report.summary).toEqual({
      passed: 2,
      failed: 1,
      notSupported: 1,
      referenceOnly: 1,
      skipped: 1,
      total: 6,
      notSelected: 1,
      untagged: { passed: 1, failed: 0, notSupported: 0, referenceOnly: 0, skipped: 0, total: 1 },
      errors: 0,
    });
    expect(report.tests.map((t) => t.status)).toEqual(["passed", "passed", "not-supported", "failed", "reference-only", "passed", "skipped"]);
    expect(report.durationMs).toBe(1235);
    expect(report.declaration.unsupportedFeatures).toContain("auth.iam");
    expect(report.declaration.supportedFeatures).toContain("rest.vtl");
  });

  it("gives each gateway profile and level its verdict", () => {
    expect(report.profiles.map((p) => p.name)).toEqual(["REST-CORE", "REST-AUTH", "REST-TRAFFIC", "HTTP-API", "WEBSOCKET"]);
    // Every core feature supported, tested and passing.
    expect(profile("REST-CORE").core.result).toBe("success");
    expect(profile("REST-CORE").core.statistics).toEqual({ passed: 1, failed: 0, notSupported: 0, referenceOnly: 0, skipped: 1 });
    // A failing test on a supported feature.
    expect(profile("REST-CORE").extended.result).toBe("failure");
    expect(profile("REST-CORE").extended.failedFeatures).toEqual(["rest.vtl"]);
    expect(profile("REST-CORE").extended.statistics.referenceOnly).toBe(1);
    // Passing, but auth.lambda-token is claimed and untested and the rest is not supported.
    expect(profile("REST-AUTH").core.result).toBe("partial");
    expect(profile("REST-AUTH").core.untestedFeatures).toEqual(["auth.lambda-token"]);
    expect(profile("REST-AUTH").core.unsupportedFeatures).toEqual(["auth.lambda-request", "auth.cognito", "auth.iam"]);
    expect(profile("REST-AUTH").core.statistics).toMatchObject({ passed: 1, notSupported: 1 });
    expect(profile("REST-AUTH").extended.result).toBe("not-claimed");
    expect(profile("REST-TRAFFIC").core.result).toBe("not-claimed");
    expect(profile("HTTP-API").core.result).toBe("untested");
  });

  it("partial also when everything is supported but a feature of the level has no test", () => {
    const everything = resolveSupport({});
    const one = buildReport([{ file: "a.test.ts", name: "key", state: "passed", meta: { features: ["auth.api-key"] }, errors: [] }], { ...options, support: everything });
    const auth = one.profiles.find((p) => p.name === "REST-AUTH")!;
    expect(auth.core.unsupportedFeatures).toEqual([]);
    expect(auth.core.untestedFeatures).toEqual(["auth.lambda-token", "auth.lambda-request", "auth.cognito", "auth.iam"]);
    expect(auth.core.result).toBe("partial");
    expect(auth.extended.result).toBe("untested");
  });

  it("gives each feature its status and reason", () => {
    const feature = (id: FeatureId) => report.features.find((f) => f.id === id)!;
    expect(feature("rest.routing")).toMatchObject({ status: "pass", passed: 1, supported: true });
    expect(feature("rest.vtl")).toMatchObject({ status: "fail", failed: 1 });
    expect(feature("auth.iam")).toMatchObject({ status: "not-supported", notSupported: 1, supported: false, reason: "no SigV4 here" });
    expect(feature("auth.lambda-token").status).toBe("untested");
  });

  it("keeps the failure's request, diff, cURL and fast-check seed and path", () => {
    const failed = report.tests.find((t) => t.status === "failed")!;
    expect(failed.lastExchange?.requestId).toBe("gp-0123abcd-2");
    expect(failed.failures?.[0]).toMatchObject({ expected: "200", actual: "500", diff: "- 200\n+ 500", property: { seed: 1234, path: "2:0:1", counterexample: '["a<b&c"]', shrunk: 2, runs: 3 } });
    expect(failed.curl).toBe(
      `curl -i -X POST -H 'content-type: application/json' -H 'x-gateproof-test-id: gp-0123abcd-2' --data-binary '{"it'\\''s":"<b>"}' --path-as-is 'https://api.example.test/test/vtl?x=1'`,
    );
    // Passing tests carry no exchange.
    expect(report.tests[0]!.lastExchange).toBeUndefined();
  });

  it("exit code: 1 with a failure or an error outside tests, else 0", () => {
    expect(exitCodeOf(report)).toBe(1);
    const passing = buildReport(raws.filter((r) => r.state !== "failed"), options);
    expect(exitCodeOf(passing)).toBe(0);
    expect(exitCodeOf(buildReport(raws.filter((r) => r.state !== "failed"), { ...options, errors: [{ message: "boom" }] }))).toBe(1);
    expect(exitCodeOf(buildReport([{ ...raws[5]!, state: "failed" }], options))).toBe(1);
  });

  it("parses fast-check messages only when they are property failures; base64 bodies go through base64 -d", () => {
    expect(parsePropertyFailure("expected 200 to be 500 { seed: 3 }")).toBeUndefined();
    expect(curlFor({ ...exchange, body: "AAE=", bodyEncoding: "base64", truncated: true })).toMatch(/^echo 'AAE=' \| base64 -d \| curl .*--data-binary @- .*# body truncated in the report$/);
  });
});

describe("writers", () => {
  it("JSON: writeReports writes the four files and the JSON is the report", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gateproof-report-"));
    const written = await writeReports(report, dir);
    expect(written.map((path) => path.slice(dir.length + 1))).toEqual(["conformance.json", "conformance.md", "conformance.junit.xml", "conformance.html"]);
    const json = JSON.parse(readFileSync(join(dir, "conformance.json"), "utf8")) as ConformanceReport;
    expect(json).toEqual(report);
    expect(json.summary.notSupported).toBe(1);
    expect(readFileSync(join(dir, "conformance.md"), "utf8")).toBe(markdownReport(report));
  });

  it("Markdown: summary line, one profile row per gateway profile, one feature row per feature", () => {
    const md = markdownReport(report);
    expect(md).toContain("# Conformance: synthetic <gateway>");
    expect(md).toContain("**2 passed, 1 failed, 1 not supported**, 1 reference-only, 1 skipped of 6 tests (1 not selected).");
    expect(md).toContain("1 passed, 0 failed, 0 skipped of 1");
    const profileRows = md.split("\n").filter((line) => /^\| (REST-CORE|REST-AUTH|REST-TRAFFIC|HTTP-API|WEBSOCKET|TOOLING) \|/.test(line));
    expect(profileRows).toHaveLength(5);
    expect(profileRows[0]).toBe("| REST-CORE | **success** (1 passed, 0 failed, 0 not supported, 1 skipped) | **FAILURE** (0 passed, 1 failed, 0 not supported, 1 reference-only) |");
    expect(profileRows[1]).toMatch(/^\| REST-AUTH \| \*\*partial\*\* \(1 passed, 0 failed, 1 not supported\) \| \*\*not claimed\*\* /);
    expect(profileRows[3]).toMatch(/^\| HTTP-API \| \*\*untested\*\* /);
    const featureRows = md.split("\n").filter((line) => /^\| `[^`]+` \|/.test(line));
    expect(featureRows).toHaveLength(report.features.length);
    for (const row of featureRows) expect(row.split(/(?<!\\)\|/).length - 2).toBe(8);
    expect(featureRows.find((r) => r.startsWith("| `rest.vtl`"))).toContain("**FAIL**");
    expect(featureRows.find((r) => r.startsWith("| `auth.iam`"))).toContain("no SigV4 here");
    // The failure: property seed and path, diff, the request and a cURL to repeat it.
    expect(md).toContain("## Failures (1)");
    expect(md).toContain('Property: seed `1234`, path `2:0:1`, shrunk 2 time(s) — rerun with `--seed 1234`');
    expect(md).toContain("```diff\n- 200\n+ 500\n```");
    expect(md).toContain("POST https://api.example.test/test/vtl?x=1");
    expect(md).toContain(report.tests[3]!.curl!);
    expect(md).toContain("## Not supported (1)\n\n- SigV4 verified — needs `auth.iam` (no SigV4 here)");
  });

  it("JUnit XML: well-formed, one testcase per test, <failure> for failures, <skipped> for the rest", () => {
    const xmlText = junitReport(report);
    const elements = assertWellFormedXml(xmlText);
    const root = elements[0]!;
    expect(root.name).toBe("testsuites");
    expect(root.attrs).toMatchObject({ name: "gateproof conformance: synthetic &lt;gateway&gt;", tests: "7", failures: "1", errors: "0", skipped: "3", time: "1.235" });
    const cases = elements.filter((e) => e.name === "testcase");
    // Grouped by file, in the order files first appear.
    expect(cases.map((c) => c.attrs.name)).toEqual(["routes every core feature", "not yet tagged", "skipped on purpose", "API key &lt;required&gt; &amp; &quot;checked&quot;", "SigV4 verified", "templates render generated JSON", "second gateway validates"]);
    expect(cases.every((c) => c.parents.join("/") === "testsuites/testsuite")).toBe(true);
    const suites = elements.filter((e) => e.name === "testsuite");
    expect(suites.map((s) => s.attrs.name)).toEqual(["suites/scenario/routing.test.ts", "suites/scenario/api-keys.test.ts", "suites/scenario/iam.test.ts", "suites/property/vtl.property.test.ts", "suites/scenario/validation.test.ts"]);
    expect(suites[0]!.attrs).toMatchObject({ tests: "3", failures: "0", skipped: "1" });
    const failures = elements.filter((e) => e.name === "failure");
    expect(failures).toHaveLength(1);
    expect(failures[0]!.attrs.message).toBe("Property failed after 3 tests");
    const skipped = elements.filter((e) => e.name === "skipped").map((e) => e.attrs.message);
    expect(skipped).toEqual(["skipped", "not supported: auth.iam (no SigV4 here)", "reference-only: starts its own reference gateway"]);
    // The failure body carries the seed, the diff and the cURL.
    expect(xmlText).toContain("seed 1234 path 2:0:1");
    expect(xmlText).toContain("reproduce: curl -i -X POST");
    // Errors outside tests become <error> testcases, still well-formed.
    const withErrors = junitReport(buildReport(raws, { ...options, errors: [{ file: "suites/x.test.ts", message: "cannot load <x> & y" }] }));
    const errorElements = assertWellFormedXml(withErrors).filter((e) => e.name === "error");
    expect(errorElements.map((e) => e.attrs.message)).toEqual(["cannot load &lt;x&gt; &amp; y"]);
  });

  it("HTML: one self-contained page with the profile verdicts, escaped text and the failure's details", () => {
    const page = htmlReport(report);
    expect(page.startsWith("<!doctype html>")).toBe(true);
    expect(page.trimEnd().endsWith("</html>")).toBe(true);
    // Self-contained: no external stylesheet, script, image, font or frame.
    expect(page).not.toMatch(/<(link|script|img|iframe|object|embed)\b/i);
    expect(page).not.toMatch(/\b(src|href)\s*=/i);
    expect(page).not.toMatch(/@import|url\(/i);
    expect(page).toContain("<style>");
    // Names are escaped, never markup.
    expect(page).toContain("synthetic &lt;gateway&gt;");
    expect(page).not.toContain("synthetic <gateway>");
    expect(page).toContain("API key &lt;required&gt; &amp; &quot;checked&quot;");
    const row = (name: string) => page.split("\n").find((line) => line.startsWith(`<tr><td><b>${name}</b>`)) ?? "";
    expect(row("REST-CORE")).toMatch(/<span class="r success">success<\/span>.*<span class="r failure">FAILURE<\/span>/);
    expect(row("REST-AUTH")).toMatch(/<span class="r partial">partial<\/span>.*untested: <code>auth.lambda-token<\/code>.*<span class="r not-claimed">not claimed<\/span>/);
    expect(row("HTTP-API")).toContain('<span class="r untested">untested</span>');
    expect(page).toContain("<h2>Failures (1)</h2>");
    expect(page).toContain("Property: seed <code>1234</code>, path <code>2:0:1</code>");
    expect(page).toContain("Counterexample: <code>[&quot;a&lt;b&amp;c&quot;]</code>");
    expect(page).toContain("Last request (<code>gp-0123abcd-2</code>)");
    // Every test appears in the list of all tests.
    expect(page.match(/<tr><td>[^<]*<div class="small">suites\//g)).toHaveLength(report.tests.length);
  });
});
