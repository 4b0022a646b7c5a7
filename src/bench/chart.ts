/**
 * The bench report's chart: one self-contained SVG (no script, no external font or image), written next to the
 * report. Each scenario that is compared with baselines is a group: its bar, then a thinner bar per baseline.
 * Bars are 2xx responses per second (the mean over rounds), with an error bar of ± one standard deviation of the
 * rounds; 429s and other non-2xx answers are not fast responses and do not count toward a bar (the 429 rate is
 * written beside it instead).
 */
import { mean, okRates, statusRate, stdev, type BenchReport, type Scenario } from "./run.ts";

const WIDTH = 960;
const LABEL_WIDTH = 400;
const VALUE_WIDTH = 150;
const PLOT_WIDTH = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
const ROW = 22;
const BASELINE_ROW = 18;
const GROUP_GAP = 12;
const TOP = 64;
const AXIS = 30;

const escapeXml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fixed = (n: number) => (Math.round(n * 10) / 10).toString();


export interface ChartBar {
  id: string;
  label: string;
  baseline: boolean;
  /** 2xx/s: mean over rounds and its standard deviation (NaN with one round). */
  mean: number;
  stdev: number;
  /** 429/s, mean over rounds. */
  throttled: number;
  /** The scenario's server CPU µs per answered request, when measured (shown on hover). */
  cpuUsPerRequest: number | undefined;
}

function barOf(scenario: Scenario, baseline: boolean): ChartBar {
  const rates = okRates(scenario);
  const unit = scenario.note?.startsWith("messages/s") ? " (messages/s)" : "";
  return { id: scenario.id, label: `${scenario.name}${unit}`, baseline, mean: mean(rates), stdev: stdev(rates), throttled: mean(scenario.rounds.map((r) => statusRate(r, "429"))), cpuUsPerRequest: scenario.serverCpuUsPerRequest };
}

/**
 * The groups drawn: every scenario that is nobody's baseline, followed by its baselines. A baseline with
 * baselines of its own (the plain proxies against bare node:http) appears under the scenario that names it.
 */
export function chartGroups(report: BenchReport): ChartBar[][] {
  const byId = new Map(report.scenarios.map((s) => [s.id, s]));
  const named = new Set(report.scenarios.flatMap((s) => s.baselines));
  return report.scenarios
    .filter((s) => !named.has(s.id))
    .map((s) => [barOf(s, false), ...s.baselines.flatMap((id) => (byId.has(id) ? [barOf(byId.get(id)!, true)] : []))]);
}

/** A round axis maximum: 1, 2 or 5 × 10^k at or above `value`. */
function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((f) => f * power).find((v) => v >= value)!;
}

/** The stable name the report links to: latest.svg for full runs (committed), smoke.svg for smoke runs (CI output). */
export const chartFile = (report: BenchReport): string => (report.kind === "smoke" ? "smoke.svg" : "latest.svg");

export function benchChartSvg(report: BenchReport): string {
  const groups = chartGroups(report);
  const bars = groups.flat();
  const max = niceMax(Math.max(...bars.map((b) => b.mean + (Number.isFinite(b.stdev) ? b.stdev : 0))));
  const x = (value: number) => LABEL_WIDTH + (Math.max(0, value) / max) * PLOT_WIDTH;
  const rows = bars.length;
  const height = TOP + rows * ROW + groups.length * GROUP_GAP + AXIS;
  const parts: string[] = [];
  let y = TOP;
  for (const group of groups) {
    for (const bar of group) {
      const rowHeight = bar.baseline ? BASELINE_ROW : ROW;
      const barHeight = bar.baseline ? 10 : 14;
      const mid = y + rowHeight / 2;
      const label = bar.label.length > 62 ? `${bar.label.slice(0, 61)}…` : bar.label;
      parts.push(
        `<g class="${bar.baseline ? "baseline" : "scenario"}" data-id="${escapeXml(bar.id)}">`,
        `<title>${escapeXml(`${bar.label}: ${Math.round(bar.mean)} 2xx/s${Number.isFinite(bar.stdev) ? ` ± ${Math.round(bar.stdev)}` : ""}${bar.throttled > 0 ? `, ${Math.round(bar.throttled)} 429/s not counted` : ""}${bar.cpuUsPerRequest !== undefined ? `, ${bar.cpuUsPerRequest} µs server CPU/request` : ""}`)}</title>`,
        `<text x="${LABEL_WIDTH - 8}" y="${fixed(mid + 4)}" text-anchor="end" class="${bar.baseline ? "label-baseline" : "label"}">${escapeXml(bar.baseline ? `vs ${label}` : label)}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${fixed(mid - barHeight / 2)}" width="${fixed(x(bar.mean) - LABEL_WIDTH)}" height="${barHeight}" class="${bar.baseline ? "bar-baseline" : "bar"}"/>`,
      );
      if (Number.isFinite(bar.stdev) && bar.stdev > 0) {
        const [low, high] = [x(bar.mean - bar.stdev), x(bar.mean + bar.stdev)];
        parts.push(
          `<path d="M${fixed(low)} ${fixed(mid)}H${fixed(high)}M${fixed(low)} ${fixed(mid - 4)}V${fixed(mid + 4)}M${fixed(high)} ${fixed(mid - 4)}V${fixed(mid + 4)}" class="error"/>`,
        );
      }
      const value = `${Math.round(bar.mean)}${Number.isFinite(bar.stdev) ? ` ± ${Math.round(bar.stdev)}` : ""}${bar.throttled > 0 ? ` (+${Math.round(bar.throttled)} 429/s)` : ""}`;
      parts.push(`<text x="${WIDTH - VALUE_WIDTH + 6}" y="${fixed(mid + 4)}" class="value">${escapeXml(value)}</text>`, "</g>");
      y += rowHeight;
    }
    y += GROUP_GAP;
  }
  const axisY = y;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
  const grid = ticks.map((t) => `<line x1="${fixed(x(t))}" y1="${TOP - 6}" x2="${fixed(x(t))}" y2="${fixed(axisY)}" class="grid"/><text x="${fixed(x(t))}" y="${fixed(axisY + 16)}" text-anchor="middle" class="tick">${Math.round(t)}</text>`);
  const rounds = report.options.rounds;
  const title = `gateproof bench ${report.kind === "smoke" ? "(smoke) " : ""}${report.startedAt} — ${report.machine.cpus} × ${report.machine.cpuModel}, Node ${report.machine.node}`;
  const subtitle = `2xx responses/s per scenario (mean of ${rounds} round${rounds === 1 ? "" : "s"}, error bar ± 1 stdev of the rounds); thinner grey bars: its baselines in the same run; 429s are not counted`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    "<style>.label{fill:#111}.label-baseline{fill:#555;font-size:11px}.value{fill:#333;font-size:11px}.tick{fill:#555;font-size:10px}.bar{fill:#2b6cb0}.bar-baseline{fill:#a0aec0}.error{stroke:#111;stroke-width:1.2;fill:none}.grid{stroke:#e2e8f0;stroke-width:1}</style>",
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="12" y="22" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="12" y="42" font-size="11" fill="#444">${escapeXml(subtitle)}</text>`,
    ...grid,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}
