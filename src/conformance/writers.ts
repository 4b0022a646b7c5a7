import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ConformanceReport, LevelReport, TestReport } from "./report.ts";

/** The four files of a run: conformance.json (machines), .md (people), .junit.xml (CI), .html (one page, no assets). */
export async function writeReports(report: ConformanceReport, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: Array<[string, string]> = [
    ["conformance.json", `${JSON.stringify(report, null, 2)}\n`],
    ["conformance.md", markdownReport(report)],
    ["conformance.junit.xml", junitReport(report)],
    ["conformance.html", htmlReport(report)],
  ];
  for (const [name, text] of files) await writeFile(join(dir, name), text);
  return files.map(([name]) => join(dir, name));
}

const RESULT_MARK: Record<LevelReport["result"], string> = { success: "success", partial: "partial", failure: "FAILURE", untested: "untested", "not-claimed": "not claimed" };
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const stats = (l: LevelReport) => `${l.statistics.passed} passed, ${l.statistics.failed} failed, ${l.statistics.notSupported} not supported${l.statistics.referenceOnly ? `, ${l.statistics.referenceOnly} reference-only` : ""}${l.statistics.skipped ? `, ${l.statistics.skipped} skipped` : ""}`;
const untaggedLine = (u: ConformanceReport["summary"]["untagged"]) => `${u.passed} passed, ${u.failed} failed, ${u.skipped + u.notSupported + u.referenceOnly} skipped of ${u.total}`;
const mdCell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
const fence = (text: string, lang = "") => `\`\`\`${lang}\n${text.replace(/```/g, "` ` `")}\n\`\`\``;

function headerLines(headers: Record<string, string | string[] | undefined>): string {
  return Object.entries(headers)
    .flatMap(([name, value]) => (value === undefined ? [] : [value].flat().map((v) => `${name}: ${v}`)))
    .join("\n");
}

function failureMarkdown(test: TestReport): string {
  const out = [`### ✗ ${test.name}`, "", `\`${test.file}\` · features: ${test.features.map((f) => `\`${f}\``).join(", ") || "(none)"}${test.lastExchange ? ` · last request id \`${test.lastExchange.requestId}\`` : ""}`, ""];
  for (const failure of test.failures ?? []) {
    out.push(fence(failure.message.split("\n").slice(0, 12).join("\n")), "");
    if (failure.property) {
      const p = failure.property;
      out.push(`Property: seed \`${p.seed}\`${p.path !== undefined ? `, path \`${p.path}\`` : ""}${p.shrunk !== undefined ? `, shrunk ${p.shrunk} time(s)` : ""} — rerun with \`--seed ${p.seed}\`${p.path !== undefined ? ` (fast-check \`{ seed: ${p.seed}, path: "${p.path}" }\`)` : ""}.`, "");
      if (p.counterexample) out.push(`Counterexample: \`${p.counterexample.slice(0, 800)}\``, "");
    }
    if (failure.diff) out.push("Expected (−) and actual (+):", "", fence(failure.diff.replace(/\u001b\[[0-9;]*m/g, "").slice(0, 3000), "diff"), "");
  }
  if (test.lastExchange) {
    const x = test.lastExchange;
    out.push("Last request:", "", fence(`${x.method} ${x.url}\n${headerLines(x.headers)}${x.body ? `\n\n${x.body}` : ""}`, "http"), "");
    if (x.response) out.push("Its response:", "", fence(`${x.response.status}\n${headerLines(x.response.headers)}\n\n${x.response.body}`, "http"), "");
    if (x.error) out.push(`Transport error: \`${x.error}\``, "");
    out.push("Reproduce:", "", fence(test.curl ?? "", "sh"), "");
  }
  return out.join("\n");
}

