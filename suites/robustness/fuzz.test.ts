/**
 * Bad input: a fast-check fuzzer of hostile but framed HTTP requests and a raw-socket fuzzer of malformed framing
 * and smuggling shapes, against `gateproof serve` in a child process (a crash is an exit, not a lost test run).
 * Every answer must be well-formed HTTP/1.1 and AWS-shaped, the process must stay up, other clients stay served,
 * smuggled requests never reach the backend, and no secret the fuzzer sends shows up in the gateway's output.
 * Runs: GATEPROOF_FUZZ_RUNS (default 150 + 150 here; 100000 for the soak profile, see README).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEchoBackend, type EchoBackend } from "../harness/echo-backend.ts";
import { features } from "../harness/conformance.ts";
import { awsShapeProblem, fuzzRuns, fuzzSeed, parseResponses, rawExchange, ROBUSTNESS_SECRETS, ROBUSTNESS_TEMPLATE, serveInChild, type ChildGateway } from "./harness.ts";

let gateway: ChildGateway;
let backend: EchoBackend;
let port: number;
const STAGE = "/t";

beforeAll(async () => {
  backend = await startEchoBackend();
  gateway = await serveInChild(ROBUSTNESS_TEMPLATE, ["--parameter-overrides", `EchoUrl=${backend.url}`, `FaultUrl=${backend.url}`]);
  port = Number(new URL(gateway.urls[0]!.url).port);
}, 60_000);

afterAll(async () => {
  const result = await gateway?.stop();
  await backend?.close();
  // SIGTERM is a clean stop (exit 0), never a crash.
  expect(result?.code).toBe(0);
});

/** The process is up and another client is served normally. */
async function stillServing(): Promise<void> {
  expect(gateway.exited(), gateway.output().slice(-3000)).toBeUndefined();
  const { data } = await rawExchange(port, `GET ${STAGE}/mock HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  const [response] = parseResponses(data);
  expect(response?.status).toBe(200);
}

// --- generators -------------------------------------------------------------------------------------------------

const ROUTES = ["mock", "echo/a", "echo/a/b", "keyed-proxy", "token-proxy/x", "request-proxy", "both-proxy", "validated", "template", "fault", "evil", "nowhere", ""];
const TRICKS = ["%2F", "%252F", "%00", "%", "%zz", "%u0041", "%C0%AF", "%E2%82%AC", "..", ".", "%2e%2e", "//", ";", ";x=1", "\u00e9", "\u20ac", "~", "'", "\"", "<x>", "{proxy+}", "$", "a".repeat(300)];
const segment = fc.oneof(fc.constantFrom(...TRICKS), fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=:@%-]{0,12}$/));
const path = fc.tuple(fc.constantFrom(STAGE, "", "/T", "//t", "/t/", "/%74"), fc.constantFrom(...ROUTES), fc.array(segment, { maxLength: 4 }), fc.option(fc.stringMatching(/^[A-Za-z0-9=&;%+?#|[\]-]{0,40}$/), { nil: undefined }))
  .map(([stage, route, extra, query]) => `${stage}/${[route, ...extra].join("/")}${query === undefined ? "" : `?${query}`}`);
const method = fc.oneof(fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "get", "Post", "PROPFIND", "M-SEARCH"), fc.stringMatching(/^[A-Z]{1,12}$/));
/** Header values: printable, latin-1, UTF-8, controls other than CR/LF/NUL (those are framing: the raw fuzzer's). */
const headerValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 1, max: 0xff }).filter((c) => c !== 10 && c !== 13).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.constantFrom("", " ", "\t", "a\u0001b", "\u007f", ROBUSTNESS_SECRETS.apiKey, ROBUSTNESS_SECRETS.token, ROBUSTNESS_SECRETS.user, `Bearer ${ROBUSTNESS_SECRETS.token}`, "GET", "__proto__", "x".repeat(6_000)),
);
const headerName = fc.oneof(
  fc.constantFrom("x-api-key", "X-API-KEY", "Authorization", "X-Token", "X-User", "X-HTTP-Method-Override", "X-Evil", "Cookie", "Accept", "Content-Type", "Expect", "X-Forwarded-For", "Via", "__proto__", "constructor"),
  fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,20}$/),
);
const contentType = fc.constantFrom("application/json", "application/json; charset=utf-16", "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "image/png", "application/octet-stream", "*/*", ";;;", "application/json;", undefined);
const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
const body = fc.oneof(
  fc.constant(""),
  fc.json().map((j) => Buffer.from(j)),
  fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  fc.integer({ min: 1, max: 20_000 }).map((d) => Buffer.from(`{"a":${nested(d)},"items":[1,2]}`)),
  fc.constant(Buffer.from('{"items": [' + "1,".repeat(5000) + "1]}")),
);
const framing = fc.constantFrom("length", "chunked", "truncated", "none");

interface FuzzRequest {
  method: string;
  path: string;
  headers: Array<[string, string]>;
  contentType: string | undefined;
  body: Buffer | string;
  framing: "length" | "chunked" | "truncated" | "none";
}

function encode(r: FuzzRequest): { bytes: Buffer; complete: boolean } {
  const body = Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body);
  const lines = [`${r.method} ${r.path} HTTP/1.1`, "Host: 127.0.0.1", "Connection: close", ...r.headers.map(([n, v]) => `${n}: ${v}`)];
  if (r.contentType) lines.push(`Content-Type: ${r.contentType}`);
  let payload: Buffer = Buffer.alloc(0);
  if (r.framing === "length" || r.framing === "truncated") {
    lines.push(`Content-Length: ${body.length + (r.framing === "truncated" ? 7 : 0)}`);
    payload = body;
  } else if (r.framing === "chunked") {
    lines.push("Transfer-Encoding: chunked");
    const half = body.length >> 1;
    const chunks = [body.subarray(0, half), body.subarray(half)].filter((c) => c.length > 0);
    payload = Buffer.concat([...chunks.flatMap((c) => [Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from("\r\n")]), Buffer.from("0\r\n\r\n")]);
  }
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
  return { bytes: Buffer.concat([head, payload]), complete: r.framing !== "truncated" };
}

function check(data: Buffer, request: { method: string }, complete: boolean): void {
  if (data.length === 0) {
    // Closing without an answer is allowed only when the request never completed.
    expect(complete, "a complete request was answered with nothing").toBe(false);
    return;
  }
  const responses = parseResponses(data, request.method.toUpperCase() === "HEAD");
  expect(responses.length).toBe(1);
  const problem = awsShapeProblem(responses[0]!, request.method.toUpperCase() === "HEAD");
  expect(problem).toBeUndefined();
}

describe("fuzzing the gateway over real sockets", features(["robustness.fuzz"], { referenceOnly: true }), () => {
  it("hostile methods, paths, headers and bodies: answered well-formed and AWS-shaped, never a crash", async () => {
    const request = fc.record({
      method,
      path,
      headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 8 }),
      contentType,
      body,
      framing,
    }) as fc.Arbitrary<FuzzRequest>;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const { bytes, complete } = encode(r);
        const { data } = await rawExchange(port, bytes, { halfClose: !complete, quietMs: 250, maxMs: 8_000 });
        check(data, r, complete);
        expect(gateway.exited(), gateway.output().slice(-3000)).toBeUndefined();
      }),
      { numRuns: fuzzRuns(150), seed: fuzzSeed, interruptAfterTimeLimit: Number(process.env.GATEPROOF_FUZZ_MS ?? 6_000) },
    );
    await stillServing();
  }, 600_000);

  /** Malformed request lines and framing, smuggling shapes: a 400 (or a close), never two answers for one request. */
  const SMUGGLE = `GET ${STAGE}/echo/SMUGGLED HTTP/1.1\r\nHost: x\r\n\r\n`;
  const malformed = fc.oneof(
    fc.constantFrom(
      // CL + TE (RFC 9112 §6.3: a server must treat it as an error or drop CL)
      `POST ${STAGE}/echo/a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLE}`,
      `POST ${STAGE}/echo/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 60\r\n\r\n0\r\n\r\n${SMUGGLE}`,
      // duplicate, differing Content-Length
      `POST ${STAGE}/echo/a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: ${SMUGGLE.length}\r\n\r\n${SMUGGLE}`,
      `POST ${STAGE}/echo/a HTTP/1.1\r\nHost: x\r\nContent-Length: 0, ${SMUGGLE.length}\r\n\r\n${SMUGGLE}`,
      // obfuscated Transfer-Encoding
      `POST ${STAGE}/echo/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n${SMUGGLE}`,
      `POST ${STAGE}/echo/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n${SMUGGLE}`,
      `POST ${STAGE}/echo/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${SMUGGLE}`,
      `POST ${STAGE}/echo/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\tchunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n${SMUGGLE}`,
      `POST ${STAGE}/echo/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n${SMUGGLE}`,
      // obs-fold (RFC 9112 §5.2: reject or replace with SP)
      `GET ${STAGE}/echo/a HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n`,
      `POST ${STAGE}/echo/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n chunked\r\n\r\n0\r\n\r\n${SMUGGLE}`,
      // bad chunks
      `POST ${STAGE}/echo/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`,
      `POST ${STAGE}/echo/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nabc\r\n`,
      `POST ${STAGE}/echo/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;ext="x\r\nabc\r\n0\r\n\r\n`,
      `POST ${STAGE}/echo/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\n0\n\n${SMUGGLE}`,
      // request lines
      "GET\r\n\r\n",
      `GET ${STAGE}/mock\r\n\r\n`,
      `GET ${STAGE}/mock HTTP/2.0\r\nHost: x\r\n\r\n`,
      `GET ${STAGE}/mock HTTP/1.10\r\nHost: x\r\n\r\n`,
      `GET ${STAGE}/mock http/1.1\r\nHost: x\r\n\r\n`,
      `GET  ${STAGE}/mock  HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET\t${STAGE}/mock\tHTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET ${STAGE}/mo ck HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET ${STAGE}/mock HTTP/1.1\nHost: x\n\n`,
      `GET ${STAGE}/mock HTTP/1.1\rHost: x\r\r`,
      `\r\n\r\nGET ${STAGE}/mock HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET * HTTP/1.1\r\nHost: x\r\n\r\n`,
      `CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET ${STAGE}/mock HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n`,
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
      // header lines
      `GET ${STAGE}/mock HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n`,
      `GET ${STAGE}/mock HTTP/1.1\r\nHost: x\r\n: empty-name\r\n\r\n`,
      `GET ${STAGE}/mock HTTP/1.1\r\nHost: x\r\nX-Nul: a\u0000b\r\n\r\n`,
      `GET ${STAGE}/mock HTTP/1.1\r\nHost: x\r\nX-Bare-CR: a\rb\r\n\r\n`,
      `GET ${STAGE}/mock HTTP/1.1\r\nHost: x\r\nX-Big: ${"h".repeat(40_000)}\r\n\r\n`,
      `GET ${STAGE}/mock HTTP/1.1\r\nHost: x\r\n${"X-Many: v\r\n".repeat(3000)}\r\n`,
      `GET ${STAGE}/mock HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n`,
    ),
    // random bytes and random mutations of a valid request
    fc.uint8Array({ minLength: 1, maxLength: 400 }).map((a) => Buffer.from(a).toString("latin1")),
    fc.tuple(fc.nat(60), fc.uint8Array({ minLength: 1, maxLength: 6 })).map(([at, bytes]) => {
      const valid = `POST ${STAGE}/echo/m HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi`;
      const i = Math.min(at, valid.length);
      return valid.slice(0, i) + Buffer.from(bytes).toString("latin1") + valid.slice(i);
    }),
  );

  it("malformed framing, request lines and smuggling shapes: one well-formed answer or a close; nothing smuggled", async () => {
    await fc.assert(
      fc.asyncProperty(malformed, async (text) => {
        const { data } = await rawExchange(port, Buffer.from(text, "latin1"), { halfClose: true, quietMs: 250, maxMs: 8_000 });
        if (data.length > 0) {
          const responses = parseResponses(data);
          for (const response of responses) expect(awsShapeProblem(response)).toBeUndefined();
        }
        expect(backend.received.some((r) => r.url.includes("SMUGGLED")), `smuggled through: ${JSON.stringify(text)}`).toBe(false);
        expect(gateway.exited(), gateway.output().slice(-3000)).toBeUndefined();
      }),
      { numRuns: fuzzRuns(150), seed: fuzzSeed, interruptAfterTimeLimit: Number(process.env.GATEPROOF_FUZZ_MS ?? 6_000) },
    );
    await stillServing();
  }, 600_000);

  it("secrets sent during the fuzzing never appear in the gateway's output", features(["robustness.secrets"], { timeout: 60_000 }), async () => {
    // Make sure every secret was sent at least once, on requests that are authorized and that are refused.
    for (const headers of [`x-api-key: ${ROBUSTNESS_SECRETS.apiKey}`, `Authorization: ${ROBUSTNESS_SECRETS.token}`, `X-User: ${ROBUSTNESS_SECRETS.user}`, `Authorization: ${ROBUSTNESS_SECRETS.token}x`]) {
      for (const route of ["keyed-proxy", "token-proxy/a", "request-proxy", "evil", "fault?mode=throw"]) {
        await rawExchange(port, `GET ${STAGE}/${route} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${headers}\r\n\r\n`);
      }
    }
    const output = gateway.output();
    expect(output.length).toBeGreaterThan(0);
    for (const secret of Object.values(ROBUSTNESS_SECRETS)) expect(output.includes(secret), `${secret} in the gateway's log`).toBe(false);
  });
});
