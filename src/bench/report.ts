/**
 * Reports of `gateproof bench`: reports/bench/<date>T<time>Z-<machine>.json (raw rounds + environment), the regenerated
 * reports/bench/README.md (smoke: smoke.md) with its SVG chart (chart.ts), github-action-benchmark JSON, and the comparison with the previous run
 * (Welch's t-test over rounds; a change is called only when significant at 5 % and beyond ±5 %).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import jStat from "jstat";
import { chartFile } from "./chart.ts";
import { cpuUsPerRound, mean, okRates, rps, stdev, type BenchReport, type Scenario } from "./run.ts";

const rounded = (n: number, decimals: number) => Math.round(n * 10 ** decimals) / 10 ** decimals;
const fixed = (n: number, decimals: number) => (Number.isFinite(n) ? String(rounded(n, decimals)) : "–");
const r0 = (n: number) => fixed(n, 0);
const r2 = (n: number) => fixed(n, 2);

/** A closed-loop scenario's figure that the action-benchmark JSON carries and the comparison tests, round by round. */
interface Figure {
  /** As the comparison names it. */
  name: string;
  /** The action-benchmark entry's name after the scenario id (kept stable: the action's history is keyed on it). */
  entry: string;
  unit: string;
  biggerIsBetter: boolean;
  decimals: number;
  /** The figure the README table shows; undefined when the run did not measure it. */
  value(s: Scenario): number | undefined;
  /** One value per measured round; undefined when the run did not record them. */
  rounds(s: Scenario): number[] | undefined;
}

const FIGURES: Figure[] = [
  { name: "2xx/s", entry: "req/s", unit: "req/s", biggerIsBetter: true, decimals: 0, value: rps, rounds: okRates },
  { name: "server CPU µs/request", entry: "server CPU µs/request", unit: "µs", biggerIsBetter: false, decimals: 1, value: (s) => s.serverCpuUsPerRequest, rounds: cpuUsPerRound },
];

/**
 * The name of a run's files: its start to the second (UTC; a second run on the same day must not overwrite the
 * first), the machine, and -smoke for smoke runs. Runs made before the time was in the name are <date>-<machine>.
 */
export function reportStem(report: BenchReport): string {
  const machine = report.machine.hostname.replace(/[^A-Za-z0-9_-]+/g, "-").slice(0, 40) || "machine";
  return `${report.startedAt.slice(0, 19).replace(/:/g, "-")}Z-${machine}${report.kind === "smoke" ? "-smoke" : ""}`;
}

/**
 * customBiggerIsBetter (req/s) and customSmallerIsBetter (p99 ms, server CPU µs/request where measured) entries, one
 * per scenario.
 */
export function actionBenchmark(report: BenchReport): { bigger: unknown[]; smaller: unknown[] } {
  const entries = (biggerIsBetter: boolean) =>
    FIGURES.filter((f) => f.biggerIsBetter === biggerIsBetter).flatMap((f) =>
      report.scenarios.flatMap((s) => {
        const value = f.value(s);
        return value === undefined ? [] : [{ name: `${s.id} ${f.entry}`, unit: f.unit, value: rounded(value, f.decimals), range: `± ${fixed(stdev(f.rounds(s) ?? []), f.decimals)}`, extra: s.name }];
      }),
    );
  const bigger: unknown[] = entries(true);
  if (report.vtl) bigger.push({ name: "vtl render/s (reference)", unit: "renders/s", value: report.vtl.referencePerSecond }, { name: "vtl render/s (velocityjs)", unit: "renders/s", value: report.vtl.velocityjsPerSecond });
  const smaller = [
    ...report.scenarios.map((s) => ({ name: `${s.id} p99`, unit: "ms", value: mean(s.rounds.map((r) => r.latencyMs.p99)), extra: s.name })),
    ...report.fixedRate.map((f) => ({ name: `${f.id} p99 at ${f.targetRate} req/s (CO-corrected)`, unit: "ms", value: f.correctedMs.p99, extra: f.name })),
    ...entries(false),
  ];
  return { bigger, smaller };
}

