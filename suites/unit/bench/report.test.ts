/**
 * The bench's run files (src/bench/report.ts, src/commands/bench.ts): named to the second so that a second run on
 * the same day keeps the first, the previous run found by the time each records whichever way its file is named,
 * the closed-loop table's server CPU per request column, and that figure in the github-action-benchmark JSON and in
 * the comparison with the previous run (Welch's t-test over its rounds) next to 2xx/s.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { actionBenchmark, compare, criticalT95, markdownReport, previousReport, reportStem } from "../../../src/bench/report.ts";
import { stdev, targets, type BenchReport } from "../../../src/bench/run.ts";
import { bench } from "../../../src/commands/bench.ts";

const COMMITTED = JSON.parse(readFileSync(new URL("../../../reports/bench/2026-11-24-vm.json", import.meta.url).pathname, "utf8")) as BenchReport;
const run = (startedAt: string, kind: BenchReport["kind"] = "full"): BenchReport => ({ ...COMMITTED, startedAt, kind });

/**
 * The committed run (made before rounds recorded CPU) with each closed-loop round's server CPU time set so that its
 * µs per request are `usPerRequest(scenario id)[round]`, and the scenario's figure as the bench computes it
 * (total CPU over total requests). The WebSocket scenario has no CPU figure, as in a real run.
 */
function withCpu(usPerRequest: (id: string) => number[]): BenchReport {
  const report = structuredClone(COMMITTED);
  for (const s of report.scenarios.filter((x) => x.id !== "websocket")) {
    s.rounds.forEach((r, i) => (r.serverCpuSeconds = (usPerRequest(s.id)[i]! * r.requests) / 1e6));
    const total = (f: (r: (typeof s.rounds)[number]) => number) => s.rounds.reduce((a, r) => a + f(r), 0);
    s.serverCpuUsPerRequest = Math.round((total((r) => r.serverCpuSeconds!) * 1e7) / total((r) => r.requests)) / 10;
  }
  return report;
}
const cpuChanges = (previous: BenchReport, current: BenchReport) => Object.fromEntries(compare(previous, current).filter((c) => c.figure === "server CPU µs/request").map((c) => [c.id, c.verdict]));

