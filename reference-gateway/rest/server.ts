import http from "node:http";
import v8 from "node:v8";
import { clientPort, clientScheme } from "../client-connection.ts";
import type { HttpResponse } from "./call.ts";
import type { CompiledRestApi } from "./compile.ts";
import { handleRestRequest, type RestDeps } from "./lifecycle.ts";
import type { IncomingRequest } from "./request.ts";

/**
 * User regexes (selectionPattern, identityValidationExpression, policy patterns, VTL `matches`/`replaceAll`) are
 * compiled by V8's backtracking engine, where `(a+)+$` on 30 characters takes minutes. API Gateway's Java regexes
 * have no timeout either, but a local gateway must not hang its event loop for every client: this V8 flag makes a
 * regex that backtracks excessively fall back to the linear-time engine (same answer). It applies to regexes without
 * the `u` flag, backreferences or lookarounds (the linear engine's limits); those keep backtracking.
 */
v8.setFlagsFromString("--enable-experimental-regexp-engine-on-excessive-backtracks");

/** REST and HTTP APIs accept payloads up to 10 MB (limits.md). */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/**
 * What AWS answers for a body over 10 MB, before any API processing (captured: plain text, no x-amzn headers,
 * not customisable).
 */
const TOO_LARGE: HttpResponse = {
  status: 413,
  headers: [["Content-Type", "text; charset=utf-8"]],
  body: `HTTP content length exceeded ${MAX_PAYLOAD_BYTES} bytes.`,
};

/**
 * The 413 goes out while the client may still be uploading. The connection is not closed on it: node:http reads
 * and discards the rest of the body, so the client's writes never hit a reset that would erase the answer
 * (RFC 9112 §9.6), and nothing past the limit is held in memory.
 */
class PayloadTooLarge extends Error {}

const NO_BODY = Buffer.alloc(0);

/**
 * An HTTP/1.x request with neither Content-Length (or Content-Length: 0) nor Transfer-Encoding has no body (RFC 9112
 * §6.3): nothing to wait for. HTTP/2 requests may carry DATA without a length, so they are always read.
 */
function hasNoBody(req: http.IncomingMessage): boolean {
  if (req.httpVersionMajor !== 1 || req.headers["transfer-encoding"] !== undefined) return false;
  const length = req.headers["content-length"];
  return length === undefined || length === "0";
}

/** Reads the body, refusing it as soon as it passes the limit: never more than 10 MB is held. */
function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > MAX_PAYLOAD_BYTES) return Promise.reject(new PayloadTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_PAYLOAD_BYTES) {
        // Stop keeping it, but keep reading (and discarding) the upload: see PayloadTooLarge below.
        req.removeAllListeners("data");
        req.resume();
        reject(new PayloadTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Statuses whose responses carry no body and no Content-Length (RFC 9110 §8.6, §15.3.5, §15.4.5). */
const BODYLESS = new Set([204, 304]);

const INTERNAL_ERROR: HttpResponse = { status: 500, headers: [["Content-Type", "application/json"]], body: '{"message": "Internal server error"}' };

/** Connection-specific headers HTTP/2 forbids (RFC 9113 §8.2.2): node:http2 throws on them. */
const HTTP1_ONLY = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]);

function send(res: http.ServerResponse, response: HttpResponse, close = false): void {
  if (res.headersSent || res.destroyed) return;
  const headers = response.headers;
  // A text body stays a string: node:http then sends it in one write with the header block, a Buffer takes a writev.
  const body = response.body;
  const length = typeof body === "string" ? Buffer.byteLength(body, "utf8") : body.length;
  const bodyless = BODYLESS.has(response.status);
  if (res.req?.httpVersionMajor === 2) {
    for (const [lowerName, { name, values }] of grouped(headers)) {
      if (HTTP1_ONLY.has(lowerName)) continue;
      res.setHeader(name, values.length === 1 ? values[0]! : values);
    }
    if (!bodyless) res.setHeader("Content-Length", length);
    res.writeHead(response.status);
  } else {
    // HTTP/1: the header block as one flat list for writeHead (node:http validates each pair as setHeader does,
    // without building its header map). A header the integration repeated reaches the client repeated, grouped
    // where it first appeared; Content-Length and Connection are the gateway's own.
    const raw: string[] = [];
    if (hasRepeats(headers)) {
      for (const [lowerName, { name, values }] of grouped(headers)) {
        if ((lowerName === "content-length" && !bodyless) || (lowerName === "connection" && close)) continue;
        for (const value of values) raw.push(name, value);
      }
    } else {
      for (let i = 0; i < headers.length; i++) {
        const name = headers[i]![0];
        if ((!bodyless && sameName(name, "content-length")) || (close && sameName(name, "connection"))) continue;
        raw.push(name, headers[i]![1]);
      }
    }
    if (!bodyless) raw.push("Content-Length", String(length));
    if (close) raw.push("Connection", "close");
    res.writeHead(response.status, raw);
  }
  if (bodyless) res.end();
  else if (typeof body === "string") res.end(body, "utf8");
  else res.end(body);
}

