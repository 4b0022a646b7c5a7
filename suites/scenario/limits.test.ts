import http from "node:http";
import net from "node:net";
import { Readable } from "node:stream";
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { header, isReference, send, targetUrl } from "../harness/target.ts";
import { features } from "../harness/conformance.ts";

const MiB = 1024 * 1024;
const LIMIT = 10 * MiB; // spec §10: REST payload limit 10 MB (10485760 bytes per the captured 413 text)

async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await run();
  return { result, ms: performance.now() - started };
}

/**
 * Uploads with node:http, which hands over a response that arrives while the body is still being written (as a
 * browser or curl does); a write error after the response came (the server stopped reading) is then not a failure.
 */
function upload(path: string, headers: Record<string, string>, chunks: Iterable<Buffer>): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(`${targetUrl()}${path}`, { method: "POST", headers }, (res) => {
      answered = true;
      const received: Buffer[] = [];
      res.on("data", (chunk: Buffer) => received.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(received).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    const iterator = chunks[Symbol.iterator]();
    const pump = () => {
      for (let next = iterator.next(); !next.done; next = iterator.next()) {
        if (answered || req.destroyed) return;
        if (!req.write(next.value)) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

/**
 * One POST /mock/strict over a raw socket: writes the head, then `bodyBytes` bytes as fast as the socket takes them
 * (or, with waitForAnswer, only those and then waits), and collects whatever comes back until the server closes.
 */
function rawUpload(
  headers: Record<string, string>,
  bodyBytes: number,
  options: { waitForAnswer: boolean },
): Promise<{ head: string; body: string; error?: string }> {
  const url = new URL(`${targetUrl()}/mock/strict`);
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port || 80), url.hostname);
    const received: Buffer[] = [];
    let error: string | undefined;
    const finish = () => {
      const text = Buffer.concat(received).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      resolve({ head: split < 0 ? text : text.slice(0, split), body: split < 0 ? "" : text.slice(split + 4), error });
    };
    socket.on("data", (chunk: Buffer) => {
      received.push(chunk);
      if (options.waitForAnswer && Buffer.concat(received).toString("utf8").endsWith("bytes.")) socket.destroy();
    });
    socket.on("error", (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on("close", finish);
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on("connect", () => {
      const head = [`POST ${url.pathname} HTTP/1.1`, `Host: ${url.host}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), "", ""].join("\r\n");
      socket.write(head);
      const chunks = pieces(bodyBytes);
      const pump = () => {
        for (let next = chunks.next(); !next.done; next = chunks.next()) {
          if (socket.destroyed) return;
          if (!socket.write(next.value)) return void socket.once("drain", pump);
        }
        if (!options.waitForAnswer) socket.end();
      };
      pump();
    });
  });
}

function* pieces(total: number, size = 256 * 1024): Generator<Buffer> {
  const chunk = Buffer.alloc(size, 0x20);
  for (let sent = 0; sent < total; sent += size) yield total - sent >= size ? chunk : chunk.subarray(0, total - sent);
}

describe("integration timeout (timeoutInMillis 300 on /slow-backend)", features("limits.timeout", "rest.http-proxy"), () => {
  it("a backend slower than the timeout → 504 INTEGRATION_TIMEOUT at ~300 ms", async () => {
    const { result: response, ms } = await timed(() => send("GET", "/slow-backend?delay=2000"));
    // spec §10: on timeout 504 INTEGRATION_TIMEOUT; body captured with the space after the colon [OBS].
    expect(response.status).toBe(504);
    expect(response.text).toBe('{"message": "Endpoint request timed out"}');
    // spec §2.2 [LS]: INTEGRATION_TIMEOUT → InternalServerErrorException.
    expect(header(response, "x-amzn-errortype")).toBe("InternalServerErrorException");
    expect(header(response, "content-type")).toBe("application/json");
    // Answered when the timeout fires, not when the backend finally answers (2000 ms).
    expect(ms).toBeGreaterThanOrEqual(280);
    expect(ms).toBeLessThan(1500);
  });

  it("a backend faster than the timeout → 200", async () => {
    const response = await send("GET", "/slow-backend?delay=50");
    expect(response.status).toBe(200);
    // The HTTP_PROXY URI is ${BackendUrl}/slow; the client's query string is appended.
    expect(response.json<{ url: string }>().url).toBe("/slow?delay=50");
  });
});

describe("Lambda function timeout (SlowFunction Timeout: 1 s)", features("limits.timeout", "rest.lambda-proxy"), () => {
  it("a function running past its timeout → 502 Internal server error at ~1 s; the next call is served", async () => {
    // A warm function first: a cold start (seconds on a loaded machine, hundreds of ms on AWS) comes before the
    // function's Timeout counts, and is not what is timed here.
    expect((await send("GET", "/slow?ms=0")).status).toBe(200);
    const { result: response, ms } = await timed(() => send("GET", "/slow?ms=10000"));
    // Lambda returns a timeout error instead of a proxy response → 502 (spec §2.3, [KC] malformed-502).
    expect(response.status).toBe(502);
    expect(response.text).toBe('{"message": "Internal server error"}');
    // At the 1 s Timeout, late by what a loaded machine or the network to a deployed target adds; long before the
    // handler's own end at 10 s, where an invocation whose timeout is not enforced would answer.
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(ms).toBeLessThan(3000);
    if (isReference()) expect(header(response, "x-amzn-errortype")).toBe("InternalServerErrorException");

    const after = await send("GET", "/slow?ms=10");
    expect(after.status).toBe(200);
    expect(after.json()).toEqual({ sleptMs: 10 });
  });
});

describe("payload limit (spec §10: 10 MB → 413 REQUEST_TOO_LARGE)", features("limits.payload", "rest.mock"), () => {
  // /mock/strict ignores the body, so the answer is small. (/echo would hit Lambda's 6 MB invoke payload limit,
  // which is a different limit; see the report.)
  const post = (body: Buffer) => request(`${targetUrl()}/mock/strict`, { method: "POST", headers: { "content-type": "application/json" }, body });

  it("exactly 10 MiB is accepted", async () => {
    const response = await post(Buffer.alloc(LIMIT, 0x20));
    expect(response.statusCode).toBe(200);
    expect(await response.body.text()).toBe('{"strict":true}');
  });

  it("10 MiB + 1 byte declared in Content-Length → 413 with the plain-text body AWS sends", async () => {
    // Sends the head and the first 64 KiB, then waits: the answer must come from the declared length alone.
    const response = await rawUpload({ "Content-Type": "application/json", "Content-Length": String(LIMIT + 1) }, 64 * 1024, { waitForAnswer: true });
    expect(response.head).toMatch(/^HTTP\/1\.1 413 /);
    // Captured from AWS [OBS, spec §2.3]: plain text, not the JSON gateway-response body.
    expect(response.body).toBe("HTTP content length exceeded 10485760 bytes.");
    expect(response.head).toMatch(/\r\ncontent-type: text/i);
    // Not customisable, so the fixture's DEFAULT_4XX headers are absent (spec §2: REQUEST_TOO_LARGE).
    expect(response.head).not.toMatch(/\r\nx-fixture:/i);
  });

  it("a client that uploads all of a too-large body still receives the 413 (RFC 9112 §9.6 lingering close)", async () => {
    // The [OBS] capture of the 413 text came from clients that sent the whole body. RFC 9112 §9.6: a server closing
    // after its response must half-close and keep reading, or the client's TCP stack gets a reset that erases the
    // unread response.
    const response = await rawUpload({ "Content-Type": "application/json", "Content-Length": String(LIMIT + 1) }, LIMIT + 1, { waitForAnswer: false });
    expect(response.error).toBeUndefined();
    expect(response.head).toMatch(/^HTTP\/1\.1 413 /);
    expect(response.body).toBe("HTTP content length exceeded 10485760 bytes.");
  });

  it("a chunked upload (no Content-Length) of 11 MiB → 413, and the gateway keeps serving", async () => {
    const response = await upload("/mock/strict", { "content-type": "application/json", "transfer-encoding": "chunked" }, pieces(11 * MiB));
    expect(response.status).toBe(413);
    expect(response.text).toBe("HTTP content length exceeded 10485760 bytes.");

    const after = await send("GET", "/mock?q=after");
    expect(after.status).toBe(200);
    expect(after.json<{ q: string }>().q).toBe("after");
  });

  it("a chunked upload streamed by undici from a generator: 11 MiB → 413 or the connection is cut, never a 200", async () => {
    async function* body() {
      yield* pieces(11 * MiB);
    }
    const outcome = await request(`${targetUrl()}/mock/strict`, { method: "POST", headers: { "content-type": "application/json" }, body: Readable.from(body()) }).then(
      async (response) => ({ status: response.statusCode, text: await response.body.text() }),
      (error: unknown) => ({ status: 0, text: String(error) }),
    );
    if (outcome.status !== 0) expect(outcome).toEqual({ status: 413, text: "HTTP content length exceeded 10485760 bytes." });
    const after = await send("GET", "/mock");
    expect(after.status).toBe(200);
  });

  it("a 5 MiB body is well within the limit", async () => {
    const response = await post(Buffer.alloc(5 * MiB, 0x20));
    expect(response.statusCode).toBe(200);
    await response.body.text();
  });
});
