import type { Exchange, HeaderList, RecordedResponse } from "./exchange.ts";

/**
 * HAR 1.2 entries, and gateproof's JSONL line, which is a HAR entry plus a `_gateproof` member (HAR's rule for
 * custom fields: a leading underscore). The schema is written out in src/replay/jsonl-schema.md.
 */
export interface HarHeader {
  name: string;
  value: string;
}

export interface HarEntry {
  startedDateTime: string;
  time: number;
  request: {
    method: string;
    url: string;
    httpVersion: string;
    headers: HarHeader[];
    queryString: Array<{ name: string; value: string }>;
    cookies: unknown[];
    headersSize: number;
    bodySize: number;
    postData?: { mimeType: string; text: string; encoding?: "base64" };
  };
  response: {
    status: number;
    statusText: string;
    httpVersion: string;
    headers: HarHeader[];
    cookies: unknown[];
    content: { size: number; mimeType: string; text?: string; encoding?: "base64" };
    redirectURL: string;
    headersSize: number;
    bodySize: number;
  };
  cache: Record<string, never>;
  timings: { send: number; wait: number; receive: number };
  _gateproof?: GateproofExtension;
}

export interface GateproofExtension {
  /** Request start in ms since the epoch with sub-millisecond precision (startedDateTime only has milliseconds). */
  startedAtMs?: number;
  /** JSON paths of values replaced by `[REDACTED]` when recording, e.g. `header.authorization`. */
  redacted?: string[];
  /** What the original source could not supply. */
  missing?: readonly string[];
  /** Why the request got no response (status 0). */
  error?: string;
}

export class EntryError extends Error {}

const toHar = (headers: HeaderList): HarHeader[] => headers.map(([name, value]) => ({ name, value }));

const fromHarHeader = ({ name, value }: HarHeader): [string, string] => [name, value];

function fromHar(headers: unknown, where: string): HeaderList {
  if (headers === undefined) return [];
  if (!Array.isArray(headers)) throw new EntryError(`${where} is not an array`);
  for (let i = 0; i < headers.length; i++) {
    const header = headers[i] as Partial<HarHeader> | null | undefined;
    if (typeof header?.name !== "string" || typeof header.value !== "string") throw new EntryError(`${where}[${i}] needs string name and value`);
  }
  // map sizes the list to fit; pushing onto [] reserves room for 16 headers (a 144-byte store for one header), and
  // the read-ahead keeps a few hundred exchanges alive through every scavenge, two lists each.
  return (headers as HarHeader[]).map(fromHarHeader);
}

/** Shared by every exchange whose source lacked nothing (nearly all of them): not an array per entry. */
const NOTHING_MISSING: readonly string[] = Object.freeze([]);

function decodeText(text: unknown, encoding: unknown, where: string): Buffer | undefined {
  if (text === undefined) return undefined;
  if (typeof text !== "string") throw new EntryError(`${where}.text is not a string`);
  return encoding === "base64" ? Buffer.from(text, "base64") : Buffer.from(text, "utf8");
}

/** Text that survives a JSON round trip unchanged is stored as text; anything else as base64. */
function encodeBody(body: Buffer): { text: string; encoding?: "base64" } {
  const text = body.toString("utf8");
  return Buffer.byteLength(text) === body.length && !text.includes("\uFFFD") ? { text } : { text: body.toString("base64"), encoding: "base64" };
}

/** Parsed once, here: the check that it is an absolute URL is the parse a replay needs anyway. */
function absoluteUrl(url: unknown): URL {
  if (typeof url === "string") {
    try {
      return new URL(url);
    } catch {
      // reported below
    }
  }
  throw new EntryError(`request.url ${JSON.stringify(url)} is not an absolute URL`);
}

export function entryToExchange(value: unknown, origin: string): Exchange {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new EntryError("entry is not an object");
  const entry = value as Partial<HarEntry>;
  const request = entry.request;
  if (typeof request !== "object" || request === null) throw new EntryError("entry has no request");
  if (typeof request.method !== "string" || request.method === "") throw new EntryError("request.method is missing");
  const parsedUrl = absoluteUrl(request.url);
  const extension = entry._gateproof ?? {};
  const startedAt = typeof extension.startedAtMs === "number" ? extension.startedAtMs : Date.parse(entry.startedDateTime ?? "");
  if (!Number.isFinite(startedAt)) throw new EntryError(`startedDateTime ${JSON.stringify(entry.startedDateTime)} is not an ISO 8601 time`);
  let response: RecordedResponse | undefined;
  if (entry.response !== undefined) {
    const status = entry.response.status;
    if (!Number.isInteger(status)) throw new EntryError("response.status is not an integer");
    response = {
      status,
      headers: fromHar(entry.response.headers, "response.headers"),
      body: decodeText(entry.response.content?.text, entry.response.content?.encoding, "response.content") ?? Buffer.alloc(0),
    };
    if (extension.error) response.error = extension.error;
  }
  return {
    origin,
    startedAt,
    request: {
      method: request.method.toUpperCase(),
      url: request.url,
      parsedUrl,
      headers: fromHar(request.headers, "request.headers"),
      body: decodeText(request.postData?.text, request.postData?.encoding, "request.postData"),
    },
    response,
    missing: extension.missing ?? NOTHING_MISSING,
  };
}

export function exchangeToEntry(exchange: Exchange, options: { redacted?: string[]; durationMs?: number } = {}): HarEntry {
  const { request, response } = exchange;
  const url = new URL(request.url);
  const responseHeaders = response?.headers ?? [];
  const requestType = request.headers.find(([name]) => name.toLowerCase() === "content-type")?.[1] ?? "application/octet-stream";
  const responseType = responseHeaders.find(([name]) => name.toLowerCase() === "content-type")?.[1] ?? "";
  const elapsed = options.durationMs ?? 0;
  return {
    startedDateTime: new Date(exchange.startedAt).toISOString(),
    time: elapsed,
    request: {
      method: request.method,
      url: request.url,
      httpVersion: "HTTP/1.1",
      headers: toHar(request.headers),
      queryString: [...url.searchParams].map(([name, value]) => ({ name, value })),
      cookies: [],
      headersSize: -1,
      bodySize: request.body?.length ?? 0,
      ...(request.body ? { postData: { mimeType: requestType, ...encodeBody(request.body) } } : {}),
    },
    response: {
      status: response?.status ?? 0,
      statusText: "",
      httpVersion: "HTTP/1.1",
      headers: toHar(responseHeaders),
      cookies: [],
      content: { size: response?.body?.length ?? 0, mimeType: responseType, ...(response?.body ? encodeBody(response.body) : {}) },
      redirectURL: "",
      headersSize: -1,
      bodySize: response?.body?.length ?? -1,
    },
    cache: {},
    timings: { send: 0, wait: elapsed, receive: 0 },
    _gateproof: {
      startedAtMs: exchange.startedAt,
      ...(options.redacted?.length ? { redacted: options.redacted } : {}),
      ...(exchange.missing.length > 0 ? { missing: exchange.missing } : {}),
      ...(response?.error ? { error: response.error } : {}),
    },
  };
}