/** Case-insensitive equality of header names; lower-cases (a new string) only names of the same length. */
function sameName(name: string, lowerName: string): boolean {
  return name.length === lowerName.length && (name === lowerName || name.toLowerCase() === lowerName);
}

/** Whether any header name appears twice (case-insensitively): most responses repeat none and skip the grouping. */
function hasRepeats(headers: Array<[string, string]>): boolean {
  for (let i = 1; i < headers.length; i++) {
    const name = headers[i]![0];
    for (let j = 0; j < i; j++) {
      const earlier = headers[j]![0];
      if (earlier.length === name.length && (earlier === name || earlier.toLowerCase() === name.toLowerCase())) return true;
    }
  }
  return false;
}

/** Headers by lower-case name, each with its values in order and the casing it first appeared with. */
function grouped(headers: Array<[string, string]>): Map<string, { name: string; values: string[] }> {
  const out = new Map<string, { name: string; values: string[] }>();
  for (const [name, value] of headers) {
    const lowerName = name.toLowerCase();
    const entry = out.get(lowerName);
    if (entry) entry.values.push(value);
    else out.set(lowerName, { name, values: [value] });
  }
  return out;
}

/** The origin-form path of a request target; an absolute-form target (RFC 9112 §3.2.2) keeps only its path. */
function originForm(target: string): string {
  if (target.startsWith("/")) return target;
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target);
  if (!absolute) return target;
  const rest = target.slice(absolute[0].length);
  return rest.startsWith("/") ? rest : `/${rest}`;
}

/** A client that went away mid-request: nothing to answer. */
function clientGone(req: http.IncomingMessage, error: unknown): boolean {
  return req.destroyed || (error instanceof Error && ((error as NodeJS.ErrnoException).code === "ECONNRESET" || error.message === "aborted"));
}

/** Answers to malformed HTTP, which never reaches the lifecycle (as node:http's defaults, in AWS's JSON shape). */
function clientErrorAnswer(error: NodeJS.ErrnoException): { status: number; reason: string; body: string } {
  const [status, reason] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? [431, "Request Header Fields Too Large"]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "Request Timeout"]
        : [400, "Bad Request"];
  return { status, reason, body: JSON.stringify({ message: reason }) };
}

function clientErrorResponse(error: NodeJS.ErrnoException): string {
  const { status, reason, body } = clientErrorAnswer(error);
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
}

/** The node:http face of one REST API. */
export function createRestServer(compiled: CompiledRestApi, deps: RestDeps, limits: ConnectionLimits = {}): http.Server {
  return createGatewayServer((request) => handleRestRequest(compiled, deps, request), deps.log, INTERNAL_ERROR, limits);
}

/**
 * REST: "Total combined size of all header values" 10240 bytes (limits.md). AWS documents the limit, not the
 * answer; the gateway answers 431 Request Header Fields Too Large (RFC 6585 §5) in AWS's JSON error shape.
 */
export const MAX_HEADER_VALUES_BYTES = 10_240;

/** Time limits of the client side of every gateway server. AWS publishes none of them; these are generous. */
export interface ConnectionLimits {
  /** Complete request headers within this (slowloris). Default 20 s. */
  headersTimeoutMs?: number;
  /** Complete request, body included, within this. Default 60 s (10 MB at 1.4 Mbit/s). */
  requestTimeoutMs?: number;
  /** Idle keep-alive connections are closed after this. Default 65 s (longer than common client pools). */
  keepAliveTimeoutMs?: number;
  /** How often node:http checks the two timeouts above. Default 1 s (the timeouts are as precise as this). */
  checkIntervalMs?: number;
}

const DEFAULT_LIMITS: Required<ConnectionLimits> = { headersTimeoutMs: 20_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 65_000, checkIntervalMs: 1_000 };

const BAD_REQUEST: HttpResponse = { status: 400, headers: [["Content-Type", "application/json"]], body: '{"message":"Bad Request"}' };

const HEADERS_TOO_LARGE: HttpResponse = {
  status: 431,
  headers: [["Content-Type", "application/json"]],
  body: '{"message":"Request Header Fields Too Large"}',
};

