import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entryToExchange } from "../../src/replay/har-entry.ts";
import { startEchoBackend } from "../harness/echo-backend.ts";
import { features } from "../harness/conformance.ts";

const CLI = new URL("../../src/gateproof.mjs", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "gateproof-record-"));

/** `gateproof record` as its own process; resolves with its listening URL from the first stdout line. */
async function startRecordProcess(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, "record", "--listen", "0", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`record exited with ${code}`)));
  });
  const url = /^gateproof record: (http:\/\/\S+)/.exec(firstLine)?.[1];
  if (!url) throw new Error(`unexpected first line: ${firstLine}`);
  return { child, url };
}

describe("gateproof record (own process)", features("tooling.replay"), () => {
  let backend: Awaited<ReturnType<typeof startEchoBackend>>;
  beforeAll(async () => void (backend = await startEchoBackend()));
  afterAll(async () => backend.close());

  it("survives kill -9 mid-run: a valid file holding every exchange a client got an answer for", async () => {
    const out = join(tmp, "crash.jsonl");
    const { child, url } = await startRecordProcess(["--target", backend.url, "--out", out]);
    const answered: number[] = [];
    let stop = false;
    // Eight clients, each sending until the recorder dies under them; the last requests are cut off mid-flight.
    const clients = Array.from({ length: 8 }, async (_, client) => {
      for (let i = 0; !stop; i++) {
        const n = client * 1_000_000 + i;
        try {
          const response = await fetch(`${url}/item/${n}?delay=${i % 3}`, { method: "POST", body: JSON.stringify({ n }), headers: { "content-type": "application/json" } });
          await response.text();
          if (response.status === 200) answered.push(n);
        } catch {
          return; // connection reset by the kill
        }
      }
    });
    while (answered.length < 150) await new Promise((resolve) => setTimeout(resolve, 5));
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    stop = true;
    await Promise.all(clients);

    const text = readFileSync(out, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const recorded = new Set(
      text
        .trimEnd()
        .split("\n")
        .map((line, i) => {
          const exchange = entryToExchange(JSON.parse(line), `crash.jsonl:${i + 1}`);
          return Number(/\/item\/(\d+)/.exec(exchange.request.url)![1]);
        }),
    );
    expect(answered.filter((n) => !recorded.has(n))).toEqual([]);
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
