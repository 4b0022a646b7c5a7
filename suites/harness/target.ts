import { createHash } from "node:crypto";
import { inject, TestRunner } from "vitest";
import { readFileSync } from "node:fs";
import { Agent, request, setGlobalDispatcher } from "undici";
import { BODY_LIMIT, TEST_ID_HEADER, type RecordedExchange } from "../../src/conformance/meta.ts";

// An HTTPS target whose certificate a private CA (or a self-signed `gateproof serve --tls`) issued: TARGET_CA_FILE.
if (process.env.TARGET_CA_FILE) setGlobalDispatcher(new Agent({ connect: { ca: readFileSync(process.env.TARGET_CA_FILE, "utf8") } }));

export const targetUrl = (): string => inject("targetUrl");
export const isReference = (): boolean => inject("targetKind") === "reference";
/** The fixture's HTTP API (FixtureHttpApi, `$default` stage: no prefix); tests using it declare `target: "http-api"`. */
export const httpApiUrl = (): string => inject("httpApiUrl");
export const isHttpApiReference = (): boolean => inject("httpApiKind") === "reference";

export interface TargetResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json<T = unknown>(): T;
}

let setupRequests = 0;

/**
 * The id sent as `x-gateproof-test-id` on every request of the suites: `gp-<8 hex of file and test name>-<n>`,
 * stable across runs, so a failure in a report can be found in the target's logs. Reports print it per failure.
 */
export function nextRequestId(): { id: string; test: ReturnType<typeof TestRunner.getCurrentTest> } {
  const test = TestRunner.getCurrentTest();
  if (!test) return { id: `gp-setup-${++setupRequests}`, test };
  const meta = (test.meta.conformance ??= { features: [] });
  const n = (meta.requests ?? 0) + 1;
  // A fresh object per test: a describe's meta object is shared by its tests until one of them records.
  test.meta.conformance = { ...meta, requests: n };
  const hash = createHash("sha256").update(`${test.file.name}\0${test.fullName}`).digest("hex").slice(0, 8);
  return { id: `gp-${hash}-${n}`, test };
}

const cut = (text: string): { text: string; truncated?: true } => (text.length > BODY_LIMIT ? { text: text.slice(0, BODY_LIMIT), truncated: true } : { text });

/** Keeps the last exchange of the current test in its meta, for the conformance report (request, actual, cURL). */
export function recordExchange(test: ReturnType<typeof TestRunner.getCurrentTest>, exchange: RecordedExchange): void {
  if (!test) return;
  test.meta.conformance = { ...(test.meta.conformance ?? { features: [] }), lastExchange: exchange };
}

function requestBody(body: string | Buffer | undefined): Pick<RecordedExchange, "body" | "bodyEncoding" | "truncated"> {
  if (body === undefined) return {};
  const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8");
  const utf8 = buffer.toString("utf8");
  const isText = Buffer.from(utf8, "utf8").equals(buffer) && !/[\u0000-\u0008\u000e-\u001f]/.test(utf8);
  const { text, truncated } = cut(isText ? utf8 : buffer.toString("base64"));
  return { body: text, bodyEncoding: isText ? "utf8" : "base64", ...(truncated ? { truncated } : {}) };
}

/**
 * One request to the target over a real socket. `path` is appended to the stage URL as written (no
 * normalisation, so suites can send exactly the bytes they mean). Adds `x-gateproof-test-id` unless the caller
 * sets it, and records the exchange for the conformance report.
 */
export async function send(
  method: string,
  path: string,
  options: { headers?: Record<string, string | string[]>; body?: string | Buffer; base?: string } = {},
): Promise<TargetResponse> {
  const { id, test } = nextRequestId();
  const url = (options.base ?? targetUrl()) + path;
  const given = options.headers ?? {};
  const headers = Object.keys(given).some((name) => name.toLowerCase() === TEST_ID_HEADER) ? given : { ...given, [TEST_ID_HEADER]: id };
  const exchange: RecordedExchange = { requestId: id, method, url, headers, ...requestBody(options.body) };
  let response;
  try {
    response = await request(url, {
      method: method as "GET",
      headers,
      body: options.body,
    });
  } catch (error) {
    recordExchange(test, { ...exchange, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    throw error;
  }
  const buffer = Buffer.from(await response.body.arrayBuffer());
  const text = buffer.toString("utf8");
  const shown = cut(text);
  recordExchange(test, { ...exchange, response: { status: response.statusCode, headers: response.headers, body: shown.text, ...(shown.truncated ? { truncated: true } : {}) } });
  return {
    status: response.statusCode,
    headers: response.headers,
    text,
    json: <T>() => JSON.parse(text) as T,
  };
}

export const header = (response: TargetResponse, name: string): string | undefined => {
  const value = response.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(", ") : value;
};
