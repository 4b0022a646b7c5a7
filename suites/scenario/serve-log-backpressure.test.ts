import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { request } from "undici";
import { features } from "../harness/conformance.ts";
import { spawnNode } from "../harness/processes.ts";
import { precompiled } from "../../src/launch/precompiled.mjs";

const BIN = new URL("../../src/gateproof.mjs", import.meta.url).pathname;
const LOUD = new URL("./fixtures/log-backpressure/template.yaml", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;
const LIBRARY_MAIN = "suites/harness/gateway-process-main.ts";

/** Lines each request to /loud logs: START, the function's 200,000-byte output line, END, REPORT. */
const LINES_PER_REQUEST = 4;
/** Length of the function's line (fixtures/log-backpressure/functions/loud.js), without its "\n". */
const OUTPUT_LINE_LENGTH = 199_999;
const WARM_UP = 200;
const REQUESTS = 1000;

const rssMB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

/**
 * A gateway process of the log-backpressure template whose log goes to a pipe (`log`) that is paused once the gateway
 * is ready, for the caller to read.
 */
interface GatewayWithLogPipe {
  child: ChildProcess;
  log: Readable;
  exit: Promise<number | null>;
  url: string;
  deadline: number;
}

/** Waits until `ready()` (polling), or throws with `what` once 30 s are up or the process has exited. */
async function awaitStart(child: ChildProcess, ready: () => boolean, what: () => string): Promise<number> {
  const deadline = Date.now() + 30_000;
  while (!ready()) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`did not start: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return deadline;
}

/** `gateproof serve` of the log-backpressure template: everything it prints is its log, on stdout. */
async function startServe(): Promise<GatewayWithLogPipe> {
  const child = spawnNode([BIN, "serve", LOUD, "--port", "0"], ["ignore", "pipe", "pipe"]);
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let startup = "";
  const untilReady = (chunk: Buffer) => (startup += chunk.toString());
  child.stdout!.on("data", untilReady);
  const deadline = await awaitStart(child, () => startup.includes("ready in"), () => startup);
  child.stdout!.off("data", untilReady).pause();
  expect(startup.split("\n").at(-2)).toMatch(/^gateproof: ready in/);
  return { child, log: child.stdout!, exit, url: /http:\/\/\S+/.exec(startup)![0], deadline };
}

/**
 * startGateway used as a library, with its default log (stderr), in a process of its own
 * (suites/harness/gateway-process-main.ts, which prints the URLs on stdout). Run as JavaScript bundled beforehand, not
 * through tsx: tsx starts esbuild's binary at the first file it compiles, which clears O_NONBLOCK on the stderr it
 * inherits, and the process's writes to a full stderr pipe then block it whole, whatever the gateway does.
 */
async function startLibrary(): Promise<GatewayWithLogPipe> {
  const main = await precompiled({ root: ROOT, entry: LIBRARY_MAIN, sources: [LIBRARY_MAIN, "reference-gateway", "tsconfig.json"], cacheDir: `${ROOT}node_modules/.cache/gateproof-gateway-process` });
  const child = spawnNode([main, JSON.stringify({ template: LOUD, port: 0 })], ["ignore", "pipe", "pipe"]);
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let stdout = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  // stderr, its log, is not read: paused from the start.
  child.stderr!.pause();
  const deadline = await awaitStart(child, () => stdout.includes("gateproof-urls "), () => stdout);
  const urls = JSON.parse(/^gateproof-urls (.*)$/m.exec(stdout)![1]!) as { url: string }[];
  return { child, log: child.stderr!, exit, url: urls[0]!.url, deadline };
}

async function getLoud(url: string) {
  const res = await request(`${url}/loud`);
  expect(res.statusCode).toBe(200);
  expect(await res.body.text()).toBe("logged");
}

const NOTICE = /^gateproof: (\d+) log lines? dropped since (\S+): (stdout|stderr) did not take lines as fast as the gateway wrote them/;

/**
 * The log pipe of `start`'s gateway is not read while 1200 requests log 240 MB: the answers must neither stop nor pile
 * the lines up in memory, and once the pipe is read again, the lines dropped are counted in `stream`'s notice.
 */
async function logNobodyReads(start: () => Promise<GatewayWithLogPipe>, stream: "stdout" | "stderr") {
  let output = "";
  const collect = (chunk: Buffer) => (output += chunk.toString());
  const { child, log, exit, url, deadline } = await start();
  // From here on the pipe is not read: once it and this process's read buffer are full, every write waits.

  let sent = 0;
  const drive = async (count: number) => {
    const until = sent + count;
    const client = async () => {
      while (sent < until) {
        sent++;
        await getLoud(url);
      }
    };
    await Promise.all(Array.from({ length: 8 }, client));
  };
  await drive(WARM_UP);
  const warm = rssMB(child.pid!);
  await drive(REQUESTS);
  const loaded = rssMB(child.pid!);
  // Unbounded, the pipe's queue held the 200 MB of lines the 1000 requests logged (+204 to +211 MB measured).
  expect(loaded - warm, `RSS ${warm.toFixed(1)} MB after ${WARM_UP} requests, ${loaded.toFixed(1)} MB after ${REQUESTS} more`).toBeLessThan(100);

  // Read again: the backlog drains, the notice follows it, and at SIGTERM everything else is written.
  log.on("data", collect).resume();
  const ended = new Promise((resolve) => log.once("end", resolve));
  while (!output.split("\n").some((line) => NOTICE.test(line))) {
    if (Date.now() > deadline + 30_000) throw new Error("no notice of dropped lines");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill("SIGTERM");
  expect(await exit).toBe(0);
  await ended;

  const lines = output.split("\n").slice(0, -1);
  const notices = lines.filter((line) => NOTICE.test(line));
  const dropped = notices.reduce((sum, line) => sum + Number(NOTICE.exec(line)![1]), 0);
  const logged = lines.length - notices.length;
  expect(dropped).toBeGreaterThan(0);
  expect(logged + dropped).toBe((WARM_UP + REQUESTS) * LINES_PER_REQUEST);
  for (const line of notices) {
    expect(NOTICE.exec(line)![3]).toBe(stream);
    expect(Date.parse(NOTICE.exec(line)![2]!)).not.toBeNaN();
  }
}

// `gateproof serve | less` scrolled back, or a parent that spawned it with stdio "pipe" and never reads: its stdout
// takes nothing, and the 200 MB of log lines 1000 requests make must neither stop the answers nor pile up in memory.
describe("gateproof serve with a stdout nobody reads", features(["tooling.cli"], { referenceOnly: true, timeout: 60_000 }), () => {
  it("keeps answering, keeps its memory, and says how many log lines it dropped once stdout is read again", async () => {
    await logNobodyReads(startServe, "stdout");
  });
});

// The same for a program embedding the gateway (startGateway without a `log`): its log goes to stderr through the
// same line writer, and a parent that spawned the program with a stderr pipe it never reads must not grow it.
describe("startGateway's default log with a stderr nobody reads", features(["tooling.cli"], { referenceOnly: true, timeout: 90_000 }), () => {
  it("keeps answering, keeps its memory, and says how many log lines it dropped once stderr is read again", async () => {
    await logNobodyReads(startLibrary, "stderr");
  });
});

// `gateproof serve | tee log`: a reader that keeps up loses no line, even after a burst brought far more at once than
// the pipe and stdout's 16 KiB mark hold (ten 200 KB lines from one invocation, 2 MB within a turn or two). The
// ordinary traffic right after it (START, END, REPORT lines) is written once the reader has caught up, not dropped.
describe("gateproof serve with a stdout read promptly", features(["tooling.cli"], { referenceOnly: true, timeout: 60_000 }), () => {
  it("writes every line of bursts bigger than the pipe holds and of the requests after them, and no notice of dropped lines", async () => {
    const { child: serve, exit, url } = await startServe();
    // Counted as they arrive, in one pass over the bytes so that this reader keeps up: short lines by their first
    // word, the function's 200,000-byte lines by their length.
    const counts = new Map<string, number>();
    const other: string[] = [];
    let length = 0;
    let head = "";
    const endLine = () => {
      const kind = length === OUTPUT_LINE_LENGTH && head.startsWith("xxxx") ? "output" : /^(START|END|REPORT) RequestId/.exec(head)?.[1];
      if (kind) counts.set(kind, (counts.get(kind) ?? 0) + 1);
      else other.push(head);
      length = 0;
      head = "";
    };
    serve.stdout!.on("data", (chunk: Buffer) => {
      for (let from = 0; from < chunk.length; ) {
        const newline = chunk.indexOf(10, from);
        const to = newline === -1 ? chunk.length : newline;
        if (head.length < 200) head += chunk.toString("latin1", from, Math.min(to, from + 200));
        length += to - from;
        if (newline !== -1) endLine();
        from = to + 1;
      }
    }).resume();
    const ended = new Promise((resolve) => serve.stdout!.once("end", resolve));

    const ROUNDS = 3;
    /** Lines of /burst (fixtures/log-backpressure/functions/burst.js). */
    const BURST = 10;
    const AFTER = 200;
    for (let round = 0; round < ROUNDS; round++) {
      const burst = await request(`${url}/burst`);
      expect(await burst.body.text()).toBe("burst");
      let sent = 0;
      const client = async () => {
        while (sent++ < AFTER) {
          const res = await request(`${url}/quiet`);
          expect(await res.body.text()).toBe("quiet");
        }
      };
      await Promise.all(Array.from({ length: 8 }, client));
    }
    serve.kill("SIGTERM");
    expect(await exit).toBe(0);
    await ended;

    expect(other.filter((line) => NOTICE.test(line))).toEqual([]);
    const all = ROUNDS * (1 + AFTER);
    expect(Object.fromEntries(counts)).toEqual({ START: all, output: ROUNDS * BURST, END: all, REPORT: all });
  });
});