export function markdownReport(report: ConformanceReport): string {
  const s = report.summary;
  const out = [
    `# Conformance: ${report.target.name}`,
    "",
    `gateproof ${report.gateproofVersion} · ${report.startedAt} · ${seconds(report.durationMs)}${report.seed !== undefined ? ` · seed ${report.seed}` : ""}`,
    report.target.url ? `Target: \`${report.target.url}\` (${report.target.kind})` : `Target: ${report.target.kind}`,
    "",
    `**${s.passed} passed, ${s.failed} failed, ${s.notSupported} not supported**${s.referenceOnly ? `, ${s.referenceOnly} reference-only` : ""}${s.skipped ? `, ${s.skipped} skipped` : ""} of ${s.total} tests${s.notSelected ? ` (${s.notSelected} not selected)` : ""}${s.errors ? `; **${s.errors} errors outside tests**` : ""}.`,
    ...(s.untagged.total ? ["", `Tests that declare no feature yet (counted apart; they may not touch the target): ${untaggedLine(s.untagged)}.`] : []),
    "",
    "## Profiles",
    "",
    "| profile | core | extended |",
    "|---|---|---|",
    ...report.profiles.map((p) => `| ${p.name} | **${RESULT_MARK[p.core.result]}** (${stats(p.core)}) | **${RESULT_MARK[p.extended.result]}** (${stats(p.extended)}) |`),
    "",
    "## Features",
    "",
    "| feature | profile | status | passed | failed | not supported | other | note |",
    "|---|---|---|---|---|---|---|---|",
    ...report.features.map(
      (f) =>
        `| \`${f.id}\` | ${f.profile} ${f.level} | ${f.status === "fail" ? "**FAIL**" : f.status} | ${f.passed} | ${f.failed} | ${f.notSupported} | ${f.referenceOnly + f.skipped || ""} | ${mdCell(f.reason ?? (f.status === "untested" ? "no test ran against this target" : ""))} |`,
    ),
    "",
  ];
  if (report.errors.length > 0) {
    out.push("## Errors outside tests", "");
    for (const error of report.errors) out.push(`- ${error.file ? `\`${error.file}\`: ` : ""}${mdCell(error.message)}`);
    out.push("");
  }
  const failed = report.tests.filter((t) => t.status === "failed");
  if (failed.length > 0) {
    out.push(`## Failures (${failed.length})`, "");
    for (const test of failed) out.push(failureMarkdown(test));
  }
  const notSupported = report.tests.filter((t) => t.status === "not-supported");
  if (notSupported.length > 0) {
    out.push(`## Not supported (${notSupported.length})`, "");
    for (const test of notSupported) out.push(`- ${mdCell(test.name)} — needs ${(test.unsupported ?? []).map((f) => `\`${f}\``).join(", ")}${test.reason ? ` (${mdCell(test.reason)})` : ""}`);
    out.push("");
  }
  return `${out.join("\n")}\n`;
}

const xml = (text: string) =>
  text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");

export function junitReport(report: ConformanceReport): string {
  const byFile = new Map<string, TestReport[]>();
  for (const test of report.tests) byFile.set(test.file, [...(byFile.get(test.file) ?? []), test]);
  const s = report.summary;
  const out = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="gateproof conformance: ${xml(report.target.name)}" tests="${report.tests.length}" failures="${s.failed + s.untagged.failed}" errors="${s.errors}" skipped="${report.tests.length - s.passed - s.failed - s.untagged.passed - s.untagged.failed}" time="${(report.durationMs / 1000).toFixed(3)}">`,
  ];
  for (const [file, tests] of byFile) {
    const failures = tests.filter((t) => t.status === "failed").length;
    const time = tests.reduce((sum, t) => sum + (t.durationMs ?? 0), 0) / 1000;
    out.push(`  <testsuite name="${xml(file)}" tests="${tests.length}" failures="${failures}" errors="0" skipped="${tests.filter((t) => t.status !== "passed" && t.status !== "failed").length}" time="${time.toFixed(3)}">`);
    for (const test of tests) {
      out.push(`    <testcase classname="${xml(file)}" name="${xml(test.name)}" time="${((test.durationMs ?? 0) / 1000).toFixed(3)}">`);
      out.push(`      <properties><property name="features" value="${xml(test.features.join(","))}"/><property name="status" value="${test.status}"/></properties>`);
      if (test.status === "failed") {
        const first = test.failures?.[0];
        const body = [
          ...(test.failures ?? []).map((f) => f.message + (f.property ? `\nseed ${f.property.seed} path ${f.property.path ?? "?"}` : "") + (f.diff ? `\n${f.diff.replace(/\u001b\[[0-9;]*m/g, "")}` : "")),
          ...(test.curl ? [`reproduce: ${test.curl}`] : []),
        ].join("\n\n");
        out.push(`      <failure message="${xml((first?.message ?? "failed").split("\n")[0]!.slice(0, 500))}">${xml(body)}</failure>`);
      } else if (test.status !== "passed") {
        const why = test.status === "not-supported" ? `not supported: ${(test.unsupported ?? []).join(", ")}${test.reason ? ` (${test.reason})` : ""}` : test.status === "reference-only" ? `reference-only: ${test.reason ?? ""}` : "skipped";
        out.push(`      <skipped message="${xml(why)}"/>`);
      }
      out.push(`    </testcase>`);
    }
    out.push(`  </testsuite>`);
  }
  if (report.errors.length > 0) {
    out.push(`  <testsuite name="errors outside tests" tests="${report.errors.length}" failures="0" errors="${report.errors.length}">`);
    for (const error of report.errors) out.push(`    <testcase classname="errors" name="${xml(error.file ?? "run")}"><error message="${xml(error.message.slice(0, 500))}">${xml(error.stack ?? error.message)}</error></testcase>`);
    out.push(`  </testsuite>`);
  }
  out.push(`</testsuites>`);
  return `${out.join("\n")}\n`;
}

