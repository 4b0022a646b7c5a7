/** Shared helpers of the robustness suites: raw sockets, an HTTP/1.1 response parser, a gateway in a child process. */
import type { ChildProcess } from "node:child_process";
import { readdirSync } from "node:fs";
import net from "node:net";
import { spawnNode } from "../harness/processes.ts";

export const ROBUSTNESS_TEMPLATE = new URL("./fixtures/template.yaml", import.meta.url).pathname;
/** The robustness fixture's API key and authorizer tokens: they must never appear in the gateway's logs. */
export const ROBUSTNESS_SECRETS = { apiKey: "gpRobustnessKey0123456789abcd", token: "allow-gp-token-7f3a", user: "alice-gp-secret" };

/** Runs for a fuzz property: small in `npm test`, GATEPROOF_FUZZ_RUNS (e.g. 100000) in the soak profile. */
export const fuzzRuns = (fallback: number): number => Number(process.env.GATEPROOF_FUZZ_RUNS ?? fallback);
export const fuzzSeed = process.env.GATEPROOF_SEED === undefined ? undefined : Number(process.env.GATEPROOF_SEED);

/**
 * Sends bytes, collects everything answered until the server closes or stays quiet for `quietMs` after its last
 * byte (`firstByteMs`, default 4 × quietMs, before its first).
 */
export function rawExchange(port: number, bytes: Buffer | string, options: { quietMs?: number; firstByteMs?: number; maxMs?: number; halfClose?: boolean } = {}): Promise<{ data: Buffer; closedByServer: boolean; error?: string }> {
  const { quietMs = 300, maxMs = 5_000, halfClose = false, firstByteMs = quietMs * 4 } = options;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let closedByServer = false;
    let error: string | undefined;
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.write(bytes, () => {
        if (halfClose) socket.end();
      });
    });
    let quiet = setTimeout(() => socket.destroy(), firstByteMs);
    const hard = setTimeout(() => socket.destroy(), maxMs);
    socket.on("data", (chunk) => {
      chunks.push(chunk);
      clearTimeout(quiet);
      quiet = setTimeout(() => socket.destroy(), quietMs);
    });
    socket.on("end", () => (closedByServer = true));
    socket.on("error", (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
      if (e.code === "ECONNRESET" || e.code === "EPIPE") closedByServer = true;
    });
    socket.on("close", () => {
      clearTimeout(quiet);
      clearTimeout(hard);
      resolve({ data: Buffer.concat(chunks), closedByServer, error });
    });
  });
}

export interface ParsedResponse {
  status: number;
  reason: string;
  headers: Array<[string, string]>;
  body: Buffer;
}

const header = (r: ParsedResponse, name: string) => r.headers.find(([n]) => n.toLowerCase() === name)?.[1];

/**
 * Parses the HTTP/1.1 responses in `data`. Throws on anything malformed: a status line that does not parse, a
 * header line without a colon, a body shorter than its Content-Length, bytes left over that are not a response.
 */
