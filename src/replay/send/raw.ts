import net from "node:net";
import type { Answer } from "../compare/differ.ts";
import type { HeaderList } from "../exchange.ts";
import type { SendClient } from "./client.ts";
import { movedAway, transportError } from "./failure.ts";
import type { OutgoingRequest } from "./outgoing.ts";

/** One complete HTTP/1.1 response as framed off the wire. */
export interface FramedResponse {
  status: number;
  /** Names lower-cased, in wire order, repeated names kept. */
  headers: HeaderList;
  body: Buffer;
  /** False when the server asked to close (or spoke HTTP/1.0 without keep-alive). */
  keepAlive: boolean;
}

const CRLF = 0x0a0d; // "\r\n" read as a little-endian uint16
const MAX_HEAD = 64 * 1024;
const EMPTY = Buffer.alloc(0);

type State = "head" | "fixed" | "chunk-size" | "chunk-data" | "trailers" | "until-close";

/**
 * Incremental HTTP/1.1 response framing: status line and headers, then the body by Content-Length, chunked
 * transfer coding, or read-until-close. `feed` takes socket chunks as they come; every complete response goes to
 * `onResponse`, in order (so pipelined responses are split correctly). `expectNoBody` is asked once per response
 * head: a response to HEAD has headers but no body.
 */
export class ResponseParser {
  private buffer: Buffer = EMPTY;
  private state: State = "head";
  private status = 0;
  private headers: HeaderList = [];
  private keepAlive = true;
  private remaining = 0;
  private chunks: Buffer[] = [];

  constructor(
    private readonly onResponse: (response: FramedResponse) => void,
    private readonly expectNoBody: () => boolean = () => false,
  ) {}

  /** Bytes of a response that has started but not finished (true also mid-head). */
  get midResponse(): boolean {
    return this.state !== "head" || this.buffer.length > 0;
  }

  feed(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.step());
  }

  /** The connection ended: completes a read-until-close body; throws if a response was cut short. */
  end(): void {
    if (this.state === "until-close") {
      this.chunks.push(this.buffer);
      this.buffer = EMPTY;
      this.keepAlive = false;
      this.finish();
      return;
    }
    if (this.midResponse) throw Object.assign(new Error("connection closed mid-response"), { code: "UND_ERR_SOCKET" });
  }

  private step(): boolean {
    const buffer = this.buffer;
    switch (this.state) {
      case "head": {
        const at = buffer.indexOf("\r\n\r\n", 0, "latin1");
        if (at < 0) {
          if (buffer.length > MAX_HEAD) throw Object.assign(new Error("response head too large"), { code: "UND_ERR_HEADERS_OVERFLOW" });
          return false;
        }
        this.parseHead(buffer.toString("latin1", 0, at));
        this.buffer = buffer.subarray(at + 4);
        return true;
      }
      case "fixed": {
        if (buffer.length < this.remaining) return false;
        this.chunks.push(buffer.subarray(0, this.remaining));
        this.buffer = buffer.subarray(this.remaining);
        this.finish();
        return true;
      }
      case "chunk-size": {
        const at = buffer.indexOf(CRLF_TEXT, 0, "latin1");
        if (at < 0) return false;
        const line = buffer.toString("latin1", 0, at);
        const semicolon = line.indexOf(";");
        const size = parseInt(semicolon < 0 ? line : line.slice(0, semicolon), 16);
        if (!Number.isFinite(size) || size < 0) throw Object.assign(new Error(`bad chunk size ${JSON.stringify(line)}`), { code: "HPE_INVALID_CHUNK_SIZE" });
        this.buffer = buffer.subarray(at + 2);
        if (size === 0) this.state = "trailers";
        else {
          this.remaining = size;
          this.state = "chunk-data";
        }
        return true;
      }
      case "chunk-data": {
        if (buffer.length < this.remaining + 2) return false;
        this.chunks.push(buffer.subarray(0, this.remaining));
        this.buffer = buffer.subarray(this.remaining + 2);
        this.state = "chunk-size";
        return true;
      }
      case "trailers": {
        if (buffer.length < 2) return false;
        if (buffer.readUInt16LE(0) === CRLF) {
          this.buffer = buffer.subarray(2);
          this.finish();
          return true;
        }
        const at = buffer.indexOf("\r\n\r\n", 0, "latin1");
        if (at < 0) return false;
        this.buffer = buffer.subarray(at + 4);
        this.finish();
        return true;
      }
      case "until-close":
        return false;
    }
  }

  private parseHead(head: string): void {
    const lines = head.split("\r\n");
    const statusLine = lines[0]!;
    const match = /^HTTP\/1\.([01]) (\d{3})/.exec(statusLine);
    if (!match) throw Object.assign(new Error(`bad status line ${JSON.stringify(statusLine.slice(0, 80))}`), { code: "HPE_INVALID_CONSTANT" });
    const http10 = match[1] === "0";
    const status = Number(match[2]);
    const headers: HeaderList = [];
    let contentLength = -1;
    let chunked = false;
    let connection = "";
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers.push([name, value]);
      if (name === "content-length") contentLength = Number(value);
      else if (name === "transfer-encoding") chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
      else if (name === "connection") connection = value.toLowerCase();
    }
    if (status >= 100 && status < 200 && status !== 101) return; // informational: the real answer follows
    this.status = status;
    this.headers = headers;
    this.keepAlive = http10 ? connection.includes("keep-alive") : !connection.includes("close");
    this.chunks = [];
    if (this.expectNoBody() || status === 204 || status === 304) this.finish();
    else if (chunked) this.state = "chunk-size";
    else if (contentLength >= 0) {
      this.remaining = contentLength;
      this.state = "fixed";
    } else this.state = "until-close";
  }

  private finish(): void {
    const chunks = this.chunks;
    const body = chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    this.chunks = [];
    this.state = "head";
    this.onResponse({ status: this.status, headers: this.headers, body, keepAlive: this.keepAlive });
  }
}

