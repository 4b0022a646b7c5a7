import { createWriteStream, type WriteStream } from "node:fs";
import { lineWriter, standardLines, type LineWriter } from "./line-writer.ts";

/**
 * Access logs as a stage's `AccessLogSetting.Format` writes them (api-gateway-variables-for-access-logging.md; spec
 * §1.4): any text — JSON, CLF, XML, CSV — with `$context.*` variables substituted; a variable without a value is
 * written as `-`. One line per request, written after the response is known. The format is compiled once at load
 * into literal pieces and resolvers; nothing about it is parsed per request.
 *
 * Access-log-only variables (spec §1.4): status, responseLength, responseLatency, integrationLatency,
 * integrationStatus, integration.{latency,status,integrationStatus,error,requestId}, integrationErrorMessage,
 * error.{message,messageString,responseType}, authorize.*, authorizer.{latency,status,…}, authenticate.*, waf.*,
 * xrayTraceId, customDomain.basePathMatched. What the reference does not produce (WAF, X-Ray, the separate
 * authorize/authenticate phases, integration request ids) is `-`.
 *
 * Cache hits: AWS has no cache variable. A hit shows as `$context.integrationLatency` (and the other integration
 * variables) being `-`, which is how AWS's own support engineers find cached requests in access logs
 * (aws-samples/serverless-snippets apigateway-log-insights-caching: filter on a present IntegrationLatency).
 * The reference adds one variable of its own, `$context.gateproof.cacheStatus`: HIT, MISS, INVALIDATED or `-`
 * (not cached), for local debugging only — AWS writes `-` for it. And `$context.gateproof.throttleCheckedAt`: the
 * instant the store checked the request's token buckets (admitted or refused), in µs since the epoch on the store's
 * clock (the Redis server's `TIME` in distributed mode), `-` when they were not checked (no throttle step reached, or
 * the store did not answer) — the instants the buckets actually used, which the throttle benchmark's model replays
 * (src/bench/throttle.ts).
 *
 * Escaping (a choice; AWS's documentation is silent): when the format is JSON (starts with `{`), substituted values
 * are escaped as JSON string contents, so a quote in a User-Agent cannot break the line; newlines never survive.
 */
export interface AccessLogRecord {
  /** `$context` as templates see it (rest/context-variables.ts), plus `error` when the request failed. */
  context: Record<string, unknown>;
  status: number;
  responseLength: number;
  responseLatencyMs: number;
  integrationLatencyMs?: number;
  integrationStatus?: number;
  /** Gateway error of a failed request. */
  error?: { message: string; responseType: string };
  cacheStatus?: "HIT" | "MISS" | "INVALIDATED";
  throttleCheckedAt?: number;
}

type Resolver = (record: AccessLogRecord) => unknown;

const ACCESS_LOG_ONLY: Record<string, Resolver> = {
  status: (r) => r.status,
  responseLength: (r) => r.responseLength,
  responseLatency: (r) => r.responseLatencyMs,
  integrationLatency: (r) => r.integrationLatencyMs,
  "integration.latency": (r) => r.integrationLatencyMs,
  integrationStatus: (r) => r.integrationStatus,
  "integration.status": (r) => r.integrationStatus,
  "integration.integrationStatus": (r) => r.integrationStatus,
  "integration.error": (r) => (r.error && /^INTEGRATION_/.test(r.error.responseType) ? r.error.message : undefined),
  integrationErrorMessage: (r) => (r.error && /^INTEGRATION_/.test(r.error.responseType) ? r.error.message : undefined),
  "error.message": (r) => r.error?.message,
  "error.messageString": (r) => (r.error ? JSON.stringify(r.error.message) : undefined),
  "error.responseType": (r) => r.error?.responseType,
  "gateproof.cacheStatus": (r) => r.cacheStatus,
  "gateproof.throttleCheckedAt": (r) => r.throttleCheckedAt,
};

function contextPath(path: string[]): Resolver {
  return (record) => {
    let value: unknown = record.context;
    for (const part of path) {
      if (value === null || typeof value !== "object") return undefined;
      value = (value as Record<string, unknown>)[part];
    }
    return value;
  };
}

export type CompiledAccessLog = (record: AccessLogRecord) => string;

const VARIABLE = /\$context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_-]+)*)/g;

export function compileAccessLogFormat(format: string): CompiledAccessLog {
  const text = format.replace(/\s*\r?\n\s*/g, " ").trim();
  const json = text.startsWith("{");
  const literals: string[] = [];
  const resolvers: Resolver[] = [];
  let last = 0;
  for (const match of text.matchAll(VARIABLE)) {
    literals.push(text.slice(last, match.index));
    const name = match[1]!;
    resolvers.push(ACCESS_LOG_ONLY[name] ?? contextPath(name.split(".")));
    last = match.index! + match[0].length;
  }
  literals.push(text.slice(last));
  const render = (value: unknown): string => {
    if (value === undefined || value === null || value === "") return "-";
    const raw = typeof value === "object" ? JSON.stringify(value) : String(value);
    return json ? JSON.stringify(raw).slice(1, -1) : raw.replace(/[\r\n]+/g, " ");
  };
  return (record) => {
    let out = literals[0]!;
    for (let i = 0; i < resolvers.length; i++) out += render(resolvers[i]!(record)) + literals[i + 1]!;
    return out;
  };
}

/** Where lines go: a function, a file path (appended to), or stdout (`-` or undefined). */
export type AccessLogDestination = string | ((line: string) => void) | undefined;

export interface AccessLogSink {
  write(line: string): void;
  close(): Promise<void>;
}

export function accessLogSink(destination: AccessLogDestination): AccessLogSink {
  if (typeof destination === "function") return { write: destination, close: async () => {} };
  if (destination === undefined || destination === "-") {
    const stdout = standardLines("stdout");
    return { write: (line) => stdout.write(`${line}\n`), close: async () => {} };
  }
  // Opened at the first line, so a template without access logging creates no file; bounded as stdout is.
  // A notice of dropped lines goes to stderr: the file's readers expect the access log's lines only.
  let stream: WriteStream | undefined;
  let lines: LineWriter | undefined;
  const open = () => lineWriter((stream = createWriteStream(destination, { flags: "a" })), `access log file ${destination}`, process.stderr);
  return {
    write: (line) => (lines ??= open()).write(`${line}\n`),
    close: () =>
      new Promise((resolve) => {
        lines?.flush();
        if (stream) stream.end(() => resolve());
        else resolve();
      }),
  };
}
