import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { request } from "undici";
import { features } from "../harness/conformance.ts";
import { spawnNode } from "../harness/processes.ts";

const BIN = new URL("../../src/gateproof.mjs", import.meta.url).pathname;
const LOUD = new URL("./fixtures/log-backpressure/template.yaml", import.meta.url).pathname;

/** Lines each request to /loud logs: START, the function's 200,000-byte output line, END, REPORT. */
const LINES_PER_REQUEST = 4;
const WARM_UP = 200;
const REQUESTS = 1000;

const rssMB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

// `gateproof serve | less` scrolled back, or a parent that spawned it with stdio "pipe" and never reads: its stdout
// takes nothing, and the 200 MB of log lines 1000 requests make must neither stop the answers nor pile up in memory.
describe("gateproof serve with a stdout nobody reads", features(["tooling.cli"], { referenceOnly: true, timeout: 60_000 }), () => {
  it("keeps answering, keeps its memory, and says how many log lines it dropped once stdout is read again", async () => {
    const serve = spawnNode([BIN, "serve", LOUD, "--port", "0"], ["ignore", "pipe", "pipe"]);
    const exit = new Promise<number | null>((resolve) => serve.on("exit", (code) => resolve(code)));
    let stdout = "";
    const collect = (chunk: Buffer) => (stdout += chunk.toString());
    serve.stdout!.on("data", collect);
    const deadline = Date.now() + 30_000;
    while (!stdout.includes("ready in")) {
      if (Date.now() > deadline || serve.exitCode !== null) throw new Error(`serve did not start: ${stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const url = /http:\/\/\S+/.exec(stdout)![0];
    const startup = stdout;
    // From here on the pipe is not read: once it and this process's read buffer are full, every write waits.
    serve.stdout!.off("data", collect);
    serve.stdout!.pause();

    let sent = 0;
    const drive = async (count: number) => {
      const until = sent + count;
      const client = async () => {
        while (sent < until) {
          sent++;
          const res = await request(`${url}/loud`);
          expect(res.statusCode).toBe(200);
          expect(await res.body.text()).toBe("logged");
        }
      };
      await Promise.all(Array.from({ length: 8 }, client));
    };
    await drive(WARM_UP);
    const warm = rssMB(serve.pid!);
    await drive(REQUESTS);
    const loaded = rssMB(serve.pid!);
    // Unbounded, the pipe's queue held the 200 MB of lines the 1000 requests logged (+204 to +211 MB measured; capped, +25 to +41 MB).
    expect(loaded - warm, `RSS ${warm.toFixed(1)} MB after ${WARM_UP} requests, ${loaded.toFixed(1)} MB after ${REQUESTS} more`).toBeLessThan(100);

    // Read again: the backlog drains, the notice follows it, and at SIGTERM everything else is written.
    stdout = "";
    serve.stdout!.on("data", collect).resume();
    const ended = new Promise((resolve) => serve.stdout!.once("end", resolve));
    const notice = /^gateproof: (\d+) log lines? dropped since (\S+): stdout was not read as fast as the gateway wrote/;
    while (!stdout.split("\n").some((line) => notice.test(line))) {
      if (Date.now() > deadline + 30_000) throw new Error("no notice of dropped lines");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    serve.kill("SIGTERM");
    expect(await exit).toBe(0);
    await ended;

    const lines = stdout.split("\n").slice(0, -1);
    const notices = lines.filter((line) => notice.test(line));
    const dropped = notices.reduce((sum, line) => sum + Number(notice.exec(line)![1]), 0);
    const logged = lines.length - notices.length;
    expect(startup.split("\n").at(-2)).toMatch(/^gateproof: ready in/);
    expect(dropped).toBeGreaterThan(0);
    expect(logged + dropped).toBe((WARM_UP + REQUESTS) * LINES_PER_REQUEST);
    for (const line of notices) expect(Date.parse(notice.exec(line)![2]!)).not.toBeNaN();
  });
});
