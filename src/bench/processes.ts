import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readdir, readFile, rm } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import { join } from "node:path";

/** A server under test, in its own process so the load generator does not share its event loop. */
export interface ServerProcess {
  url: string;
  /** The first HTTP API's base URL, when the server has one. */
  httpApiUrl?: string;
  pid: number;
  stop(): Promise<void>;
}

const here = new URL(".", import.meta.url).pathname;

/**
 * Core placement: with `taskset` and ≥ 2 cores, the bench process (autocannon's event loop) is pinned to core 0
 * and every server (with its worker threads) to the other cores. `pinLoadGenerator()` decides once.
 */
let serverCpus: string | undefined;
export function pinLoadGenerator(): string {
  const cores = os.availableParallelism();
  const taskset = spawnSync("taskset", ["-pc", "0", String(process.pid)], { stdio: "ignore" });
  if (cores < 2 || taskset.error || taskset.status !== 0) {
    serverCpus = undefined;
    return `not pinned (${cores} core${cores === 1 ? "" : "s"}${taskset.error || taskset.status !== 0 ? ", taskset unavailable" : ""}): load generator and servers share the scheduler`;
  }
  serverCpus = cores === 2 ? "1" : `1-${cores - 1}`;
  return `taskset: load generator (autocannon, in the bench process) on core 0; each server process on core${cores === 2 ? "" : "s"} ${serverCpus}`;
}

/** The cores servers are pinned to (`taskset -c` list), when pinning is on. */
export function serverCpuSet(): string | undefined {
  return serverCpus;
}

function spawnServer(args: string[], stdio: "pipe" | "ignore", env?: NodeJS.ProcessEnv): ChildProcess {
  const options = { stdio: ["ignore", stdio, "inherit"] as ["ignore", typeof stdio, "inherit"], ...(env ? { env } : {}) };
  return serverCpus ? spawn("taskset", ["-c", serverCpus, process.execPath, ...args], options) : spawn(process.execPath, args, options);
}

/** A node script that prints its URL on its first stdout line (bare-server.mjs, proxy-server.mjs). */
export async function startScript(what: string, script: string, args: string[] = []): Promise<ServerProcess> {
  const child = spawnServer([join(here, script), ...args], "pipe");
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = await waitFor(what, child, async () => output.match(/^(http:\S+?)\/?\n/m)?.[1]);
  return { url, pid: child.pid!, stop: async () => void (child.kill("SIGTERM"), await exited(child)) };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", () => resolve())));
}

async function waitFor<T>(what: string, child: ChildProcess, poll: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    const value = await poll();
    if (value !== undefined) return value;
    // Start-up is measured to the ms (the reference gateway's start-to-first-200 target): a coarse poll would add
    // up to its interval to it. A poll reads one small file or a string, so a fast one costs nothing measurable.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  child.kill("SIGKILL");
  throw new Error(`${what} did not start within ${timeoutMs} ms`);
}

export function startBareServer(): Promise<ServerProcess> {
  return startScript("bare server", "bare-server.mjs");
}

/**
 * The account-level limit the measured gateway runs with. AWS's default (10,000 req/s, burst 5,000) is a soft quota
 * users raise; left in place it would cap the fastest routes and turn throughput into 429s.
 */
export const BENCH_ACCOUNT_LIMIT = { rate: 1_000_000, burst: 1_000_000 };

/** `gateproof serve` on the bench template; resolves with the stage URL from --urls-file. */
export async function startReferenceGateway(backendUrl = "http://127.0.0.1:9"): Promise<ServerProcess> {
  const urlsFile = join(tmpdir(), `gateproof-bench-urls-${process.pid}.json`);
  await rm(urlsFile, { force: true });
  const child = spawnServer(
    [join(here, "../gateproof.mjs"), "serve", join(here, "fixture/template.yaml"), "--port", "0", "--urls-file", urlsFile, "--parameter-overrides", `BackendUrl=${backendUrl}`, "--account-rate-limit", String(BENCH_ACCOUNT_LIMIT.rate), "--account-burst-limit", String(BENCH_ACCOUNT_LIMIT.burst)],
    "ignore",
  );
  let httpApiUrl: string | undefined;
  const url = await waitFor("reference gateway", child, async () => {
    try {
      const urls = JSON.parse(await readFile(urlsFile, "utf8")) as Array<{ url: string; type?: string }>;
      httpApiUrl = urls.find((u) => u.type === "HTTP")?.url;
      return urls.find((u) => u.type === "REST")?.url;
    } catch {
      return undefined;
    }
  });
  return { url, ...(httpApiUrl ? { httpApiUrl } : {}), pid: child.pid!, stop: async () => void (child.kill("SIGTERM"), await exited(child), await rm(urlsFile, { force: true })) };
}

/**
 * A process's live descendants, from every thread's children list (a child is listed under the thread that forked
 * it; serverless-offline's worker mode runs handlers in child processes).
 */
async function descendants(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const children: number[] = [];
  for (const task of tasks) {
    const listed = await readFile(`/proc/${pid}/task/${task}/children`, "utf8").catch(() => "");
    for (const child of listed.trim().split(/\s+/).filter(Boolean)) children.push(Number(child), ...(await descendants(Number(child))));
  }
  return children;
}

/** Linux reports CPU times in /proc in USER_HZ ticks, which is 100 on every architecture Node runs on. */
const USER_HZ = 100;

/**
 * CPU seconds (user + system, every thread) a process has used itself, and what its reaped children used (cutime +
 * cstime), from /proc/<pid>/stat; undefined when the process cannot be read.
 */
export async function cpuTimes(pid: number): Promise<{ ownSeconds: number; reapedChildrenSeconds: number } | undefined> {
  // The fields after the command name, which is in parentheses and may hold spaces: state is [0], utime [11].
  const fields = (await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "")).split(") ").at(-1)!.split(" ");
  if (fields.length < 15) return undefined;
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number) as [number, number, number, number];
  return { ownSeconds: (utime + stime) / USER_HZ, reapedChildrenSeconds: (cutime + cstime) / USER_HZ };
}

/**
 * CPU seconds a process and its live descendants have used, with what their reaped children used (so a child that
 * ends between two readings still counts); undefined when the process cannot be read. The difference of two
 * readings is the CPU the process tree spent in between.
 */
export async function treeCpuSeconds(pid: number): Promise<number | undefined> {
  const total = async (of: number) => {
    const times = await cpuTimes(of);
    return times && times.ownSeconds + times.reapedChildrenSeconds;
  };
  const own = await total(pid);
  if (own === undefined) return undefined;
  let sum = own;
  for (const child of await descendants(pid)) sum += (await total(child)) ?? 0;
  return sum;
}

/** RSS of a process and its live descendants in MB (one decimal); undefined when the process cannot be read. */
export async function treeRssMb(pid: number): Promise<number | undefined> {
  const own = await rssMb(pid);
  if (own === undefined) return undefined;
  let total = own;
  for (const child of await descendants(pid)) total += (await rssMb(child)) ?? 0;
  return Math.round(total * 10) / 10;
}

/** A process's resident memory in MB (one decimal), from /proc; undefined when it cannot be read. */
export async function rssMb(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 102.4) / 10 : undefined;
  } catch {
    return undefined;
  }
}
