import { Pool } from "undici";
import type { Answer } from "../compare/differ.ts";
import type { HeaderList } from "../exchange.ts";
import type { SendClient } from "./client.ts";
import { transportError } from "./failure.ts";
import type { WireRequest } from "./outgoing.ts";

/** Keep-alive connections to one https target origin, through undici. */
export class TargetClient implements SendClient {
  private readonly pool: Pool;

  constructor(readonly base: URL, connections: number, timeoutMs = 30_000) {
    this.pool = new Pool(base.origin, { connections, pipelining: 1, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, keepAliveTimeout: 10_000 });
  }

  send(request: WireRequest, done: (answer: Answer) => void): void {
    this.request(request).then(done, (error: unknown) => done(transportError(error)));
  }

  private async request(request: WireRequest): Promise<Answer> {
    const response = await this.pool.request({
      method: request.method as "GET",
      path: request.path,
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
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