const CRLF_TEXT = "\r\n";
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);

/** The request as bytes on the wire: request line, Host, the (already filtered) headers, Content-Length, body. */
export function serialiseRequest(request: OutgoingRequest, host: string): Buffer {
  let head = `${request.method} ${request.url.pathname}${request.url.search} HTTP/1.1\r\nhost: ${host}\r\n`;
  for (const [name, value] of request.headers) head += `${name}: ${value}\r\n`;
  const body = request.body;
  if (body && body.length > 0) head += `content-length: ${body.length}\r\n`;
  else if (request.method !== "GET" && request.method !== "HEAD") head += "content-length: 0\r\n";
  head += "\r\n";
  if (!body || body.length === 0) return Buffer.from(head, "latin1");
  const headBytes = Buffer.byteLength(head, "latin1");
  const out = Buffer.allocUnsafe(headBytes + body.length);
  out.write(head, 0, "latin1");
  body.copy(out, headBytes);
  return out;
}

type Exchanged = (error: Error | undefined, response?: FramedResponse) => void;

/** One keep-alive socket, one request at a time. */
class RawConnection {
  readonly socket: net.Socket;
  private readonly parser: ResponseParser;
  /** The request on the wire: its callback, and whether it was a HEAD (no body comes back). */
  private current: Exchanged | undefined;
  private currentIsHead = false;
  /** Sent at least one request before: a failure with no response bytes may be the server's idle close racing us. */
  used = false;
  dead = false;
  sawBytes = false;

  constructor(host: string, port: number, timeoutMs: number, private readonly onDead: (connection: RawConnection) => void) {
    this.parser = new ResponseParser(
      (response) => {
        const current = this.current;
        this.current = undefined; // before the callback: it may send the next request on this connection
        current?.(undefined, response);
      },
      () => this.currentIsHead,
    );
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.setTimeout(timeoutMs);
    this.socket.on("data", (chunk: Buffer) => {
      this.sawBytes = true;
      try {
        this.parser.feed(chunk);
      } catch (error) {
        this.fail(error as Error);
      }
    });
    this.socket.on("end", () => {
      try {
        this.parser.end();
      } catch (error) {
        this.fail(error as Error);
        return;
      }
      this.fail(Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }));
    });
    this.socket.on("timeout", () => this.fail(Object.assign(new Error("timed out"), { code: "UND_ERR_HEADERS_TIMEOUT" })));
    this.socket.on("error", (error) => this.fail(error));
    this.socket.on("close", () => this.fail(Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" })));
  }

  exchange(bytes: Buffer, head: boolean, done: Exchanged): void {
    this.sawBytes = false;
    this.current = done;
    this.currentIsHead = head;
    this.socket.write(bytes);
  }

  private fail(error: Error): void {
    if (!this.dead) {
      this.dead = true;
      this.socket.destroy();
      this.onDead(this);
    }
    const current = this.current;
    this.current = undefined;
    current?.(error);
  }

  destroy(): void {
    this.fail(Object.assign(new Error("closed"), { code: "UND_ERR_CLOSED" }));
  }
}