export function parseResponses(data: Buffer, headRequest = false): ParsedResponse[] {
  const out: ParsedResponse[] = [];
  let at = 0;
  while (at < data.length) {
    const end = data.indexOf("\r\n\r\n", at);
    if (end < 0) throw new Error(`incomplete response head: ${JSON.stringify(data.subarray(at, at + 200).toString("latin1"))}`);
    const [statusLine, ...lines] = data.subarray(at, end).toString("latin1").split("\r\n");
    const m = /^HTTP\/1\.1 (\d{3}) ([^\r\n]*)$/.exec(statusLine!);
    if (!m) throw new Error(`malformed status line ${JSON.stringify(statusLine)}`);
    const headers: Array<[string, string]> = lines.map((line) => {
      const colon = line.indexOf(":");
      if (colon <= 0) throw new Error(`malformed header line ${JSON.stringify(line)}`);
      return [line.slice(0, colon), line.slice(colon + 1).trim()];
    });
    const response: ParsedResponse = { status: Number(m[1]), reason: m[2]!, headers, body: Buffer.alloc(0) };
    at = end + 4;
    const length = header(response, "content-length");
    const chunked = /chunked/i.test(header(response, "transfer-encoding") ?? "");
    const length0 = Number(header(response, "content-length") ?? 0);
    // An answer to HEAD has no body, except one written before the request was parsed (malformed HEAD) which has.
    const bodyless = response.status === 204 || response.status === 304 || (headRequest && data.length - at < length0);
    if (bodyless) {
      // no body (an answer to HEAD from the lifecycle; one given before it, to a malformed HEAD, has its body)
    } else if (length !== undefined) {
      if (!/^\d+$/.test(length)) throw new Error(`bad Content-Length ${length}`);
      const n = Number(length);
      if (at + n > data.length) throw new Error(`body shorter than Content-Length ${n}`);
      response.body = data.subarray(at, at + n);
      at += n;
    } else if (chunked) {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = data.indexOf("\r\n", at);
        if (lineEnd < 0) throw new Error("truncated chunked body");
        const size = parseInt(data.subarray(at, lineEnd).toString("latin1"), 16);
        if (!Number.isFinite(size)) throw new Error("bad chunk size");
        at = lineEnd + 2;
        if (size === 0) {
          at = data.indexOf("\r\n", at) + 2;
          break;
        }
        parts.push(data.subarray(at, at + size));
        at += size + 2;
      }
      response.body = Buffer.concat(parts);
    } else {
      response.body = data.subarray(at);
      at = data.length;
    }
    out.push(response);
  }
  return out;
}

/**
 * The AWS shape of a response the gateway makes itself: gateway errors (x-amzn-ErrorType) and answers given before
 * the lifecycle (no x-amzn-RequestId: malformed HTTP, 408, 431) carry a JSON body with "message" or "Message";
 * the 413 is AWS's plain-text one. Returns why not, or undefined.
 */
export function awsShapeProblem(response: ParsedResponse, head = false): string | undefined {
  const fromGateway = header(response, "x-amzn-errortype") !== undefined || header(response, "x-amzn-requestid") === undefined;
  if (!fromGateway || head || response.status < 400) return undefined;
  if (response.status === 413) return response.body.toString().startsWith("HTTP content length exceeded") ? undefined : "413 without AWS's text";
  try {
    const parsed = JSON.parse(response.body.toString("utf8")) as Record<string, unknown>;
    return "message" in parsed || "Message" in parsed ? undefined : `no message in ${response.body.toString()}`;
  } catch {
    return `not JSON: ${JSON.stringify(response.body.toString("latin1").slice(0, 200))}`;
  }
}

/** Open file descriptors of a process (Linux /proc), for leak checks. */
export function openFds(pid: number | "self" = "self"): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Resident set size of a process in bytes (Linux /proc/<pid>/statm). */
export async function rssOf(pid: number): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const pages = Number((await readFile(`/proc/${pid}/statm`, "utf8")).split(" ")[1]);
  return pages * 4096;
}

export interface ChildGateway {
  child: ChildProcess;
  urls: Array<{ api: string; type: string; url: string }>;
  /** Everything the gateway logged (stdout and stderr), for secret and crash checks. */
  output: () => string;
  exited: () => { code: number | null; signal: NodeJS.Signals | null } | undefined;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const CLI = new URL("../../src/gateproof.mjs", import.meta.url).pathname;

/** `gateproof serve` in a child process, so that a crash is observable as an exit rather than taking the tests down. */
export async function serveInChild(template: string, args: string[] = [], timeoutMs = 30_000): Promise<ChildGateway> {
  const child = spawnNode([CLI, "serve", template, "--port", "0", ...args], ["ignore", "pipe", "pipe"]);
  let output = "";
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve((exit = { code, signal }))));
  child.stdout!.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-4_000_000)));
  child.stderr!.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-4_000_000)));
  const deadline = Date.now() + timeoutMs;
  while (!output.includes("gateproof: ready")) {
    if (exit || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`gateproof serve did not start: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const urls = [...output.matchAll(/^(\S+)\s+(REST|HTTP|WEBSOCKET)\s+(\S+)$/gm)].map((m) => ({ api: m[1]!, type: m[2]!, url: m[3]! }));
  return {
    child,
    urls,
    output: () => output,
    exited: () => exit,
    async stop(signal = "SIGTERM") {
      if (!exit) child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
