import { Pool } from "undici";
import type { Answer } from "../compare/differ.ts";
import type { HeaderList } from "../exchange.ts";
import type { OutgoingRequest } from "./outgoing.ts";

/**
 * Keep-alive connections to one target origin. Transport failures become answers with `error` set (compared
 * like a status), never exceptions: one refused connection must not end a replay.
 */
export class TargetClient {
  private readonly pool: Pool;

  constructor(readonly base: URL, connections: number, timeoutMs = 30_000) {
    this.pool = new Pool(base.origin, { connections, pipelining: 1, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, keepAliveTimeout: 10_000 });
  }

  async send(request: OutgoingRequest): Promise<Answer> {
    if (request.url.origin !== this.base.origin) return { status: 0, headers: undefined, body: undefined, error: `transform moved the request to another origin (${request.url.origin})` };
    try {
      const response = await this.pool.request({
        method: request.method as "GET",
        path: request.url.pathname + request.url.search,
        headers: request.headers.flat(),
        body: request.body,
      });
      const chunks: Buffer[] = [];
      for await (const chunk of response.body) chunks.push(chunk as Buffer);
      const headers: HeaderList = [];
      for (const [name, value] of Object.entries(response.headers)) {
        if (Array.isArray(value)) for (const one of value) headers.push([name, one]);
        else if (value !== undefined) headers.push([name, value]);
      }
      return { status: response.statusCode, headers, body: Buffer.concat(chunks) };
    } catch (error) {
      const code = (error as { code?: string }).code;
      return { status: 0, headers: undefined, body: undefined, error: code ?? (error as Error).message };
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** What run.ts needs of a client: both the undici pool and the raw-socket client fit. */
export interface SendClient {
  readonly base: URL;
  send(request: OutgoingRequest): Promise<Answer>;
  close(): Promise<void>;
  preconnect?(count?: number): Promise<void>;
}

/** Plain http targets get the raw-socket client (the load-generator path); https keeps undici. */
export async function clientFor(base: URL, connections: number, preconnect: number): Promise<SendClient> {
  if (base.protocol !== "http:") return new TargetClient(base, connections);
  const { RawClient } = await import("./raw.ts");
  const client = new RawClient(base, connections);
  if (preconnect > 0) await client.preconnect(preconnect);
  return client;
}
