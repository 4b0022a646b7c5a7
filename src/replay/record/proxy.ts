import http from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";
import type { Exchange, HeaderList } from "../exchange.ts";
import { exchangeToEntry } from "../har-entry.ts";
import { LineWriter } from "./line-writer.ts";
import { redactExchange, type RedactionRules } from "./redact.ts";

export interface RecorderOptions {
  /** Gateway or backend to record; its path, if any, is put before every request path. */
  target: URL;
  port: number;
  host?: string;
  out: string;
  /** undefined = no redaction (only on explicit opt-out). */
  redaction: RedactionRules | undefined;
}

export interface RunningRecorder {
  url: string;
  recorded(): number;
  /**
   * Stops accepting, lets exchanges in flight finish and be written for up to `graceMs` (default 10 s), then cuts the
   * calls still waiting on the target (each is recorded as failed and answered 502) and closes the file: every line
   * in it is whole.
   */
  close(graceMs?: number): Promise<void>;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "trailer", "host", "content-length", "expect"]);

function rawHeaderList(raw: string[]): HeaderList {
  const out: HeaderList = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

async function readBody(request: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A recording reverse proxy. Each exchange is appended to the JSONL file (redacted) before the client gets its
 * answer, so every answer a client saw is on disk even if the recorder is killed right after.
 */
export async function startRecorder(options: RecorderOptions): Promise<RunningRecorder> {
  const writer = new LineWriter(options.out);
  const pool = new Pool(options.target.origin, { connections: 128, pipelining: 1 });
  const basePath = options.target.pathname.replace(/\/+$/, "");
  let count = 0;
  let closing = false;
  const inFlight = new Set<Promise<void>>();

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const startedAt = performance.timeOrigin + performance.now();
    const body = await readBody(req);
    const headers = rawHeaderList(req.rawHeaders);
    const path = basePath + (req.url ?? "/");
    const url = options.target.origin + path;
    const forwarded = headers.filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase()));
    const exchange: Exchange = { origin: "recorder", startedAt, request: { method: req.method ?? "GET", url, headers, body: body.length > 0 ? body : undefined }, response: undefined, missing: [] };
    let status: number;
    let responseHeaders: HeaderList = [];
    let responseBody = Buffer.alloc(0);
    try {
      const upstream = await pool.request({ method: (req.method ?? "GET") as "GET", path, headers: forwarded.flat(), body: body.length > 0 ? body : undefined });
      const chunks: Buffer[] = [];
      for await (const chunk of upstream.body) chunks.push(chunk as Buffer);
      responseBody = Buffer.concat(chunks);
      status = upstream.statusCode;
      for (const [name, value] of Object.entries(upstream.headers)) {
        for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) responseHeaders.push([name, one]);
      }
      exchange.response = { status, headers: responseHeaders, body: responseBody };
    } catch (error) {
      const reason = (error as { code?: string }).code ?? (error as Error).message;
      exchange.response = { status: 0, headers: [], body: Buffer.alloc(0), error: reason };
      status = 502;
      responseHeaders = [["content-type", "application/json"]];
      responseBody = Buffer.from(JSON.stringify({ message: `gateproof record: target unreachable (${reason})` }));
    }
    const { exchange: safe, redacted } = options.redaction ? redactExchange(exchange, options.redaction) : { exchange, redacted: [] };
    writer.append(JSON.stringify(exchangeToEntry(safe, { redacted, durationMs: performance.timeOrigin + performance.now() - startedAt })));
    count++;
    const out = responseHeaders.filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase()));
    res.writeHead(status, [...out.flat(), "content-length", String(responseBody.length)]);
    res.end(responseBody);
  };

  const server = http.createServer((req, res) => {
    if (closing) {
      // Arrived on a kept-alive connection after shutdown began: not forwarded, not recorded.
      res.writeHead(503, { "content-type": "application/json", connection: "close" });
      res.end('{"message":"gateproof record: shutting down"}');
      return;
    }
    // A client that hangs up mid-request leaves nothing to record; it must not take the recorder down.
    const exchange = handle(req, res).catch(() => void res.destroy());
    inFlight.add(exchange);
    void exchange.finally(() => inFlight.delete(exchange));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    recorded: () => count,
    async close(graceMs = 10_000) {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(inFlight), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
      // Past the grace period: the target calls still running are aborted; their handlers record the failure.
      await pool.destroy();
      await Promise.all(inFlight);
      server.closeAllConnections();
      await closed;
      writer.close();
    },
  };
}
