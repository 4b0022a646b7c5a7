/**
 * The bench's run files (src/bench/report.ts, src/commands/bench.ts): named to the second so that a second run on
 * the same day keeps the first, the previous run found by the time each records whichever way its file is named,
 * and the closed-loop table's server CPU per request column.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { previousReport, reportStem } from "../../../src/bench/report.ts";
import type { BenchReport } from "../../../src/bench/run.ts";
import { bench } from "../../../src/commands/bench.ts";

const COMMITTED = JSON.parse(readFileSync(new URL("../../../reports/bench/2026-11-24-vm.json", import.meta.url).pathname, "utf8")) as BenchReport;
const run = (startedAt: string, kind: BenchReport["kind"] = "full"): BenchReport => ({ ...COMMITTED, startedAt, kind });

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
    expect(readFileSync(join(dir, "2026-11-24-vm.svg"), "utf8")).toContain("72.1 µs server CPU/request");
  });
});
