import net from "node:net";
import type { Answer } from "../compare/differ.ts";
import type { HeaderList } from "../exchange.ts";
import type { SendClient } from "./client.ts";
import { transportError } from "./failure.ts";
import type { WireRequest } from "./outgoing.ts";

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

/** What String.prototype.trim removes, as far as a latin1-decoded head can hold it. */
const isTrimmed = (code: number): boolean => code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0xa0;

/** `text.slice(from, to).trim()`, sliced once. */
function trimmedSlice(text: string, from: number, to: number): string {
  while (from < to && isTrimmed(text.charCodeAt(from))) from++;
  while (to > from && isTrimmed(text.charCodeAt(to - 1))) to--;
  return text.slice(from, to);
}

/** A response head as parsed. Shared by every response with the same head bytes: nothing may change it. */
interface Head {
  status: number;
  /** 1xx other than 101. */
  informational: boolean;
  headers: HeaderList;
  keepAlive: boolean;
  /** -1 when absent. */
  contentLength: number;
  chunked: boolean;
}

/** Scanned by hand, not split and matched. */
function parseHead(head: string): Head {
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
      const name = trimmedSlice(head, start, colon).toLowerCase();
      const value = trimmedSlice(head, colon + 1, end);
      headers.push([name, value]);
      if (name === "content-length") contentLength = Number(value);
      else if (name === "transfer-encoding") chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
      else if (name === "connection") connection = value.toLowerCase();
    }
    start = end + 2;
  }
  return {
    status,
    informational: status >= 100 && status < 200 && status !== 101,
    headers,
    keepAlive: http10 ? connection.includes("keep-alive") : !connection.includes("close"),
    contentLength,
    chunked,
  };
}

type State = "head" | "fixed" | "chunk-size" | "chunk-data" | "trailers" | "until-close";

/**
 * Incremental HTTP/1.1 response framing: status line and headers, then the body by Content-Length, chunked
 * transfer coding, or read-until-close. `feed` takes socket chunks as they come; every complete response goes to
 * `onResponse`, in order (so pipelined responses are split correctly). `expectNoBody` is asked once per response
 * head: a response to HEAD has headers but no body.
 *
 * Unread bytes are `buffer` from `at` to `end`: reading moves `at` instead of cutting a view per step (each view is a
 * typed array to allocate, four or five of them per response).
 */
export class ResponseParser {
  private buffer: Buffer = EMPTY;
  private at = 0;
  private state: State = "head";
  private status = 0;
  private headers: HeaderList = [];
  private keepAlive = true;
  private remaining = 0;
  /** The last head parsed, with its bytes. */
  private lastHead: (Head & { bytes: Buffer }) | undefined;
  /** The body so far: empty between responses (finish empties it in place). */
  private readonly chunks: Buffer[] = [];

  constructor(
    private readonly onResponse: (response: FramedResponse) => void,
    private readonly expectNoBody: () => boolean = () => false,
  ) {}

  /** Bytes of a response that has started but not finished (true also mid-head). */
  get midResponse(): boolean {
    return this.state !== "head" || this.at < this.buffer.length;
  }

  /**
   * The first `length` bytes of `chunk` (all of it by default). `chunk` may be a read buffer the socket fills again
   * after this call (see RawConnection): whatever the parser keeps past it — a partial response, body bytes — is
   * copied out.
   */
  feed(chunk: Buffer, length = chunk.length): void {
    const bytes = length === chunk.length ? chunk : chunk.subarray(0, length);
    this.buffer = this.at < this.buffer.length ? Buffer.concat([this.buffer.subarray(this.at), bytes]) : bytes;
    this.at = 0;
    while (this.step());
    if (this.at === this.buffer.length) {
      this.buffer = EMPTY;
      this.at = 0;
    } else if (this.buffer.buffer === chunk.buffer) {
      this.buffer = Buffer.from(this.buffer.subarray(this.at));
      this.at = 0;
    }
  }

  /** The connection ended: completes a read-until-close body; throws if a response was cut short. */
  end(): void {
    if (this.state === "until-close") {
      this.chunks.push(this.buffer.subarray(this.at));
      this.at = this.buffer.length;
      this.keepAlive = false;
      this.finish();
      return;
    }
    if (this.midResponse) throw Object.assign(new Error("connection closed mid-response"), { code: "UND_ERR_SOCKET" });
  }

  /** The next `length` unread bytes, copied out of the buffer (it may be the socket's). */
  private take(length: number): Buffer {
    const bytes = Buffer.allocUnsafe(length);
    this.buffer.copy(bytes, 0, this.at, this.at + length);
    this.at += length;
    return bytes;
  }