describe("bench run files", () => {
  it("are named by the run's start to the second, so two runs on one day do not share a name", () => {
    const morning = reportStem(run("2026-11-24T09:15:02.120Z"));
    const evening = reportStem(run("2026-11-24T17:40:59.999Z"));
    expect(morning).toBe(`2026-11-24T09-15-02Z-${COMMITTED.machine.hostname}`);
    expect(evening).not.toBe(morning);
    expect(reportStem(run("2026-11-24T09:15:02.120Z", "smoke"))).toBe(`${morning}-smoke`);
  });

  it("compare with the newest earlier run of the same kind, old-named (<date>-<machine>) or named with the time", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gateproof-bench-previous-"));
    const write = (report: BenchReport, name = `${reportStem(report)}.json`) => writeFileSync(join(dir, name), JSON.stringify(report));
    write(run("2026-11-24T08:00:00.000Z"), "2026-11-24-vm.json"); // named before the time was in names
    write(run("2026-11-24T12:00:00.000Z"));
    write(run("2026-11-24T13:00:00.000Z", "smoke"));
    write(run("2026-11-24T19:00:00.000Z"));
    writeFileSync(join(dir, "2026-11-24T14-00-00Z-vm.action-benchmark.json"), JSON.stringify({ customBiggerIsBetter: [] }));
    expect((await previousReport(dir, run("2026-11-24T14:30:00.000Z")))?.startedAt).toBe("2026-11-24T12:00:00.000Z");
    expect((await previousReport(dir, run("2026-11-24T11:59:59.000Z")))?.startedAt).toBe("2026-11-24T08:00:00.000Z");
    expect((await previousReport(dir, run("2026-11-24T14:30:00.000Z", "smoke")))?.startedAt).toBe("2026-11-24T13:00:00.000Z");
    expect(await previousReport(dir, run("2026-11-24T07:00:00.000Z"))).toBeUndefined();
  });

  it("report each closed-loop scenario's server CPU per request next to its 2xx/s; a re-render keeps the JSON's name", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gateproof-bench-cpu-"));
    const report = structuredClone(COMMITTED);
    report.scenarios.find((s) => s.id === "proxy")!.serverCpuUsPerRequest = 72.1;
    report.scenarios.find((s) => s.id === "fastify-proxy")!.serverCpuUsPerRequest = 95.4;
    for (const s of report.scenarios) if (s.id !== "proxy" && s.id !== "fastify-proxy") delete s.serverCpuUsPerRequest;
    writeFileSync(join(dir, "2026-11-24-vm.json"), JSON.stringify(report));
    const stdout = process.stdout.write;
    process.stdout.write = () => true; // the command prints the Markdown report
    try {
      expect(await bench(["--from-json", join(dir, "2026-11-24-vm.json")])).toBe(0);
    } finally {
      process.stdout.write = stdout;
    }
    const readme = readFileSync(join(dir, "README.md"), "utf8");
    const header = readme.split("\n").find((line) => line.startsWith("| scenario | 2xx/s |"))!.split("|").map((c) => c.trim());
    const cpuColumn = header.indexOf("server CPU µs/request");
    expect(cpuColumn).toBe(header.indexOf("2xx/s") + 1);
    const cell = (name: string) => readme.split("\n").find((line) => line.startsWith(`| ${name} |`))!.split("|").map((c) => c.trim())[cpuColumn];
    expect(cell(report.scenarios.find((s) => s.id === "proxy")!.name)).toBe("72.1");
    expect(cell(report.scenarios.find((s) => s.id === "fastify-proxy")!.name)).toBe("95.4");
    expect(cell(report.scenarios.find((s) => s.id === "mock")!.name)).toBe("–");
    expect(readme).toContain("Raw rounds and environment: `2026-11-24-vm.json`");
    // Its recorded comparison predates the figure column: every change it holds is of 2xx/s.
    expect(readme).toContain("| bare | 2xx/s | 31544 | 39038 | 23.8 % | 1 | 3.34 | no significant change |");
    expect(readFileSync(join(dir, "2026-11-24-vm.svg"), "utf8")).toContain("72.1 µs server CPU/request");
  });

  it("put each scenario's server CPU µs/request in the github-action-benchmark JSON, smaller is better, ± the stdev of its rounds", () => {
    const report = withCpu((id) => (id === "proxy" ? [70, 72, 74] : [40, 41, 42]));
    const entry = (name: string) => actionBenchmark(report).smaller.find((e) => (e as { name: string }).name === name);
    const proxy = report.scenarios.find((s) => s.id === "proxy")!;
    expect(entry("proxy server CPU µs/request")).toEqual({ name: "proxy server CPU µs/request", unit: "µs", value: proxy.serverCpuUsPerRequest, range: "± 2", extra: proxy.name });
    const closedLoop = report.scenarios.filter((s) => s.id !== "websocket").map((s) => `${s.id} server CPU µs/request`);
    expect(actionBenchmark(report).smaller.map((e) => (e as { name: string }).name).filter((name) => name.includes("CPU"))).toEqual(closedLoop);
    expect(actionBenchmark(report).bigger).toEqual(actionBenchmark(COMMITTED).bigger);
    // A run from before CPU was measured has no such entries rather than empty ones.
    expect(actionBenchmark(COMMITTED).smaller.some((e) => (e as { name: string }).name.includes("CPU"))).toBe(false);
  });

  it("compare server CPU µs/request round by round: a change beyond ±5 % and significant is called, more CPU being worse", () => {
    const before = withCpu((id) => (id === "mock" ? [70, 70.2, 70.4] : [70, 72, 74]));
    const after = withCpu((id) => ({ proxy: [84, 86.4, 88.8], lambda: [56, 57.6, 59.2], mock: [73, 73.2, 73.4] })[id] ?? [70, 72, 74]);
    const verdicts = cpuChanges(before, after);
    expect(verdicts).toMatchObject({ proxy: "worse", lambda: "better", mock: "no significant change", bare: "no significant change" });
    expect(Object.keys(verdicts)).toEqual(after.scenarios.filter((s) => s.id !== "websocket").map((s) => s.id));
    const proxy = compare(before, after).find((c) => c.id === "proxy" && c.figure === "server CPU µs/request")!;
    expect(proxy.before).toBeCloseTo(72, 6);
    expect(proxy.after).toBeCloseTo(86.4, 6);
    expect(proxy.change).toBeCloseTo(0.2, 6);
    // 2xx/s keeps its own direction: fewer answers per second is worse.
    const slowerBare = structuredClone(after);
    for (const r of slowerBare.scenarios.find((s) => s.id === "bare")!.rounds) r.requestsPerSecond *= 0.3;
    const okVerdict = (id: string) => compare(before, slowerBare).find((c) => c.id === id && c.figure === "2xx/s")?.verdict;
    expect([okVerdict("bare"), okVerdict("mock")]).toEqual(["worse", "no significant change"]);
  });

  it("compare tests at Student's two-sided 5 % critical t for the Welch df, fractional or beyond 30", () => {
    // Known 0.975 quantiles (any table of Student's t); 1.96 is the normal limit, too lenient below df ≈ 1000.
    const known: [number, number][] = [[1, 12.706], [5, 2.571], [30, 2.042], [31, 2.04], [40, 2.021], [60, 2.0], [120, 1.98], [1e6, 1.96]];
    expect(known.map(([df]) => Number(criticalT95(df).toFixed(3)))).toEqual(known.map(([, t]) => t));
    // Welch–Satterthwaite df are fractional: between the integers' values, not rounded to either.
    expect(criticalT95(30.5)).toBeLessThan(criticalT95(30));
    expect(criticalT95(30.5)).toBeGreaterThan(criticalT95(31));

    // 17 rounds a side with equal spread: df 32, where the critical t is 2.037. A 6 % rise in CPU per request at t = 2.02
    // is not significant (1.96 called it worse); at t = 2.06 it is.
    const bareCpu = (usPerRequest: number[]): BenchReport => {
      const report = structuredClone(COMMITTED);
      const bare = report.scenarios.find((x) => x.id === "bare")!;
      bare.rounds = usPerRequest.map((us) => ({ ...bare.rounds[0]!, serverCpuSeconds: (us * bare.rounds[0]!.requests) / 1e6 }));
      return report;
    };
    const rounds = (mean: number, t: number) => Array.from({ length: 17 }, (_, i) => mean + ((i - 8) * 6) / (t * Math.sqrt(2 / 17) * Math.sqrt(25.5)));
    const bareChange = (t: number) => compare(bareCpu(rounds(100, t)), bareCpu(rounds(106, t))).find((c) => c.id === "bare" && c.figure === "server CPU µs/request")!;
    expect(bareChange(2.02)).toMatchObject({ verdict: "no significant change", df: expect.closeTo(32, 6), t: expect.closeTo(2.02, 6) });
    expect(bareChange(2.06)).toMatchObject({ verdict: "worse", t: expect.closeTo(2.06, 6) });
  });

  it("compare with a run from before CPU was recorded: its 2xx/s as before, and no previous CPU figure", () => {
    const current = withCpu(() => [70, 72, 74]);
    const changes = compare(COMMITTED, current);
    expect(changes.filter((c) => c.figure === "2xx/s").map((c) => c.id)).toEqual(current.scenarios.map((s) => s.id));
    expect(new Set(Object.values(cpuChanges(COMMITTED, current)))).toEqual(new Set(["no previous figure"]));
    const markdown = markdownReport(current, "2026-11-24T20-00-00Z-vm", changes, { startedAt: COMMITTED.startedAt, hostname: "vm" });
    expect(markdown).toContain("| proxy | server CPU µs/request | – | 72 | – | – | – | no previous figure |");
    expect(markdown).toMatch(/\| proxy \| 2xx\/s \| \d+ \| \d+ \| 0\.0 % \|/);
    expect(stdev(current.scenarios.find((s) => s.id === "proxy")!.rounds.map((r) => (r.serverCpuSeconds! * 1e6) / r.requests))).toBeCloseTo(2, 6);
  });

  it("bound the Lambda targets by the worker hand-off baseline's own ratios when the run measured it", () => {
    const report = structuredClone(COMMITTED);
    const bare = report.scenarios.find((s) => s.id === "bare")!;
    const offline = report.scenarios.find((s) => s.id === "offline-inprocess-lambda")!;
    const measured = (r: BenchReport) => Object.fromEntries(targets(r).map((t) => [t.name, t.measured]));
    expect(measured(report)["Lambda proxy vs bare node:http"]).not.toContain("hand-off");
    // A hand-off server at 0.43× the bare server: rounds scaled so that every round keeps its 2xx share.
    report.scenarios.push({ ...structuredClone(bare), id: "handoff", rounds: bare.rounds.map((r) => ({ ...r, requestsPerSecond: r.requestsPerSecond * 0.43 })) });
    const withHandOff = measured(report);
    const offlineRatio = (0.43 * bare.rounds.reduce((a, r) => a + r.requestsPerSecond * (r.status["2xx"] / r.requests), 0)) / offline.rounds.reduce((a, r) => a + r.requestsPerSecond * (r.status["2xx"] / r.requests), 0);
    expect(withHandOff["Lambda proxy vs bare node:http"]).toMatch(/^\d+\.\d\d× \(the worker hand-off alone: 0\.43×\)$/);
    expect(withHandOff["Lambda proxy vs serverless-offline --useInProcess"]).toContain(`(the worker hand-off alone: ${offlineRatio.toFixed(2)}×)`);
    expect(withHandOff["MOCK vs bare node:http"]).not.toContain("hand-off");
  });
});
