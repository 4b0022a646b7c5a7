import { mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { join } from "node:path";

const ANSWER = '{"warm":true}';

export interface WarmUpTarget {
  base: URL;
  /** A gateproof JSONL recording of GETs whose recorded answers are what the server gives. */
  source: string;
  close(): Promise<void>;
}

/**
 * A throwaway loopback server and a recording to replay against it, so a timed replay's first second is not spent
 * compiling the replay path (source decoding, scheduler, client, comparison, tally). Measured with only the client
 * and the differ warmed: p99 send lag ~190 ms without, single digits with; the whole path is warmed since the
 * pipeline runs on callbacks. Nothing is sent to the real target.
 */
export async function warmUpTarget(requests = 3000): Promise<WarmUpTarget> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json", "x-amzn-requestid": "warm" }).end(ANSWER));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const dir = await mkdtemp(join(os.tmpdir(), "gateproof-warm-up-"));
  const source = join(dir, "warm-up.jsonl");
  const lines: string[] = [];
  for (let i = 0; i < requests; i++) {
    const request = { method: "GET", url: `http://warm.invalid/warm/${i}`, headers: [{ name: "accept", value: "application/json" }] };
    const response = { status: 200, headers: [{ name: "content-type", value: "application/json" }], content: { mimeType: "application/json", text: ANSWER } };
    lines.push(JSON.stringify({ startedDateTime: new Date(i).toISOString(), request, response }));
  }
  await writeFile(source, `${lines.join("\n")}\n`);
  return {
    base: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    source,
    close: async () => {
      await new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
