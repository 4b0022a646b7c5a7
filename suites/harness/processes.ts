/**
 * Every OS process a suite starts goes through here, so that none outlives the test run (a gateway left behind
 * holds its ports and memory on a 2-core machine the next run shares):
 *
 * - each node process runs in a process group of its own (`detached`), so that stopping it takes whatever it
 *   started too (`gateproof conformance` runs vitest, which forks workers);
 * - `setup-processes.ts` (vitest setupFiles) stops what a test file left behind after the file's own afterAll: a
 *   failed assertion before the test's stop, or a test that timed out while it still awaited its gateway;
 * - the exit of this process (vitest's worker exits when the main vitest process dies by SIGINT, SIGTERM or even
 *   SIGKILL) and SIGINT/SIGTERM/SIGHUP sent to it stop them all;
 * - a SIGKILL of this process itself runs nothing here: each node process gets an IPC channel, which closes with
 *   this process however it ends, and `gateproof serve` (and gateway-process-main.ts) stop when it closes.
 */
import { spawn, type ChildProcess, type StdioNull, type StdioPipe } from "node:child_process";

/** A synchronous hard stop (runs in an "exit" handler, where nothing asynchronous does). */
type HardStop = () => void;

const owned = new Set<HardStop>();
let handlersInstalled = false;

/** Stops every process still owned (SIGKILL, whole process groups). */
export function stopOwnedProcesses(): void {
  for (const stop of owned) stop();
  owned.clear();
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", stopOwnedProcesses);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      stopOwnedProcesses();
      // A listener disables the signal's default action (exit); with no other listener, take it as it would have been.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/** Registers a hard stop for a process started elsewhere (redis-server); returns the function that deregisters it. */
export function own(stop: HardStop): () => void {
  installHandlers();
  owned.add(stop);
  return () => void owned.delete(stop);
}

const killGroup = (pid: number) => {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // ESRCH: the group is gone already.
  }
};

/**
 * `node <args>` in a process group of its own with an IPC channel as fd 3, owned until it exits. When it exits,
 * anything it left in its group goes with it.
 */
export function spawnNode(args: string[], stdio: [StdioNull | StdioPipe, StdioNull | StdioPipe | "inherit", StdioNull | StdioPipe | "inherit"], env?: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, args, { stdio: [...stdio, "ipc"], detached: true, ...(env ? { env } : {}) });
  const pid = child.pid;
  if (pid === undefined) return child; // spawn failed: its "error" event tells the caller
  const disown = own(() => killGroup(pid));
  child.once("exit", () => {
    disown();
    killGroup(pid);
  });
  return child;
}
