import type { ReplayReport } from "./model.ts";

const ms = (value: number | undefined): string => (value === undefined ? "–" : value.toFixed(2));
const cell = (text: string | undefined): string => (text ?? "(absent)").replaceAll("|", "\\|").replaceAll("\n", " ");

export function timingLines(report: ReplayReport): string[] {
  const t = report.timing;
  const lines = [`- ${t.requests} requests in ${t.durationS.toFixed(2)} s: ${t.achievedRate.toFixed(1)} req/s achieved`];
  if (t.intendedRate !== undefined) lines.push(`- recorded rate ${t.recordedRate?.toFixed(1)} req/s × speed ${report.options.speed} = ${t.intendedRate.toFixed(1)} req/s intended`);
  if (t.lagMs) lines.push(`- send lag (actual − intended): p50 ${ms(t.lagMs.p50)} ms, p99 ${ms(t.lagMs.p99)} ms, max ${ms(t.lagMs.max)} ms`);
  return lines;
}

export function markdownReport(report: ReplayReport): string {
  const out = [
    `# gateproof replay, ${report.startedAt}`,
    "",
    `Source \`${report.source}\`; ${report.mode === "none" ? "no comparison" : `baseline **${report.sides.baseline}** vs candidate **${report.sides.candidate}**`}${report.sides.secondary ? `, noise learned from secondary **${report.sides.secondary}**` : ""}.`,
    `Speed ${report.options.speed}, concurrency ${report.options.concurrency}${report.options.transforms.length ? `, transforms: ${report.options.transforms.map((t) => `\`${t}\``).join(", ")}` : ""}.`,
    "",
    "## Timing",
    "",
    ...timingLines(report),
    "",
  ];
  if (report.badInput.count > 0) {
    out.push(`## Bad input (${report.badInput.count} records skipped)`, "", ...report.badInput.first.map((bad) => `- \`${bad.origin}\`: ${bad.reason}`), "");
  }
  const missing = Object.entries(report.missing);
  if (missing.length > 0) out.push("## Not in the source", "", ...missing.map(([what, n]) => `- ${what}: ${n} exchanges`), "");
  if (report.mode === "none") return `${out.join("\n")}\n`;
  const t = report.totals;
  out.push(
    "## Summary",
    "",
    `${t.differingRequests} of ${t.requests} requests differ beyond noise; ${t.statusMismatches} status mismatches; ${t.transportErrors} transport errors.`,
    "",
    "| endpoint | requests | differing | status mismatches |",
    "|---|---:|---:|---:|",
    ...report.endpoints.map((e) => `| \`${e.endpoint}\` | ${e.requests} | ${e.differingRequests} | ${e.statusMismatches} |`),
    "",
  );
  for (const endpoint of report.endpoints) {
    if (endpoint.paths.length === 0) continue;
    out.push(`## \`${endpoint.endpoint}\``, "", "| path | verdict | differing | noisy (secondary) | why |", "|---|---|---:|---:|---|");
    for (const path of endpoint.paths) out.push(`| \`${path.path}\` | ${path.verdict} | ${path.differing} | ${path.noisy} | ${cell(path.why ?? "")} |`);
    out.push("");
    for (const path of endpoint.paths.filter((p) => p.verdict === "difference")) {
      const example = path.examples[0];
      if (!example) continue;
      out.push(
        `### \`${path.path}\` (e.g. ${example.origin})`,
        "",
        `- baseline: \`${cell(example.baseline)}\``,
        `- candidate: \`${cell(example.candidate)}\``,
        "",
        "```sh",
        `# baseline`,
        example.curl.baseline,
        `# candidate`,
        example.curl.candidate,
        "```",
        "",
      );
    }
  }
  out.push("Paths are in the ignore-file grammar: paste one into a file passed with `--ignore-file` to treat it as noise.", "");
  return out.join("\n");
}