/** While the gateway drains before shutdown, requests still arriving on open connections are refused with this. */
const SHUTTING_DOWN: HttpResponse = {
  status: 503,
  headers: [["Content-Type", "application/json"]],
  body: '{"message":"Service Unavailable"}',
};

/** Per server: requests being answered, and whether it is draining (see drainServer). */
interface ServerState {
  inFlight: number;
  draining: boolean;
  idle: Array<() => void>;
}
const states = new WeakMap<object, ServerState>();

/** The server state a response being answered counts in, for responseClosed (one shared listener, no closure per request). */
const IN_FLIGHT = Symbol("gateproof in-flight state");
type CountedResponse = http.ServerResponse & { [IN_FLIGHT]?: ServerState };

function responseClosed(this: CountedResponse): void {
  const state = this[IN_FLIGHT];
  if (!state) return;
  this[IN_FLIGHT] = undefined;
  state.inFlight--;
  if (state.inFlight === 0) for (const resolve of state.idle.splice(0)) resolve();
}

/** A request listener plus its server state: shared by the node:http server here and the HTTPS one in ../tls.ts. */
export type GatewayListener = ((req: http.IncomingMessage, res: http.ServerResponse) => void) & { state: ServerState };

/**
 * The request handler of one API of any kind (REST, HTTP API), usable by node:http and node:http2 (compat API, via
 * ../tls.ts): body limit, header limit, last-resort errors and draining are the same; `handle` runs the API's own
 * lifecycle. `internalError` answers an unexpected failure.
 */
export function gatewayListener(
  handle: (request: IncomingRequest) => HttpResponse | Promise<HttpResponse>,
  log: (line: string) => void,
  internalError: HttpResponse = INTERNAL_ERROR,
): GatewayListener {
  const state: ServerState = { inFlight: 0, draining: false, idle: [] };
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const receivedAt = Date.now();
    const target = originForm(req.url ?? "/");
    const h2 = req.httpVersionMajor === 2;
    // One pass over the raw headers: the pairs (HTTP/2 pseudo-headers are not headers), whether Host is among them,
    // and the bytes of their values (latin1: one byte per character).
    const raw = req.rawHeaders;
    const headerPairs: Array<[string, string]> = [];
    let hasHost = false;
    let valueBytes = 0;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!;
      if (h2 && name.startsWith(":")) continue;
      const value = raw[i + 1]!;
      if (!hasHost && name.length === 4 && name.toLowerCase() === "host") hasHost = true;
      valueBytes += value.length;
      headerPairs.push([name, value]);
    }
    // :authority is what HTTP/1.1 calls Host (RFC 9113 §8.3.1).
    if (h2 && !hasHost && req.headers[":authority"]) {
      const authority = String(req.headers[":authority"]);
      headerPairs.unshift(["Host", authority]);
      valueBytes += authority.length;
    }
    if (state.draining) {
      send(res, SHUTTING_DOWN, true);
      return;
    }
    if (req.httpVersion === "1.1" && !hasHost) {
      // RFC 9112 §3.2: an HTTP/1.1 request without Host is a 400 (node:http's own answer would have an empty body).
      send(res, BAD_REQUEST, true);
      return;
    }
    if (valueBytes > MAX_HEADER_VALUES_BYTES) {
      send(res, HEADERS_TOO_LARGE, true);
      return;
    }
    state.inFlight++;
    (res as CountedResponse)[IN_FLIGHT] = state;
    res.on("close", responseClosed);
    const q = target.indexOf("?");
    const socket = req.socket;
    const remote = socket?.remoteAddress ?? "";
    const request: IncomingRequest = {
      method: req.method ?? "GET",
      rawPath: q < 0 ? target : target.slice(0, q),
      rawQuery: q < 0 ? undefined : target.slice(q + 1),
      headerPairs,
      body: NO_BODY,
      sourceIp: remote.startsWith("::ffff:") ? remote.slice(7) : remote,
      localPort: clientPort(socket),
      scheme: clientScheme(socket),
      protocol: "HTTP/1.1",
      receivedAt,
    };
    if (hasNoBody(req)) serve(req, res, request, target);
    else
      readBody(req).then(
        (body) => {
          request.body = body;
          serve(req, res, request, target);
        },
        (error: unknown) => failed(req, res, target, error),
      );
  };
  /**
   * Runs the lifecycle and writes its answer: at once when the lifecycle answers synchronously (no promise, no
   * microtask), else when its promise settles. Never throws nor rejects.
   */
  const serve = (req: http.IncomingMessage, res: http.ServerResponse, request: IncomingRequest, target: string): void => {
    let response: HttpResponse | Promise<HttpResponse>;
    try {
      response = handle(request);
    } catch (error) {
      return failed(req, res, target, error);
    }
    if (response instanceof Promise) {
      response.then(
        (answer) => reply(req, res, target, answer, state.draining),
        (error: unknown) => failed(req, res, target, error),
      );
    } else reply(req, res, target, response, state.draining);
  };
  const failed = (req: http.IncomingMessage, res: http.ServerResponse, target: string, error: unknown): void => {
    if (error instanceof PayloadTooLarge) return reply(req, res, target, TOO_LARGE, false);
    if (clientGone(req, error)) return;
    log(`unexpected failure serving ${req.method} ${target}: ${error instanceof Error ? error.stack : String(error)}`);
    reply(req, res, target, internalError, true);
  };
  /** Last line of defence: whatever happens while writing, the process keeps serving everyone else. */
  const reply = (req: http.IncomingMessage, res: http.ServerResponse, target: string, response: HttpResponse, close: boolean): void => {
    try {
      send(res, response, close);
    } catch (error) {
      log(`could not answer ${req.method} ${target}: ${error instanceof Error ? error.stack : String(error)}`);
      res.destroy();
    }
  };
  return Object.assign(listener, { state });
}