/**
 * The two-sided 5 % critical value of Student's t for `df` degrees of freedom, fractional as Welch–Satterthwaite gives
 * them: the 0.975 quantile (jStat's, from the inverse regularised incomplete beta function). df is at least 1: below
 * it only when every round on both sides measured the same, where the most conservative value still calls a real change.
 */
export function criticalT95(df: number): number {
  return jStat.studentt.inv(0.975, Math.max(1, df));
}

export interface Change {
  id: string;
  /** The Figure's name. */
  figure: string;
  /** Means of the rounds; before is NaN when the previous run did not record the figure. */
  before: number;
  after: number;
  change: number;
  t: number;
  df: number;
  /** "worse": fewer 2xx/s or more server CPU per request (what --fail-on-regression fails on). */
  verdict: "better" | "worse" | "no significant change" | "too few rounds" | "no previous figure";
}

/** Welch's t-test on a figure's rounds; a change is called only when |t| beats the 5 % critical value AND beyond ±5 %. */
function welch(id: string, figure: Figure, before: number[], after: number[]): Change {
  const [m1, m2] = [mean(before), mean(after)];
  const change = m2 / m1 - 1;
  const measured = { id, figure: figure.name, before: m1, after: m2, change };
  if (before.length < 2 || after.length < 2) return { ...measured, t: NaN, df: NaN, verdict: "too few rounds" };
  const [v1, v2] = [stdev(before) ** 2 / before.length, stdev(after) ** 2 / after.length];
  const t = (m2 - m1) / Math.sqrt(v1 + v2 || 1e-12);
  const df = (v1 + v2) ** 2 / ((v1 ** 2) / (before.length - 1) + (v2 ** 2) / (after.length - 1) || 1e-12);
  const significant = Math.abs(t) > criticalT95(df) && Math.abs(change) > 0.05;
  return { ...measured, t, df, verdict: significant ? (change > 0 === figure.biggerIsBetter ? "better" : "worse") : "no significant change" };
}

/**
 * The newest earlier report of the same kind in `dir` (the previous committed run, when the tree is clean), by the
 * start time each report records, whichever way its file is named (<date>-… or <date>T<time>Z-…).
 */
export async function previousReport(dir: string, current: BenchReport): Promise<BenchReport | undefined> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^\d{4}-\d\d-\d\d(T\d\d-\d\d-\d\dZ)?-.*\.json$/.test(n) && n.endsWith(current.kind === "smoke" ? "-smoke.json" : ".json") && (current.kind === "smoke" || !n.endsWith("-smoke.json")));
  const reports: BenchReport[] = [];
  for (const name of names) {
    try {
      const r = JSON.parse(await readFile(join(dir, name), "utf8")) as BenchReport;
      if (Array.isArray(r.scenarios) && r.startedAt < current.startedAt) reports.push(r);
    } catch {
      // not a bench report
    }
  }
  return reports.sort((a, b) => a.startedAt.localeCompare(b.startedAt)).at(-1);
}

/** Each figure of each scenario both runs have, the figure's changes together; a figure this run lacks is left out. */
export function compare(previous: BenchReport, current: BenchReport): Change[] {
  return FIGURES.flatMap((figure) =>
    current.scenarios.flatMap((s) => {
      const earlier = previous.scenarios.find((p) => p.id === s.id);
      const [before, after] = [earlier && figure.rounds(earlier), figure.rounds(s)];
      if (!earlier || !after) return [];
      return [before ? welch(s.id, figure, before, after) : { id: s.id, figure: figure.name, before: NaN, after: mean(after), change: NaN, t: NaN, df: NaN, verdict: "no previous figure" as const }];
    }),
  );
}

function ratios(report: BenchReport, s: Scenario): string {
  return s.baselines
    .map((b) => {
      const base = report.scenarios.find((x) => x.id === b);
      return base ? `${r2(rps(s) / rps(base))}× ${b}` : undefined;
    })
    .filter(Boolean)
    .join(", ") || "–";
}

/** Which run the changes were computed against, as recorded with them (the earlier JSON may be gone since). */
export interface PreviousRun {
  startedAt: string;
  hostname: string;
}

