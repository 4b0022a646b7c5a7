import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { cpuTimes } from "../../bench/processes.ts";
import type { ReplayReport } from "../report/model.ts";

const CLI = new URL("../../gateproof.mjs", import.meta.url).pathname;

export interface MeasuredReplay {
  report: ReplayReport;
  exitCode: number | null;
  /** Peak resident set of the replay process (VmHWM), MB. */
  peakRssMb: number;
  /** CPU seconds (user + system, all threads) the process had used at the last poll, ≤ 100 ms before it exited. */
  cpuSeconds: number;
}

/** Peak RSS so far, from the kernel's high-water mark; polled because /proc/<pid> is gone once the process exits. */
async function highWaterMb(pid: number): Promise<number | undefined> {
  try {
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, "utf8"))?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** `gateproof replay` in its own process, as a user runs it; its JSON report and its peak memory. */
export async function measureReplay(args: string[], reportDir: string): Promise<MeasuredReplay> {
  const child = spawn(process.execPath, [CLI, "replay", ...args, "--report-dir", reportDir], { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, CI: "1" } });
  let peak = 0;
  let cpuSeconds = 0;
  const poll = setInterval(async () => {
    const [mb, cpu] = await Promise.all([highWaterMb(child.pid!), cpuTimes(child.pid!)]);
    if (mb !== undefined) peak = Math.max(peak, mb);
    // Its own CPU (every thread): the replay does its work in this one process.
    if (cpu !== undefined) cpuSeconds = Math.max(cpuSeconds, cpu.ownSeconds);
  }, 100);
  const exitCode = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  clearInterval(poll);
  const report = JSON.parse(await readFile(`${reportDir}/replay.json`, "utf8")) as ReplayReport;
  return { report, exitCode, peakRssMb: Math.round(peak * 10) / 10, cpuSeconds };
}