const html = xml;

export function htmlReport(report: ConformanceReport): string {
  const s = report.summary;
  const badge = (result: string) => `<span class="r ${result}">${html(RESULT_MARK[result as LevelReport["result"]] ?? result)}</span>`;
  const level = (l: LevelReport) =>
    `${badge(l.result)}<div class="small">${html(stats(l))}</div>` +
    (l.unsupportedFeatures.length ? `<div class="small">not supported: ${l.unsupportedFeatures.map((f) => `<code>${f}</code>`).join(" ")}</div>` : "") +
    (l.untestedFeatures.length ? `<div class="small">untested: ${l.untestedFeatures.map((f) => `<code>${f}</code>`).join(" ")}</div>` : "") +
    (l.failedFeatures.length ? `<div class="small">failing: ${l.failedFeatures.map((f) => `<code>${f}</code>`).join(" ")}</div>` : "");
  const failures = report.tests.filter((t) => t.status === "failed");
  const failureHtml = failures
    .map((test) => {
      const x = test.lastExchange;
      const parts = [`<details><summary><b>${html(test.name)}</b> <span class="small">${html(test.file)} · ${test.features.map((f) => `<code>${f}</code>`).join(" ")}</span></summary>`];
      for (const f of test.failures ?? []) {
        parts.push(`<pre>${html(f.message.split("\n").slice(0, 12).join("\n"))}</pre>`);
        if (f.property) parts.push(`<p>Property: seed <code>${f.property.seed}</code>${f.property.path !== undefined ? `, path <code>${html(f.property.path)}</code>` : ""}${f.property.counterexample ? `<br>Counterexample: <code>${html(f.property.counterexample.slice(0, 800))}</code>` : ""}</p>`);
        if (f.diff) parts.push(`<p>Expected (−) / actual (+):</p><pre>${html(f.diff.replace(/\u001b\[[0-9;]*m/g, "").slice(0, 3000))}</pre>`);
      }
      if (x) {
        parts.push(`<p>Last request (<code>${html(x.requestId)}</code>):</p><pre>${html(`${x.method} ${x.url}\n${headerLines(x.headers)}${x.body ? `\n\n${x.body}` : ""}`)}</pre>`);
        if (x.response) parts.push(`<p>Its response:</p><pre>${html(`${x.response.status}\n${headerLines(x.response.headers)}\n\n${x.response.body}`)}</pre>`);
        if (x.error) parts.push(`<p>Transport error: <code>${html(x.error)}</code></p>`);
        parts.push(`<p>Reproduce:</p><pre>${html(test.curl ?? "")}</pre>`);
      }
      parts.push(`</details>`);
      return parts.join("\n");
    })
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gateproof conformance: ${html(report.target.name)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}
table{border-collapse:collapse;width:100%;margin:1em 0}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4}.r{font-weight:600;padding:1px 6px;border-radius:3px}.success,.pass{background:#d9f2d9}.partial,.untested{background:#fff2cc}
.failure,.fail{background:#f8d0d0}.not-claimed,.not-supported{background:#eee}.small{font-size:12px;color:#555}
pre{background:#f7f7f7;padding:8px;overflow-x:auto;white-space:pre-wrap}details{border-top:1px solid #ddd;padding:6px 0}code{font-size:12px}
</style></head><body>
<h1>Conformance: ${html(report.target.name)}</h1>
<p class="small">gateproof ${html(report.gateproofVersion)} · ${html(report.startedAt)} · ${seconds(report.durationMs)}${report.seed !== undefined ? ` · seed ${report.seed}` : ""}${report.target.url ? ` · <code>${html(report.target.url)}</code>` : ""} (${report.target.kind})</p>
<p><b>${s.passed} passed, ${s.failed} failed, ${s.notSupported} not supported</b>${s.referenceOnly ? `, ${s.referenceOnly} reference-only` : ""}${s.skipped ? `, ${s.skipped} skipped` : ""} of ${s.total} tests${s.errors ? `; <b>${s.errors} errors outside tests</b>` : ""}${s.untagged.total ? `<br><span class="small">Tests that declare no feature yet (counted apart): ${untaggedLine(s.untagged)}</span>` : ""}</p>
<h2>Profiles</h2>
<table><tr><th>profile</th><th>core</th><th>extended</th></tr>
${report.profiles.map((p) => `<tr><td><b>${p.name}</b></td><td>${level(p.core)}</td><td>${level(p.extended)}</td></tr>`).join("\n")}
</table>
<h2>Features</h2>
<table><tr><th>feature</th><th>profile</th><th>status</th><th>passed</th><th>failed</th><th>not supported</th><th>note</th></tr>
${report.features.map((f) => `<tr><td><code>${f.id}</code><div class="small">${html(f.description)}</div></td><td>${f.profile} ${f.level}</td><td><span class="r ${f.status}">${f.status}</span></td><td>${f.passed}</td><td>${f.failed}</td><td>${f.notSupported}</td><td class="small">${html(f.reason ?? "")}</td></tr>`).join("\n")}
</table>
${report.errors.length ? `<h2>Errors outside tests</h2><ul>${report.errors.map((e) => `<li>${e.file ? `<code>${html(e.file)}</code>: ` : ""}${html(e.message)}</li>`).join("")}</ul>` : ""}
${failures.length ? `<h2>Failures (${failures.length})</h2>\n${failureHtml}` : ""}
<h2>All tests</h2>
<table><tr><th>test</th><th>features</th><th>status</th></tr>
${report.tests.map((t) => `<tr><td>${html(t.name)}<div class="small">${html(t.file)}</div></td><td class="small">${t.features.join(", ")}</td><td><span class="r ${t.status === "passed" ? "pass" : t.status === "failed" ? "fail" : "not-supported"}">${t.status}</span></td></tr>`).join("\n")}
</table>
</body></html>
`;
}
