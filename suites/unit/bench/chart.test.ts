/**
 * The bench report's SVG chart (src/bench/chart.ts), made the way a user regenerates it: `gateproof bench
 * --from-json` on the committed full run, which writes the chart by run and at the stable name the README links to.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chartGroups } from "../../../src/bench/chart.ts";
import { mean, rps, type BenchReport } from "../../../src/bench/run.ts";
import { bench } from "../../../src/commands/bench.ts";
import { assertWellFormedXml } from "../../harness/xml.ts";

const COMMITTED = new URL("../../../reports/bench/2026-11-24-vm.json", import.meta.url).pathname;

describe("bench chart from the committed run's JSON", () => {
  const dir = mkdtempSync(join(tmpdir(), "gateproof-chart-"));
  const json = join(dir, "2026-11-24-vm.json");
  const report = JSON.parse(readFileSync(COMMITTED, "utf8")) as BenchReport;
  // A tenth of every cache-hit round turned into 429s: the committed run may have none (its account limit is raised),
  // and the chart must still keep them apart from the 2xx it draws.
  for (const round of report.scenarios.find((s) => s.id === "cached")!.rounds) {
    round.status["429"] += Math.round(round.status["2xx"] / 10);
    round.status["2xx"] -= Math.round(round.status["2xx"] / 10);
  }
  writeFileSync(json, JSON.stringify(report));
  const rendered = (async () => {
    const stdout = process.stdout.write;
    process.stdout.write = () => true; // the command prints the Markdown report
    try {
      expect(await bench(["--from-json", json])).toBe(0);
    } finally {
      process.stdout.write = stdout;
    }
    return { svg: readFileSync(join(dir, "latest.svg"), "utf8"), byRun: readFileSync(join(dir, "2026-11-24-vm.svg"), "utf8"), readme: readFileSync(join(dir, "README.md"), "utf8") };
  })();

  it("is well-formed, self-contained XML, the same by run and at the stable name the README links to", async () => {
    const { svg, byRun, readme } = await rendered;
    const elements = assertWellFormedXml(svg);
    expect(elements[0]!.name).toBe("svg");
    expect(elements[0]!.attrs.xmlns).toBe("http://www.w3.org/2000/svg");
    expect(svg).not.toMatch(/<(script|image|foreignObject)\b|href=/);
    expect(byRun).toBe(svg);
    expect(readme).toContain("](latest.svg)");
  });

  it("has every scenario, each reference scenario grouped with its baselines", async () => {
    const { svg } = await rendered;
    const drawn = assertWellFormedXml(svg).filter((e) => e.name === "g");
    for (const scenario of report.scenarios) expect(drawn.map((g) => g.attrs["data-id"]), scenario.id).toContain(scenario.id);
    const groups = chartGroups(report);
    const lambda = groups.find((group) => group[0]!.id === "lambda")!;
    expect(lambda.map((bar) => bar.id)).toEqual(["lambda", "bare", "offline-inprocess-lambda", "offline-worker-lambda"]);
    expect(drawn.filter((g) => g.attrs.class === "scenario")).toHaveLength(groups.length);
  });

  it("counts 2xx only: the 429s of a round are not fast responses, and are written beside the bar", async () => {
    const { svg } = await rendered;
    const cached = report.scenarios.find((s) => s.id === "cached")!;
    expect(cached.rounds.some((r) => r.status["429"] > 0)).toBe(true);
    const bar = chartGroups(report).flat().find((b) => b.id === "cached")!;
    const twoXx = cached.rounds.map((r) => (r.requestsPerSecond * r.status["2xx"]) / r.requests);
    expect(bar.mean).toBeCloseTo(twoXx.reduce((a, b) => a + b, 0) / twoXx.length, 6);
    // autocannon's own req/s counts every answer; the chart, the tables and the ratios count 2xx only.
    expect(bar.mean).toBeLessThan(mean(cached.rounds.map((r) => r.requestsPerSecond)));
    expect(rps(cached)).toBeCloseTo(bar.mean, 6);
    expect(bar.throttled).toBeGreaterThan(0);
    expect(svg).toContain(`(+${Math.round(bar.throttled)} 429/s)`);
    // ± one standard deviation of the rounds, drawn as an error bar on every multi-round scenario.
    expect(svg.match(/class="error"/g)).toHaveLength(chartGroups(report).flat().filter((b) => b.stdev > 0).length);
  });
});