  private step(): boolean {
    const buffer = this.buffer;
    const unread = buffer.length - this.at;
    switch (this.state) {
      case "head": {
        const at = buffer.indexOf(HEAD_END, this.at);
        if (at < 0) {
          if (unread > MAX_HEAD) throw Object.assign(new Error("response head too large"), { code: "UND_ERR_HEADERS_OVERFLOW" });
          return false;
        }
        const length = at - this.at;
        // A server repeats its heads byte for byte (within a second, Date included): the parse of an equal one is reused.
        const last = this.lastHead;
        const same = last !== undefined && last.bytes.length === length && buffer.compare(last.bytes, 0, length, this.at, at) === 0;
        const head = same ? last : parseHead(buffer.toString("latin1", this.at, at));
        if (!same && !head.informational) this.lastHead = { ...head, bytes: Buffer.from(buffer.subarray(this.at, at)) };
        this.at = at + 4;
        this.begin(head);
        return true;
      }
      case "fixed": {
        if (unread < this.remaining) return false;
        this.chunks.push(this.take(this.remaining));
        this.finish();
        return true;
      }
      case "chunk-size": {
        const at = buffer.indexOf(LINE_END, this.at);
        if (at < 0) return false;
        const line = buffer.toString("latin1", this.at, at);
        const semicolon = line.indexOf(";");
        const size = parseInt(semicolon < 0 ? line : line.slice(0, semicolon), 16);
        if (!Number.isFinite(size) || size < 0) throw Object.assign(new Error(`bad chunk size ${JSON.stringify(line)}`), { code: "HPE_INVALID_CHUNK_SIZE" });
        this.at = at + 2;
        if (size === 0) this.state = "trailers";
        else {
          this.remaining = size;
          this.state = "chunk-data";
        }
        return true;
      }
      case "chunk-data": {
        if (unread < this.remaining + 2) return false;
        this.chunks.push(this.take(this.remaining));
        this.at += 2;
        this.state = "chunk-size";
        return true;
      }
      case "trailers": {
        if (unread < 2) return false;
        if (buffer.readUInt16LE(this.at) === CRLF) {
          this.at += 2;
          this.finish();
          return true;
        }
        const at = buffer.indexOf(HEAD_END, this.at);
        if (at < 0) return false;
        this.at = at + 4;
        this.finish();
        return true;
      }
      case "until-close":
        return false;
    }
  }

  /** A response starts with this head (an informational one is skipped: the real answer follows). */
  private begin(head: Head): void {
    if (head.informational) return;
    this.status = head.status;
    this.headers = head.headers;
    this.keepAlive = head.keepAlive;
    if (this.expectNoBody() || head.status === 204 || head.status === 304) this.finish();
    else if (head.chunked) this.state = "chunk-size";
    else if (head.contentLength >= 0) {
      this.remaining = head.contentLength;
      this.state = "fixed";
    } else this.state = "until-close";
  }

  private finish(): void {
    const chunks = this.chunks;
    let body: Buffer = EMPTY;
    if (chunks.length > 0) {
      body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      chunks.length = 0;
    }
    this.state = "head";
    this.onResponse({ status: this.status, headers: this.headers, body, keepAlive: this.keepAlive });
  }
}

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);

/**
 * The request as it goes on the wire: request line, Host, the (already filtered) headers, Content-Length, body. A
 * request without a body stays a string, written as latin1 by the socket itself: no Buffer per request.
 */
export function serialiseRequest(request: WireRequest, host: string): Buffer | string {
  let head = `${request.method} ${request.path} HTTP/1.1\r\nhost: ${host}\r\n`;
  for (const [name, value] of request.headers) head += `${name}: ${value}\r\n`;
  const body = request.body;
  if (body && body.length > 0) head += `content-length: ${body.length}\r\n`;
  else if (request.method !== "GET" && request.method !== "HEAD") head += "content-length: 0\r\n";
  head += "\r\n";
  if (!body || body.length === 0) return head;
  const headBytes = Buffer.byteLength(head, "latin1");
  const out = Buffer.allocUnsafe(headBytes + body.length);
  out.write(head, 0, "latin1");
  body.copy(out, headBytes);
  return out;
}

/** A request on its way: its bytes (kept to send again once), and who hears the answer. */
interface Pending {
  /** A string is latin1 (see serialiseRequest). */
  bytes: Buffer | string;
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
        callback: (bytes: number) => {
          this.sawBytes = true;
          try {
            this.parser.feed(readBuffer, bytes);
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
    if (typeof pending.bytes === "string") this.socket.write(pending.bytes, "latin1");
    else this.socket.write(pending.bytes);
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

  send(request: WireRequest, done: (answer: Answer) => void): void {
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
