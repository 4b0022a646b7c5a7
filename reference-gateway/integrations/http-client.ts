import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher, Pool } from "undici";
import { GatewayError } from "../errors/index.ts";
import { clientKeyed } from "../rest/request.ts";
import { integrationTimeout } from "./timeout.ts";

/** Responses above this are refused like AWS's 10 MB integration payload limit. */
export const MAX_INTEGRATION_RESPONSE_BYTES = 10 * 1024 * 1024;

export interface BackendRequest {
  /** `http://host:port`, as URL#origin gives it. */
  origin: string;
  /** Path and query string, already encoded. */
  path: string;
  method: string;
  headers: Array<[string, string]>;
  body: Buffer | undefined;
}

export interface BackendResponse {
  status: number;
  /** Names lower-cased (as undici gives them), values in arrival order. */
  readonly headers: Record<string, string[]>;
  /** The same headers as undici parsed them (a name's values in an array only when it repeated). */
  received: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A backend's answer. `headers` is made when first read: HTTP_PROXY passes `received` on as it is, and filling a
 * null-prototype record (a dictionary-mode object) was ~1 % of the gateway's CPU samples on the bench's /proxy route.
 */
class BackendAnswer implements BackendResponse {
  #headers: Record<string, string[]> | undefined;

  constructor(
    readonly status: number,
    readonly received: IncomingHttpHeaders,
    readonly body: Buffer,
  ) {}

  get headers(): Record<string, string[]> {
    if (this.#headers === undefined) {
      this.#headers = clientKeyed<string[]>();
      for (const name in this.received) {
        const value = this.received[name];
        if (value !== undefined) this.#headers[name] = Array.isArray(value) ? value : [value];
      }
    }
    return this.#headers;
  }
}

const POOL_OPTIONS: Pool.Options = { keepAliveTimeout: 10_000, connections: 128, headersTimeout: 0, bodyTimeout: 0 };

/**
 * One keep-alive connection pool per backend origin: backends see connection reuse, as they do behind AWS. undici
 * loads at the first integration request, so a gateway that calls no HTTP backend never loads it (importing undici
 * touches the web globals, which loads Node's own copy too: the largest single cost of starting the gateway).
 *
 * undici's Pools, kept here by origin, rather than its Agent: the Agent's own dispatch step and the drain event it
 * re-emits after every response cost ~2 µs of CPU per request (10 concurrent requests to the bench backend, 6
 * interleaved rounds: 28.4 vs 26.2 µs). Like the Agent, a pool is dropped once its last connection closes, so the
 * origins that path parameters or stage variables put into URIs do not pile up.
 */
export class BackendAgent {
  #open: ((origin: string) => Pool) | undefined;
  #loading: Promise<unknown> | undefined;
  readonly #pools = new Map<string, Pool>();

  /** The pool of `origin` (made on first use), once undici is loaded; undefined before. */
  pool(origin: string): Pool | undefined {
    const pool = this.#pools.get(origin);
    if (pool !== undefined || this.#open === undefined) return pool;
    const opened = this.#open(origin);
    const dropIfUnused = () => {
      if (opened.stats.connected > 0 || this.#pools.get(origin) !== opened) return;
      this.#pools.delete(origin);
      void opened.close();
    };
    opened.on("disconnect", dropIfUnused).on("connectionError", dropIfUnused);
    this.#pools.set(origin, opened);
    return opened;
  }

  load(): Promise<unknown> {
    // The default export: the gateproof command's bundle gives a CommonJS package no named exports when imported lazily.
    return (this.#loading ??= import("undici").then(({ default: { Pool } }) => (this.#open = (origin) => new Pool(origin, POOL_OPTIONS))));
  }

  async destroy(): Promise<void> {
    if (!this.#loading) return;
    await this.#loading;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.destroy()));
  }
}

/**
 * Sends one integration request and reads the whole answer. Network failures (refused, reset, malformed HTTP) become
 * INTEGRATION_FAILURE; after `timeoutInMillis` the call fails with INTEGRATION_TIMEOUT and the backend request is
 * aborted. A dispatch handler rather than `agent.request`: no response stream, async iterator or AbortSignal per
 * call, which were most of what an HTTP_PROXY request cost the gateway beyond the socket I/O.
 */
export function sendToBackend(backend: BackendAgent, request: BackendRequest, timeoutInMillis: number): Promise<BackendResponse> {
  const pool = backend.pool(request.origin);
  if (!pool) return backend.load().then(() => sendToBackend(backend, request, timeoutInMillis));
  return new Promise((resolve, reject) => {
    pool.dispatch(
      {
        path: request.path,
        method: request.method as Dispatcher.HttpMethod,
        headers: flatHeaders(request.headers),
        body: request.body && request.body.length > 0 ? request.body : undefined,
      },
      new BackendCall(resolve, reject, timeoutInMillis),
    );
  });
}

/** `[name, value]` pairs as undici's flat `name, value, …` list. A loop: Array#flat cost ~1 µs per request here. */
function flatHeaders(pairs: Array<[string, string]>): string[] {
  const flat: string[] = [];
  for (const [name, value] of pairs) flat.push(name, value);
  return flat;
}

/** One integration request in flight: collects the response and settles once, whichever of answer, failure or timeout comes first. */
class BackendCall implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | undefined;
  #settled = false;
  #status = 0;
  #headers: IncomingHttpHeaders | undefined;
  #chunks: Buffer[] = [];
  #size = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly resolve: (response: BackendResponse) => void,
    private readonly reject: (error: unknown) => void,
    timeoutInMillis: number,
  ) {
    this.#timer = setTimeout(() => this.#fail(integrationTimeout(timeoutInMillis)), timeoutInMillis);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // Timed out while queued for a connection: it is not sent at all.
    if (this.#settled) controller.abort(new Error("integration request abandoned"));
    else this.#controller = controller;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return; // 1xx: informational, the final answer follows
    this.#status = statusCode;
    this.#headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#size += chunk.length;
    if (this.#size > MAX_INTEGRATION_RESPONSE_BYTES) {
      this.#fail(new GatewayError("INTEGRATION_FAILURE", { detail: "integration response larger than 10 MB" }));
      return;
    }
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    const body = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#size);
    this.resolve(new BackendAnswer(this.#status, this.#headers ?? {}, body));
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const detail = `${error.name}: ${error.message}`;
    this.#fail(new GatewayError("INTEGRATION_FAILURE", { detail: `integration request failed: ${detail}`, cause: error }));
  }

  /** Settles with `error` (once) and stops the backend request if it is still running. */
  #fail(error: GatewayError): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.reject(error);
    this.#controller?.abort(error);
  }
}
