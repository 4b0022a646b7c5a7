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
