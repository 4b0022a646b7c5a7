import type { ReplayReport } from "./model.ts";
import { timingLines } from "./markdown.ts";

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** One self-contained page: summary table, then per endpoint the paths and an example with both cURL commands. */
export function htmlReport(report: ReplayReport): string {
  const t = report.totals;
  const sections = report.endpoints
    .filter((e) => e.paths.length > 0)
    .map((e) => {
      const rows = e.paths
        .map((p) => `<tr class="${p.verdict}"><td><code>${escape(p.path)}</code></td><td>${p.verdict}</td><td>${p.differing}</td><td>${p.noisy}</td><td>${escape(p.why ?? "")}</td></tr>`)
        .join("");
      const examples = e.paths
        .filter((p) => p.verdict === "difference" && p.examples[0])
        .map((p) => {
          const x = p.examples[0]!;
          return `<details><summary><code>${escape(p.path)}</code> (${escape(x.origin)})</summary><p>baseline <code>${escape(x.baseline ?? "(absent)")}</code><br>candidate <code>${escape(x.candidate ?? "(absent)")}</code></p><pre>${escape(`# baseline\n${x.curl.baseline}\n# candidate\n${x.curl.candidate}`)}</pre></details>`;
        })
        .join("");
      return `<h2><code>${escape(e.endpoint)}</code></h2><table><tr><th>path</th><th>verdict</th><th>differing</th><th>noisy</th><th>why</th></tr>${rows}</table>${examples}`;
    })
    .join("\n");
  const bad = report.badInput.first.map((b) => `<li><code>${escape(b.origin)}</code>: ${escape(b.reason)}</li>`).join("");
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>gateproof replay ${escape(report.startedAt)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}tr.difference{background:#fde2e2}tr.noise,tr.ignored{color:#777}pre{background:#f4f4f4;padding:8px;white-space:pre-wrap}</style></head>
<body><h1>gateproof replay, ${escape(report.startedAt)}</h1>
<p>Source <code>${escape(report.source)}</code>; baseline <b>${escape(report.sides.baseline)}</b> vs candidate <b>${escape(report.sides.candidate)}</b>${report.sides.secondary ? `, secondary <b>${escape(report.sides.secondary)}</b>` : ""}.</p>
<ul>${timingLines(report).map((line) => `<li>${escape(line.slice(2))}</li>`).join("")}</ul>
${report.badInput.count > 0 ? `<h2>Bad input (${report.badInput.count} skipped)</h2><ul>${bad}</ul>` : ""}
<p><b>${t.differingRequests}</b> of ${t.requests} requests differ beyond noise; ${t.statusMismatches} status mismatches; ${t.transportErrors} transport errors.</p>
<table><tr><th>endpoint</th><th>requests</th><th>differing</th><th>status mismatches</th></tr>${report.endpoints.map((e) => `<tr><td><code>${escape(e.endpoint)}</code></td><td>${e.requests}</td><td>${e.differingRequests}</td><td>${e.statusMismatches}</td></tr>`).join("")}</table>
${sections}
</body></html>
`;
}
