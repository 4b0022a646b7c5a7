import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entryToExchange } from "../../src/replay/har-entry.ts";
import { startRecorder } from "../../src/replay/record/proxy.ts";
import { redactionRules } from "../../src/replay/record/redact.ts";
import { startEchoBackend } from "../harness/echo-backend.ts";
import { features, TOOL_ON_ITS_OWN_SERVERS } from "../harness/conformance.ts";
import { spawnNode } from "../harness/processes.ts";

const CLI = new URL("../../src/gateproof.mjs", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "gateproof-record-"));

/** `gateproof record` as its own process; resolves with its listening URL from the first stdout line. */
async function startRecordProcess(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawnNode([CLI, "record", "--listen", "0", ...args], ["ignore", "pipe", "inherit"]);
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`record exited with ${code}`)));
  });
  const url = /^gateproof record: (http:\/\/\S+)/.exec(firstLine)?.[1];
  if (!url) throw new Error(`unexpected first line: ${firstLine}`);
  return { child, url };
}

describe("gateproof record (own process)", features(["tooling.replay"], { referenceOnly: TOOL_ON_ITS_OWN_SERVERS }), () => {
  let backend: Awaited<ReturnType<typeof startEchoBackend>>;
  beforeAll(async () => void (backend = await startEchoBackend()));
  afterAll(async () => backend.close());

  /** Every line of a recording parses as an exchange, the file ends with a newline: the /item/N numbers recorded. */
  function recordedItems(out: string): Set<number> {
    const text = readFileSync(out, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    return new Set(
      text
        .trimEnd()
        .split("\n")
        .map((line, i) => {
          const exchange = entryToExchange(JSON.parse(line), `${out}:${i + 1}`);
          return Number(/\/item\/(\d+)/.exec(exchange.request.url)![1]);
        }),
    );
  }

  /** Eight clients POSTing /item/N (N unique) until stopped or cut off; `answered` gets each N answered 200. */
  function load(url: string, answered: number[], delayMs: (i: number) => number): { stop(): Promise<void> } {
    let stopped = false;
    const clients = Array.from({ length: 8 }, async (_, client) => {
      for (let i = 0; !stopped; i++) {
        const n = client * 1_000_000 + i;
        try {
          const response = await fetch(`${url}/item/${n}?delay=${delayMs(i)}`, { method: "POST", body: JSON.stringify({ n }), headers: { "content-type": "application/json" } });
          await response.text();
          if (response.status === 200) answered.push(n);
        } catch {
          return; // connection reset or refused: the recorder is gone
        }
      }
    });
    return {
      async stop() {
        stopped = true;
        await Promise.all(clients);
      },
    };
  }

  it("survives kill -9 mid-run: a valid file holding every exchange a client got an answer for", async () => {
    const out = join(tmp, "crash.jsonl");
    const { child, url } = await startRecordProcess(["--target", backend.url, "--out", out]);
    const answered: number[] = [];
    // The last requests are cut off mid-flight by the kill.
    const clients = load(url, answered, (i) => i % 3);
    while (answered.length < 150) await new Promise((resolve) => setTimeout(resolve, 5));
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    await clients.stop();
    const recorded = recordedItems(out);
    expect(answered.filter((n) => !recorded.has(n))).toEqual([]);
  });

  // A supervisor that started record with an IPC channel (spawnNode gives every process one) closes it by going away,
  // however it ended; record then stops as on SIGTERM, with the same guarantees.
  const stops: Array<[string, string, (child: ChildProcess) => void]> = [
    ["SIGTERM", "sigterm.jsonl", (child) => child.kill("SIGTERM")],
    ["the supervisor's IPC channel closing", "ipc-closed.jsonl", (child) => child.disconnect()],
  ];
  it.each(stops)("%s under load: exchanges in flight finish and are recorded, the process exits 0, every line is whole", async (_, file, stop) => {
    const out = join(tmp, file);
    const { child, url } = await startRecordProcess(["--target", backend.url, "--out", out]);
    const earlier = new Set(backend.received);
    const answered: number[] = [];
    // Slow answers, so that several exchanges are in flight at the target when the signal arrives.
    const clients = load(url, answered, (i) => 100 + (i % 4) * 100);
    while (answered.length < 40) await new Promise((resolve) => setTimeout(resolve, 5));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const stoppedAt = Date.now();
    stop(child);
    expect(await exited).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    await clients.stop();
    // In flight = reached the target. Each one was answered 200 to its client and written.
    const reachedTarget = backend.received.filter((r) => !earlier.has(r)).map((r) => /\/item\/(\d+)/.exec(r.url)?.[1]).filter((n) => n !== undefined).map(Number);
    const recorded = recordedItems(out);
    expect(reachedTarget.filter((n) => !answered.includes(n))).toEqual([]);
    expect(answered.filter((n) => !recorded.has(n))).toEqual([]);
    expect([...recorded].filter((n) => !answered.includes(n))).toEqual([]);
  });

  it("close() is bounded: a call still waiting on the target after the grace period is cut, answered 502 and recorded as failed", async () => {
    const out = join(tmp, "grace.jsonl");
    const recorder = await startRecorder({ target: new URL(backend.url), port: 0, out, redaction: redactionRules([], []) });
    const stalled = fetch(`${recorder.url}/item/424242?delay=20000`).then((r) => r.status);
    while (!backend.received.some((r) => r.url.startsWith("/item/424242?"))) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = Date.now();
    await recorder.close(300);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await stalled).toBe(502);
    expect([...recordedItems(out)]).toEqual([424242]);
    expect(entryToExchange(JSON.parse(readFileSync(out, "utf8")), "grace.jsonl:1").response?.error).toBeDefined();
  });

  it("redacts by default and keeps secrets only with an explicit --no-redact", async () => {
    for (const [flag, file] of [[[], "redacted.jsonl"], [["--no-redact"], "plain.jsonl"]] as const) {
      const out = join(tmp, file);
      const { child, url } = await startRecordProcess(["--target", backend.url, "--out", out, ...flag]);
      await (await fetch(`${url}/x`, { headers: { authorization: "Bearer s3cret", cookie: "sid=abc" } })).text();
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      const text = readFileSync(out, "utf8");
      if (flag.length === 0) {
        expect(text).not.toMatch(/s3cret|sid=abc/);
        // The echo backend answers with the request's headers: the secrets are scrubbed from its body too.
        expect(text).toContain('"redacted":["request.header.authorization","request.header.cookie","response.body (secret header values)"]');
      } else {
        expect(text).toContain("Bearer s3cret");
      }
    }
  });
});
