import http from "node:http";
import type { HttpResponse } from "./call.ts";

/**
 * Whether node:http can write the response as it is: a final status (1xx would be sent as an interim response and
 * desynchronise keep-alive) and header names and values HTTP allows (no CR/LF, no characters above U+00FF).
 * The lifecycle turns anything else into a gateway error rather than letting node:http throw.
 */
export function isSendable(response: HttpResponse): boolean {
  if (!Number.isInteger(response.status) || response.status < 200 || response.status > 599) return false;
  return response.headers.every(isSendableHeader);
}

/** As node:http checks a header it is asked to write (so the answer is node:http's own). */
function isSendableHeader([name, value]: [string, string]): boolean {
  try {
    http.validateHeaderName(name);
    http.validateHeaderValue(name, value);
    return true;
  } catch {
    return false;
  }
}

/** The headers HTTP allows, for gateway responses whose mapped values came from the request. */
export function sendableHeaders(headers: Array<[string, string]>): Array<[string, string]> {
  return headers.filter(isSendableHeader);
}

/**
 * A header value a Lambda proxy function answered with, as HTTP carries it: strings, numbers and booleans are
 * stringified (AWS serialises them); anything else, or what HTTP forbids, is the reason the answer is malformed.
 */
export function functionHeaderValue(name: string, value: unknown): { value: string } | { malformed: string } {
  if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") return { malformed: `header ${name} is not a string, number or boolean` };
  const text = String(value);
  return sendableHeaders([[name, text]]).length === 1 ? { value: text } : { malformed: `header ${JSON.stringify(name)} is not a valid HTTP header` };
}

/**
 * A payload 1.0 answer's `headers` and `multiValueHeaders` (REST Lambda proxy, HTTP API payload 1.0) as one list of
 * pairs per lower-cased name, validated as functionHeaderValue says; `malformed` makes the caller's error. A name in
 * both maps gets the multiValueHeaders values, then the headers value ("API Gateway merges them into a single list",
 * set-up-lambda-proxy-integrations "Output format"; aws-lambda-dotnet LambdaTestTool-v2
 * V1_CombinesSingleAndMultiValueHeaders, run against deployed REST and HTTP 1.0 APIs). A pair given in both is sent
 * `pairInBoth` times: once on REST ("only the values from multiValueHeaders will appear"), twice on HTTP APIs (a
 * captured answer with `location: my-location` twice, awslabs/aws-lambda-go-api-proxy#75).
 */
export function payloadV1Headers(result: Record<string, unknown>, pairInBoth: "once" | "twice", malformed: (reason: string) => Error): Map<string, Array<[string, string]>> {
  const headers = new Map<string, Array<[string, string]>>();
  if (result.headers !== undefined && result.headers !== null) {
    if (typeof result.headers !== "object" || Array.isArray(result.headers)) throw malformed("headers is not an object");
    for (const [name, value] of Object.entries(result.headers)) headers.set(name.toLowerCase(), [[name, checkedValue(name, value, malformed)]]);
  }
  if (result.multiValueHeaders !== undefined && result.multiValueHeaders !== null) {
    if (typeof result.multiValueHeaders !== "object" || Array.isArray(result.multiValueHeaders)) throw malformed("multiValueHeaders is not an object");
    for (const [name, values] of Object.entries(result.multiValueHeaders)) {
      if (!Array.isArray(values)) throw malformed(`multiValueHeaders.${name} is not a list`);
      const lower = name.toLowerCase();
      const merged = values.map((value): [string, string] => [name, checkedValue(name, value, malformed)]);
      const single = headers.get(lower)?.[0];
      if (single !== undefined && (pairInBoth === "twice" || !merged.some(([, value]) => value === single[1]))) merged.push(single);
      headers.set(lower, merged);
    }
  }
  return headers;
}

function checkedValue(name: string, value: unknown, malformed: (reason: string) => Error): string {
  const checked = functionHeaderValue(name, value);
  if ("malformed" in checked) throw malformed(checked.malformed);
  return checked.value;
}