/**
 * The replayer's HTTP/1.1 client for http: targets, built like a load generator's: raw keep-alive sockets, the
 * request pre-serialised to bytes, a small response framer, one request in flight per socket. Same contract as
 * TargetClient: transport failures become answers with `error` set.
 */
export class RawClient implements SendClient {
  private readonly host: string;
  private readonly port: number;
  private readonly hostHeader: string;
  private readonly idle: RawConnection[] = [];
  private readonly all = new Set<RawConnection>();
  private readonly waiting: Array<(connection: RawConnection) => void> = [];
  private closed = false;

  constructor(readonly base: URL, private readonly connections: number, private readonly timeoutMs = 30_000) {
    if (base.protocol !== "http:") throw new Error("RawClient speaks plain http only");
    this.host = base.hostname.replace(/^\[|\]$/g, "");
    this.port = Number(base.port || 80);
    this.hostHeader = base.host;
  }

  /** Opens up to `count` connections ahead of the first request, so connecting is not on the timed path. */
  async preconnect(count = this.connections): Promise<void> {
    const opening: Promise<unknown>[] = [];
    while (this.all.size < Math.min(count, this.connections)) {
      const connection = this.open();
      this.idle.push(connection);
      opening.push(new Promise((resolve) => connection.socket.once("connect", resolve).once("close", resolve)));
    }
    await Promise.all(opening);
  }

  private open(): RawConnection {
    const connection = new RawConnection(this.host, this.port, this.timeoutMs, (dead) => {
      this.all.delete(dead);
      const at = this.idle.indexOf(dead);
      if (at >= 0) this.idle.splice(at, 1);
      // A slot freed: someone waiting gets a fresh connection.
      const waiter = this.waiting.shift();
      if (waiter && !this.closed) {
        const fresh = this.open();
        waiter(fresh);
      }
    });
    this.all.add(connection);
    return connection;
  }

  private acquire(use: (connection: RawConnection) => void): void {
    const idle = this.idle.shift(); // oldest first: request order follows connection order, as with a lazily grown pool
    if (idle) use(idle);
    else if (this.all.size < this.connections) use(this.open());
    else this.waiting.push(use);
  }

  private release(connection: RawConnection, keepAlive: boolean): void {
    if (!keepAlive || connection.dead || this.closed) {
      connection.destroy(); // onDead hands the slot to a waiter
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) waiter(connection);
    else this.idle.push(connection);
  }

  send(request: OutgoingRequest, done: (answer: Answer) => void): void {
    if (request.url.origin !== this.base.origin) return done(movedAway(request));
    this.attempt(serialiseRequest(request, this.hostHeader), request.method, true, done);
  }

  private attempt(bytes: Buffer, method: string, first: boolean, done: (answer: Answer) => void): void {
    this.acquire((connection) => {
      const reused = connection.used;
      connection.used = true;
      connection.exchange(bytes, method === "HEAD", (error, response) => {
        if (error) {
          // The server closed an idle keep-alive socket as we wrote to it: nothing came back, so send again once.
          if (reused && !connection.sawBytes && first && IDEMPOTENT.has(method)) return this.attempt(bytes, method, false, done);
          return done(transportError(error));
        }
        this.release(connection, response!.keepAlive);
        done({ status: response!.status, headers: response!.headers, body: response!.body });
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const connection of [...this.all]) connection.destroy();
  }
}