/** `stem`: the name the run's files have (reportStem for a new run; a re-rendered run keeps the one it was written with). */
export function markdownReport(report: BenchReport, stem: string, changes: Change[] | undefined, previous: PreviousRun | undefined): string {
  const o = report.options;
  const sum = (s: Scenario, f: (r: Scenario["rounds"][number]) => number) => s.rounds.reduce((a, r) => a + f(r), 0);
  const rows = report.scenarios.map((s) => {
    const m = (f: (r: Scenario["rounds"][number]) => number) => mean(s.rounds.map(f));
    return `| ${s.name}${s.note ? ` (${s.note})` : ""} | ${r0(rps(s))} ± ${r0(stdev(okRates(s)))} | ${s.serverCpuUsPerRequest ?? "–"} | ${r2(m((r) => r.latencyMs.p50))} | ${r2(m((r) => r.latencyMs.p99))} | ${r2(m((r) => r.latencyMs.p999))} | ${r2(m((r) => r.throughputBytesPerSecond) / 2 ** 20)} | ${sum(s, (r) => r.status["2xx"])} / ${sum(s, (r) => r.status["429"])} / ${sum(s, (r) => r.status["4xx"])} / ${sum(s, (r) => r.status["5xx"])} | ${sum(s, (r) => r.errors + r.timeouts)} | ${ratios(report, s)} | ${s.serverRssMb ?? "?"} |`;
  });
  const direct = report.fixedRate.find((f) => f.id === "bare");
  const fixedRows = report.fixedRate.map(
    (f) =>
      `| ${f.name} | ${f.achievedRate} | ${f.rawMs.p50} / ${f.rawMs.p99} / ${f.rawMs.p999} | ${f.correctedMs.p50} / ${f.correctedMs.p99} / ${f.correctedMs.p999} | ${direct && f !== direct ? `+${r2(f.correctedMs.p50 - direct.correctedMs.p50)} / +${r2(f.correctedMs.p99 - direct.correctedMs.p99)}` : "–"} | ${f.non2xx} |`,
  );
  const lines = [
    `# gateproof benchmark${report.kind === "smoke" ? " (smoke)" : ""}, ${report.startedAt}`,
    "",
    `Made by \`${report.command}\`. Raw rounds and environment: \`${stem}.json\`; github-action-benchmark input: \`${stem}.action-benchmark.json\`.`,
    "",
    `Machine: ${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memoryGb} GiB, Node ${report.machine.node}, ${report.machine.platform}; ${Object.entries(report.machine.versions).map(([k, v]) => `${k} ${v}`).join(", ")}.`,
    `Placement: ${report.placement}. Load average (1/5/15 min) at start ${report.machine.loadAverage.start.join(" / ")}, at end ${report.machine.loadAverage.end.join(" / ")}${Math.max(...report.machine.loadAverage.start, ...report.machine.loadAverage.end) > report.machine.cpus * 0.5 ? " — **the machine was busy with other work: absolute numbers and ratios are noisy**" : ""}.`,
    `Load: autocannon, ${o.connections} connections, pipelining 1, closed loop; one ${o.warmupSeconds} s warm-up per scenario, then ${o.rounds} measured round${o.rounds === 1 ? "" : "s"} of ${o.durationSeconds} s, rounds interleaved across scenarios (2xx/s — answers per second that were 2xx, so a 429 never counts as a fast response — is the mean over rounds ± its standard deviation; latencies the mean of the per-round percentiles).`,
    "Server CPU µs/request: the user + system CPU time of the scenario's server (every thread; serverless-offline with its child processes) over the measured rounds, divided by the requests it answered. The HTTP_PROXY backend's own CPU is not in the proxies' figures. On a shared machine it varies less than req/s, and it shows what req/s hides when a proxy and its backend share one core.",
    "Every route answers the same 19-byte JSON body; each target is checked for the exact bytes before it is measured. Status counts are summed over the measured rounds; 429s are counted apart and never as fast responses.",
    ...(report.scenarios.some((s) => s.id === "handoff")
      ? ["The worker hand-off baseline is a bare node:http server that passes each request to one of eight worker threads and answers when the worker signals back (Atomics wait/notify, Node's cheapest hand-off; nothing else). The reference's Lambda routes run each handler in a worker thread, as Lambda isolates it in an execution environment, so they pay this hand-off and more: its ratios are the most any worker-isolated route can reach on this machine, and the Lambda targets below show them."]
      : []),
    ...(report.accountLimit ? [`The reference runs with its account-level throttle raised to ${report.accountLimit.rate} req/s (burst ${report.accountLimit.burst}): AWS's default of 10,000 req/s is a quota users raise, and would otherwise cap the fastest routes.`] : []),
    "",
    "## Closed loop (max throughput)",
    "",
    `![2xx responses/s per scenario with its baselines, ± 1 stdev of the rounds; 429s not counted](${chartFile(report)})`,
    "",
    "| scenario | 2xx/s | server CPU µs/request | p50 ms | p99 ms | p99.9 ms | MiB/s | 2xx / 429 / 4xx / 5xx | errors | ratio to baselines (2xx/s) | server RSS MB |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ...rows,
    "",
    `## Proxy overhead at a fixed ${o.rate} req/s (${o.rateSeconds} s each)`,
    "",
    `autocannon \`overallRate: ${o.rate}\` over ${o.connections} connections (one request every ${r2((o.connections / o.rate) * 1000)} ms per connection). autocannon times a request from the moment it is written, so a stall longer than that interval hides the waiting of the requests behind it (coordinated omission); the corrected columns back-fill every sample L with L − i, L − 2i, … ≥ i (i = the per-connection interval), as HdrHistogram's recordValueWithExpectedInterval does. "added" = corrected p50 / p99 minus the backend called directly.`,
    "",
    "| target | achieved req/s | raw p50 / p99 / p99.9 ms | corrected p50 / p99 / p99.9 ms | added p50 / p99 ms | non-2xx |",
    "|---|---:|---:|---:|---:|---:|",
    ...fixedRows,
    "",
    ...(report.vtl ? [`VTL render (in the bench process, best of the rounds, outputs checked equal): reference ${report.vtl.referencePerSecond}/s, velocityjs ${report.vtl.velocityjsPerSecond}/s on \`${report.vtl.template.replace(/\n/g, " ")}\`.`, ""] : []),
    "## Targets",
    "",
    "| target | goal | measured | |",
    "|---|---|---|---|",
    ...report.targets.map((t) => `| ${t.name} | ${t.goal} | ${t.measured} | ${t.met === undefined ? "–" : t.met ? "met" : "**missed**"} |`),
    "",
  ];
  if (report.skipped.length) lines.push("## Skipped", "", ...report.skipped.map((s) => `- ${s}`), "");
  lines.push(`## Compared with the previous run`, "");
  if (!previous || !changes) lines.push("No earlier report of this kind in this folder.", "");
  else
    lines.push(
      `Previous: ${previous.startedAt} (${previous.hostname}). Welch's t-test over the rounds' 2xx/s and server CPU µs/request (before and after: the means of the rounds); a change is called only when significant at 5 % and beyond ±5 %, "worse" meaning fewer 2xx/s or more CPU per request.`,
      "",
      "| scenario | figure | before | after | change | t | df | verdict |",
      "|---|---|---:|---:|---:|---:|---:|---|",
      ...changes.map((c) => {
        const decimals = FIGURES.find((f) => f.name === c.figure)?.decimals ?? 0;
        return `| ${c.id} | ${c.figure} | ${fixed(c.before, decimals)} | ${fixed(c.after, decimals)} | ${Number.isFinite(c.change) ? `${(c.change * 100).toFixed(1)} %` : "–"} | ${r2(c.t)} | ${r2(c.df)} | ${c.verdict} |`;
      }),
      "",
    );
  lines.push(
    "Regenerate: `npm run bench` (full; options `--duration S --warmup S --rounds N --connections N --rate R --rate-seconds S --no-offline --fail-on-regression --out DIR`) or `npm run bench:smoke` (seconds; CI).",
    `This page and its chart alone, from the run's JSON (nothing measured): \`npm run bench -- --from-json ${join("reports/bench", `${stem}.json`)}\`.`,
    "",
  );
  return lines.join("\n");
}
