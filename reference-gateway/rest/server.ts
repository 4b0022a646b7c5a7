import http from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpResponse } from "./call.ts";
import type { CompiledRestApi } from "./compile.ts";
import { handleRestRequest, type RestDeps } from "./lifecycle.ts";
import type { IncomingRequest } from "./request.ts";

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
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function pairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

/** Statuses whose responses carry no body and no Content-Length (RFC 9110 §8.6, §15.3.5, §15.4.5). */
const BODYLESS = new Set([204, 304]);

const INTERNAL_ERROR: HttpResponse = { status: 500, headers: [["Content-Type", "application/json"]], body: '{"message": "Internal server error"}' };

function send(res: http.ServerResponse, response: HttpResponse, close = false): void {
  if (res.headersSent || res.destroyed) return;
  const grouped = new Map<string, { name: string; values: string[] }>();
  for (const [name, value] of response.headers) {
    const entry = grouped.get(name.toLowerCase());
    if (entry) entry.values.push(value);
    else grouped.set(name.toLowerCase(), { name, values: [value] });
  }
  const body = typeof response.body === "string" ? Buffer.from(response.body, "utf8") : response.body;
  for (const { name, values } of grouped.values()) {
    // A header the integration repeated reaches the client repeated (Set-Cookie) or comma-joined, as HTTP allows.
    res.setHeader(name, values.length === 1 ? values[0]! : values);
  }
  if (!BODYLESS.has(response.status)) res.setHeader("Content-Length", body.length);
  if (close) res.setHeader("Connection", "close");
  res.writeHead(response.status);
  res.end(BODYLESS.has(response.status) ? undefined : body);
}

/** The origin-form path of a request target; an absolute-form target (RFC 9112 §3.2.2) keeps only its path. */
function originForm(target: string): string {
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
function clientErrorResponse(error: NodeJS.ErrnoException): string {
  const [status, reason, message] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? [431, "Request Header Fields Too Large", "Request Header Fields Too Large"]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "Request Timeout", "Request Timeout"]
        : [400, "Bad Request", "Bad Request"];
  const body = JSON.stringify({ message });
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
}

/** The node:http face of one REST API. */
export function createRestServer(compiled: CompiledRestApi, deps: RestDeps): http.Server {
  return createGatewayServer((request) => handleRestRequest(compiled, deps, request), deps.log);
}

/**
 * The node:http face of one API of any kind (REST, HTTP API): body limit, framing, malformed requests and last-resort
 * errors are the same; `handle` runs the API's own lifecycle. `internalError` answers an unexpected failure.
 */
export function createGatewayServer(
  handle: (request: IncomingRequest) => Promise<HttpResponse>,
  log: (line: string) => void,
  internalError: HttpResponse = INTERNAL_ERROR,
): http.Server {
  const server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    const receivedAt = Date.now();
    const target = originForm(req.url ?? "/");
    const q = target.indexOf("?");
    readBody(req)
      .then((body) => {
        const request: IncomingRequest = {
          method: req.method ?? "GET",
          rawPath: q < 0 ? target : target.slice(0, q),
          rawQuery: q < 0 ? undefined : target.slice(q + 1),
          headerPairs: pairs(req.rawHeaders),
          body,
          sourceIp: (req.socket.remoteAddress ?? "").replace(/^::ffff:/, ""),
          localPort: (req.socket.address() as AddressInfo).port,
          protocol: "HTTP/1.1",
          receivedAt,
        };
        return handle(request);
      })
      .then(
        (response) => send(res, response),
        (error: unknown) => {
          if (error instanceof PayloadTooLarge) return send(res, TOO_LARGE);
          if (clientGone(req, error)) return;
          log(`unexpected failure serving ${req.method} ${target}: ${error instanceof Error ? error.stack : String(error)}`);
          send(res, internalError, true);
        },
      )
      .catch((error: unknown) => {
        // Last line of defence: whatever happens while writing, the process keeps serving everyone else.
        log(`could not answer ${req.method} ${target}: ${error instanceof Error ? error.stack : String(error)}`);
        res.destroy();
      });
  });
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    // A response still owed on this connection is sent first; answering the bad request now would be taken by the
    // client as the answer to the earlier one.
    const pending = (socket as unknown as { _httpMessage?: http.ServerResponse })._httpMessage;
    if (pending && !pending.writableEnded) {
      pending.once("finish", () => socket.end());
      return;
    }
    if (socket.writable) socket.end(clientErrorResponse(error));
    else socket.destroy();
  });
  return server;
}
