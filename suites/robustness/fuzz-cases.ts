/**
 * The two fuzzers of the robustness suite, shared by `fuzz.test.ts` (a bounded count in `npm test`) and
 * `fuzz-soak.ts` (`npm run fuzz:soak`, 100,000 of each): hostile but framed HTTP requests, and malformed framing,
 * request lines and smuggling shapes. Each case goes over its own raw socket to a gateway in a child process; the
 * checks throw plain errors (node:assert) so that they work inside and outside vitest.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { awsShapeProblem, parseResponses, rawExchange, ROBUSTNESS_SECRETS } from "./harness.ts";

export const STAGE = "/t";

/** What a fuzz run needs from its surroundings, and where it reports each answer (for the soak report's figures). */
export interface FuzzTarget {
  port: number;
  /** Throws when the gateway process has exited (a crash), with its last output. */
  assertAlive(): void;
  /** true when a request carrying `marker` in its URL reached the echo backend. */
  backendSaw(marker: string): boolean;
  /** One answer: its status, or "closed" when the gateway closed without answering. */
  tally?(outcome: number | "closed"): void;
}

// --- hostile requests -------------------------------------------------------------------------------------------

const ROUTES = ["mock", "echo/a", "echo/a/b", "keyed-proxy", "token-proxy/x", "request-proxy", "both-proxy", "validated", "template", "fault", "evil", "nowhere", ""];
const TRICKS = ["%2F", "%252F", "%00", "%", "%zz", "%u0041", "%C0%AF", "%E2%82%AC", "..", ".", "%2e%2e", "//", ";", ";x=1", "\u00e9", "\u20ac", "~", "'", "\"", "<x>", "{proxy+}", "$", "a".repeat(300)];
const segment = fc.oneof(fc.constantFrom(...TRICKS), fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=:@%-]{0,12}$/));
const path = fc.tuple(fc.constantFrom(STAGE, "", "/T", "//t", "/t/", "/%74"), fc.constantFrom(...ROUTES), fc.array(segment, { maxLength: 4 }), fc.option(fc.stringMatching(/^[A-Za-z0-9=&;%+?#|[\]-]{0,40}$/), { nil: undefined }))
  .map(([stage, route, extra, query]) => `${stage}/${[route, ...extra].join("/")}${query === undefined ? "" : `?${query}`}`);
// Weighted so that most requests get past node's parser into the gateway's lifecycle: unknown methods and control
// characters in header values are 400s before any routing, and each has its own smaller share.
const method = fc.oneof(
  { weight: 9, arbitrary: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "get", "Post", "PROPFIND", "M-SEARCH") },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Z]{1,12}$/) },
);
/** Header values: printable, latin-1, UTF-8, controls other than CR/LF/NUL (those are framing: the raw fuzzer's). */
const headerValue = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 1, max: 0xff }).filter((c) => c !== 10 && c !== 13).map((c) => String.fromCharCode(c)), maxLength: 40 }) },
  { weight: 3, arbitrary: fc.constantFrom("", " ", "\t", "a\u0001b", "\u007f", ROBUSTNESS_SECRETS.apiKey, ROBUSTNESS_SECRETS.token, ROBUSTNESS_SECRETS.user, `Bearer ${ROBUSTNESS_SECRETS.token}`, "GET", "__proto__", "x".repeat(6_000)) },
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

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Array<[string, string]>;
  contentType: string | undefined;
  body: Buffer | string;
  framing: "length" | "chunked" | "truncated" | "none";
}

export const hostileRequest = fc.record({ method, path, headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 6 }), contentType, body, framing }) as fc.Arbitrary<FuzzRequest>;

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

/** One hostile request: exactly one well-formed, AWS-shaped answer (or a close, for a request that never completed). */
export async function checkHostileRequest(target: FuzzTarget, r: FuzzRequest): Promise<void> {
  const { bytes, complete } = encode(r);
  const head = r.method.toUpperCase() === "HEAD";
  // Every request is answered or closed by the gateway itself (truncated ones at the end of the stream): waiting up to
  // maxMs for the first byte keeps a slow answer under load from passing for "no answer".
  const { data } = await rawExchange(target.port, bytes, { halfClose: !complete, quietMs: 250, firstByteMs: 8_000, maxMs: 8_000 });
  if (data.length === 0) {
    assert.equal(complete, false, "a complete request was answered with nothing");
    target.tally?.("closed");
  } else {
    const responses = parseResponses(data, head);
    assert.equal(responses.length, 1, `${responses.length} answers to one request`);
    assert.equal(awsShapeProblem(responses[0]!, head), undefined);
    target.tally?.(responses[0]!.status);
  }
  target.assertAlive();
}

// --- malformed framing and smuggling ----------------------------------------------------------------------------

/** A request that must never reach the backend: it is hidden in the body or framing of another one. */
export const SMUGGLED_MARKER = "SMUGGLED";
const SMUGGLE = `GET ${STAGE}/echo/${SMUGGLED_MARKER} HTTP/1.1\r\nHost: x\r\n\r\n`;

export const malformedRequest = fc.oneof(
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

/** Malformed input: every answer well-formed and AWS-shaped (or a close); the smuggled request never reaches the backend. */
export async function checkMalformedRequest(target: FuzzTarget, text: string): Promise<void> {
  const { data } = await rawExchange(target.port, Buffer.from(text, "latin1"), { halfClose: true, quietMs: 250, firstByteMs: 8_000, maxMs: 8_000 });
  if (data.length === 0) target.tally?.("closed");
  else {
    const responses = parseResponses(data);
    for (const response of responses) {
      assert.equal(awsShapeProblem(response), undefined);
      target.tally?.(response.status);
    }
  }
  assert.equal(target.backendSaw(SMUGGLED_MARKER), false, `smuggled through: ${JSON.stringify(text)}`);
  target.assertAlive();
}
