/**
 * The bench's reading of a server's CPU time (src/bench/processes.ts treeCpuSeconds): a server's CPU includes the
 * processes it runs handlers in (serverless-offline's worker mode), while they run and after they have ended.
 */
import { once } from "node:events";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { treeCpuSeconds } from "../../../src/bench/processes.ts";
import { spawnNode } from "../../harness/processes.ts";

// A parent that, when told, starts a child burning 0.8 s of CPU (by its own clock, not the wall's: the machine is
// shared), which says when it is half way; the parent says when it has reaped it, and ends when told again (so it is
// still there to be read after the reaping, however slow the test's reading is). The parent itself stays idle.
const CHILD = `const burn = (s) => { while (process.cpuUsage().user + process.cpuUsage().system < s * 1e6); };
burn(0.4); console.log("half"); burn(0.8);`;
const PARENT = `const { spawn } = require("node:child_process");
let told = 0;
process.on("message", () => {
  if (++told > 1) return process.disconnect();
  const child = spawn(process.execPath, ["-e", ${JSON.stringify(CHILD)}], { stdio: ["ignore", "inherit", "inherit"] });
  child.on("exit", () => console.log("reaped"));
});`;

describe("treeCpuSeconds", () => {
  it("counts a child process's CPU while it runs and after it has been reaped", async () => {
    const parent = spawnNode(["-e", PARENT], ["ignore", "pipe", "inherit"]);
    const lines = createInterface({ input: parent.stdout! })[Symbol.asyncIterator]();
    const before = (await treeCpuSeconds(parent.pid!))!;
    expect(before).toBeGreaterThanOrEqual(0);
    parent.send("burn");
    expect((await lines.next()).value).toBe("half");
    // The child is alive and has used at least 0.4 s (ticks of 10 ms); the parent has not reaped anything yet.
    expect((await treeCpuSeconds(parent.pid!))! - before).toBeGreaterThanOrEqual(0.38);
    expect((await lines.next()).value).toBe("reaped");
    // The child is gone from the tree; its 0.8 s are in the parent's cutime + cstime.
    expect((await treeCpuSeconds(parent.pid!))! - before).toBeGreaterThanOrEqual(0.78);
    const exited = once(parent, "exit");
    parent.send("end");
    await exited;
    expect(await treeCpuSeconds(parent.pid!)).toBeUndefined();
  });
});
