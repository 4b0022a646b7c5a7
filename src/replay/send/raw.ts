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
const HEAD_END = Buffer.from("\r\n\r\n", "latin1");
const LINE_END = Buffer.from("\r\n", "latin1");
const CRLF_TEXT = "\r\n";

/** The decimal digit at `at`, or NaN. */
function digit(text: string, at: number): number {
  const code = text.charCodeAt(at) - 0x30;
  return code >= 0 && code <= 9 ? code : NaN;
}

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

  /**
   * `chunk` may be a view of a read buffer the socket fills again after this call (see RawConnection): whatever
   * the parser keeps past it — a partial response, body bytes — is copied out.
   */
  feed(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.step());
    if (this.buffer.length > 0 && this.buffer.buffer === chunk.buffer) this.buffer = Buffer.from(this.buffer);
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
        const at = buffer.indexOf(HEAD_END);
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
        this.chunks.push(Buffer.from(buffer.subarray(0, this.remaining)));
        this.buffer = buffer.subarray(this.remaining);
        this.finish();
        return true;
      }
      case "chunk-size": {
        const at = buffer.indexOf(LINE_END);
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
        this.chunks.push(Buffer.from(buffer.subarray(0, this.remaining)));
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
        const at = buffer.indexOf(HEAD_END);
        if (at < 0) return false;
        this.buffer = buffer.subarray(at + 4);
        this.finish();
        return true;
      }
      case "until-close":
        return false;
    }
  }

  /** Scanned by hand, not split and matched: this runs once per replayed response. */
  private parseHead(head: string): void {
    const lineEnd = head.indexOf(CRLF_TEXT);
    const statusEnd = lineEnd < 0 ? head.length : lineEnd;
    const minor = head.charCodeAt(7);
    const status = digit(head, 9) * 100 + digit(head, 10) * 10 + digit(head, 11);
    if (!head.startsWith("HTTP/1.") || (minor !== 0x30 && minor !== 0x31) || head.charCodeAt(8) !== 0x20 || !(status >= 0)) {
      throw Object.assign(new Error(`bad status line ${JSON.stringify(head.slice(0, Math.min(statusEnd, 80)))}`), { code: "HPE_INVALID_CONSTANT" });
    }
    const http10 = minor === 0x30;
    const headers: HeaderList = [];
    let contentLength = -1;
    let chunked = false;
    let connection = "";
    for (let start = statusEnd + 2; start < head.length; ) {
      let end = head.indexOf(CRLF_TEXT, start);
      if (end < 0) end = head.length;
      const colon = head.indexOf(":", start);
      if (colon > start && colon < end) {
        const name = head.slice(start, colon).trim().toLowerCase();
        const value = head.slice(colon + 1, end).trim();
        headers.push([name, value]);
        if (name === "content-length") contentLength = Number(value);
        else if (name === "transfer-encoding") chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
        else if (name === "connection") connection = value.toLowerCase();
      }
      start = end + 2;
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

/** A request on its way: its bytes (kept to send again once), and who hears the answer. */
interface Pending {
  bytes: Buffer;
  method: string;
  /** False once sent again after a keep-alive race: a second failure is the answer. */
  first: boolean;
  /** Went out on a connection that had carried a request before (only such a one can race the server's idle close). */
  reused: boolean;
  done: (answer: Answer) => void;
}

/** Bytes read off a socket land here (node's `onread`), not in a fresh buffer per read: the parser copies what it keeps. */
const READ_BUFFER_BYTES = 64 * 1024;

/**
 * One keep-alive socket, one request at a time. The request in flight is state on the connection, and answers go
 * to the client's one handler: no closure per request on this path.
 */
class RawConnection {
  readonly socket: net.Socket;
  private readonly parser: ResponseParser;
  /** The request on the wire. */
  current: Pending | undefined;
  /** Has carried a request. */
  used = false;
  dead = false;
  sawBytes = false;

  constructor(host: string, port: number, timeoutMs: number, readBuffer: Buffer, private readonly client: RawClient) {
    this.parser = new ResponseParser(
      (response) => client.answered(this, response),
      () => this.current?.method === "HEAD",
    );
    this.socket = net.connect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer: readBuffer,
        callback: (bytes: number, buffer: Uint8Array) => {
          this.sawBytes = true;
          try {
            this.parser.feed(Buffer.from(buffer.buffer, buffer.byteOffset, bytes));
          } catch (error) {
            this.fail(error as Error);
          }
          return true; // keep reading
        },
      },
    });
    this.socket.setTimeout(timeoutMs);
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

  send(pending: Pending): void {
    this.sawBytes = false;
    this.current = pending;
    this.socket.write(pending.bytes);
  }

  private fail(error: Error): void {
    if (!this.dead) {
      this.dead = true;
      this.socket.destroy();
      this.client.died(this);
    }
    const current = this.current;
    this.current = undefined;
    if (current) this.client.failed(this, current, error);
  }

  destroy(): void {
    this.fail(Object.assign(new Error("closed"), { code: "UND_ERR_CLOSED" }));
  }
}