/**
 * The node:http face of one API of any kind (REST, HTTP API): the listener above, malformed HTTP answered in AWS's
 * JSON shape, and the client-side timeouts of `limits`.
 */
export function createGatewayServer(
  handle: (request: IncomingRequest) => HttpResponse | Promise<HttpResponse>,
  log: (line: string) => void,
  internalError: HttpResponse = INTERNAL_ERROR,
  limits: ConnectionLimits = {},
): http.Server {
  const listener = gatewayListener(handle, log, internalError);
  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, checkIntervalMs } = { ...DEFAULT_LIMITS, ...limits };
  const server = http.createServer(
    {
      keepAliveTimeout: keepAliveTimeoutMs,
      headersTimeout: headersTimeoutMs,
      requestTimeout: Math.max(requestTimeoutMs, headersTimeoutMs),
      connectionsCheckingInterval: checkIntervalMs,
      // node:http's own limit on the whole header section (request line and names too) sits above the 10240 bytes
      // of values counted above, so both ways to exceed end in the same 431.
      maxHeaderSize: 32 * 1024,
      requireHostHeader: false,
    },
    listener,
  );
  states.set(server, listener.state);
  server.on("clientError", clientErrorHandler);
  // An Expect other than 100-continue: node:http would answer an empty 417; the request is served as if it had none
  // (RFC 9110 §10.1.1 allows either).
  server.on("checkExpectation", listener);
  return server;
}

/** Malformed HTTP and client timeouts: an AWS-shaped answer when one can still go out, then the connection closes. */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: import("node:stream").Duplex): void {
  const pending = (socket as unknown as { _httpMessage?: http.ServerResponse })._httpMessage;
  if (pending && !pending.writableEnded) {
    const request = (pending as { req?: http.IncomingMessage }).req;
    if (!pending.headersSent && (error.code === "ERR_HTTP_REQUEST_TIMEOUT" || request?.complete === false)) {
      // The request being read failed: its body did not arrive in time (slow upload), its chunked framing broke, or
      // the client ended the stream mid-body. The lifecycle gave it up as aborted, so nothing else will answer it;
      // unanswered, the half-closed socket would stay open until the request timeout.
      const { status, body } = clientErrorAnswer(error);
      pending.writeHead(status, { "Content-Type": "application/json", "Content-Length": body.length, Connection: "close" });
      pending.end(body, () => socket.destroy());
      return;
    }
    // A response still owed on this connection is sent first; answering the bad request now would be taken by the
    // client as the answer to the earlier one.
    pending.once("finish", () => socket.end());
    return;
  }
  if (socket.writable) socket.end(clientErrorResponse(error));
  else socket.destroy();
}

/** Registers a server built elsewhere (../tls.ts) with the state of its listener, for drainServer. */
export function trackServer(server: object, listener: GatewayListener): void {
  states.set(server, listener.state);
}

/**
 * Graceful shutdown of one server: stop accepting connections, answer requests still arriving on open connections
 * with 503 and Connection: close, let in-flight requests finish for up to `graceMs`, then cut what is left.
 */
export async function drainServer(server: http.Server | import("node:net").Server, graceMs: number): Promise<void> {
  const state = states.get(server);
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const web = server as Partial<http.Server>;
  if (state) state.draining = true;
  web.closeIdleConnections?.();
  if (state && state.inFlight > 0 && graceMs > 0) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => state.idle.push(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timer);
  }
  web.closeAllConnections?.();
  (server as { destroyAllSessions?: () => void }).destroyAllSessions?.();
  await closed;
}
