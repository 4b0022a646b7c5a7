/**
 * No gateway outlives the test run that started it, however the run ends (suites/harness/processes.ts): a vitest run
 * of fixtures/orphans (a test file that starts `gateproof serve` through the harness) is ended normally after a failed
 * and a timed-out test, killed by each signal, and has its worker SIGKILLed; every gateway it started must be gone.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { features } from "../harness/conformance.ts";
import { own, spawnNode } from "../harness/processes.ts";

const VITEST = new URL("../../node_modules/vitest/vitest.mjs", import.meta.url).pathname;
const CONFIG = new URL("./fixtures/orphans/vitest.config.ts", import.meta.url).pathname;

/** Running and not a zombie (an orphan's zombie may wait for a reaper; it holds no port and runs no code). */
function running(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  const state = readFileSync(stat, "utf8").replace(/^.*\) /s, "")[0];
  return state !== "Z" && state !== "X";
}

async function until(what: string, condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The fixture run; `started()` is the { worker, gateway } pids of each gateway that serves. */
function fixtureRun(ending: "fail" | "hang") {
  const pidsFile = join(mkdtempSync(join(tmpdir(), "gateproof-orphans-")), "pids.jsonl");
  const env = { ...process.env, NO_COLOR: "1", GATEPROOF_ORPHANS_ENDING: ending, GATEPROOF_ORPHANS_PIDS: pidsFile };
  const run = spawnNode([VITEST, "run", "--config", CONFIG], ["ignore", "pipe", "pipe"], env);
  let output = "";
  run.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  run.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => run.once("exit", () => resolve()));
  const started = () =>
    existsSync(pidsFile)
      ? readFileSync(pidsFile, "utf8")
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line) as { worker: number; gateway: number })
      : [];
  return { run, exited, started, output: () => output };
}

/** If the harness fails, this test still must not leave the gateways behind: they are owned here too. */
const ownGateways = (pids: Array<{ gateway: number }>) =>
  pids.forEach(({ gateway }) =>
    own(() => {
      if (running(gateway)) process.kill(gateway, "SIGKILL");
    }),
  );

describe("no gateway outlives its test run", features(["tooling.cli"], { referenceOnly: true, timeout: 90_000 }), () => {
  it("a test that fails before its stop and one that times out: gone when the run ends", async () => {
    const fixture = fixtureRun("fail");
    await fixture.exited;
    const pids = fixture.started();
    ownGateways(pids);
    expect(fixture.output()).toMatch(/Tests\s+2 failed/);
    expect(pids, fixture.output()).toHaveLength(2);
    await until("gateways gone", () => pids.every(({ gateway }) => !running(gateway)), 5_000);
  });

  for (const [how, kill] of [
    ["SIGINT", (run: number) => process.kill(run, "SIGINT")],
    ["Ctrl-C (SIGINT to its process group)", (run: number) => process.kill(-run, "SIGINT")],
    ["SIGTERM", (run: number) => process.kill(run, "SIGTERM")],
    ["SIGKILL", (run: number) => process.kill(run, "SIGKILL")],
  ] as const) {
    it(`vitest ended by ${how} while a test runs: its gateway is gone within 10 s`, async () => {
      const fixture = fixtureRun("hang");
      await until("the fixture's gateway serving", () => fixture.started().length === 1, 60_000);
      const [pids] = fixture.started();
      ownGateways([pids!]);
      expect(running(pids!.gateway)).toBe(true);
      kill(fixture.run.pid!);
      await until("gateway gone", () => !running(pids!.gateway), 10_000);
      await fixture.exited;
    });
  }

  it("its worker SIGKILLed (nothing in it runs): the gateway sees its IPC channel close and stops within 10 s", async () => {
    const fixture = fixtureRun("hang");
    await until("the fixture's gateway serving", () => fixture.started().length === 1, 60_000);
    const [pids] = fixture.started();
    ownGateways([pids!]);
    expect(running(pids!.gateway)).toBe(true);
    process.kill(pids!.worker, "SIGKILL");
    await until("gateway gone", () => !running(pids!.gateway), 10_000);
    fixture.run.kill("SIGTERM");
    await fixture.exited;
  });
});