/**
 * The replayer's HTTP/1.1 client for http: targets, built like a load generator's: raw keep-alive sockets, the
 * request pre-serialised to bytes, a small response framer reading into one reused buffer, one request in flight
 * per socket. Same contract as TargetClient: transport failures become answers with `error` set.
 */
export class RawClient implements SendClient {
  private readonly host: string;
  private readonly port: number;
  private readonly hostHeader: string;
  private readonly idle: RawConnection[] = [];
  private readonly all = new Set<RawConnection>();
  /** Requests waiting for a connection, oldest first. */
  private readonly waiting: Pending[] = [];
  /** Shared by this client's sockets: a read is parsed before the next one lands. */
  private readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
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
    const connection = new RawConnection(this.host, this.port, this.timeoutMs, this.readBuffer, this);
    this.all.add(connection);
    return connection;
  }

  /** A connection is gone: its slot goes to the oldest waiting request, on a fresh connection. */
  died(dead: RawConnection): void {
    this.all.delete(dead);
    const at = this.idle.indexOf(dead);
    if (at >= 0) this.idle.splice(at, 1);
    const waiter = this.waiting.shift();
    if (waiter && !this.closed) this.open().send(waiter);
  }

  send(request: OutgoingRequest, done: (answer: Answer) => void): void {
    if (request.url.origin !== this.base.origin) return done(movedAway(request));
    this.dispatch({ bytes: serialiseRequest(request, this.hostHeader), method: request.method, first: true, reused: false, done });
  }

  private dispatch(pending: Pending): void {
    const idle = this.idle.shift(); // oldest first: request order follows connection order, as with a lazily grown pool
    const connection = idle ?? (this.all.size < this.connections ? this.open() : undefined);
    if (!connection) return void this.waiting.push(pending);
    this.sendOn(connection, pending);
  }

  private sendOn(connection: RawConnection, pending: Pending): void {
    pending.reused = connection.used;
    connection.used = true;
    connection.send(pending);
  }

  /** The connection's request got its answer; the connection goes back to the pool (or to the next waiter). */
  answered(connection: RawConnection, response: FramedResponse): void {
    const pending = connection.current;
    // An answer nobody asked for: the connection's framing is off, so it is not reused.
    if (!pending) return connection.destroy();
    connection.current = undefined; // before the callback: it may send the next request on this connection
    if (!response.keepAlive || connection.dead || this.closed) connection.destroy(); // died() hands the slot on
    else {
      const waiter = this.waiting.shift();
      if (waiter) this.sendOn(connection, waiter);
      else this.idle.push(connection);
    }
    pending.done(response);
  }

  failed(connection: RawConnection, pending: Pending, error: Error): void {
    // The server closed an idle keep-alive socket as we wrote to it: nothing came back, so send again once.
    if (pending.reused && !connection.sawBytes && pending.first && IDEMPOTENT.has(pending.method)) {
      pending.first = false;
      return this.dispatch(pending);
    }
    pending.done(transportError(error));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const connection of [...this.all]) connection.destroy();
  }
}
