import { decodeQueryComponent } from "../rest/query.ts";
import { clientKeyed, findHeader } from "../rest/request.ts";
import type { HttpCall } from "./call.ts";

/** Framing headers the gateway does not hand on (it frames the request itself). */
const FRAMING = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"]);

/**
 * Headers an HTTP API sets or rewrites itself, as payload 1.0 names them whatever the client sent: captured HTTP API
 * 1.0 events carry "Content-Length", "Host", "User-Agent", "X-Amzn-Trace-Id", "X-Forwarded-For", "X-Forwarded-Port"
 * and "X-Forwarded-Proto" beside the client's own names as received ("accept", "header-double": HTTP/2 clients)
 * (glassechidna/serverlessish#4, milliHQ/terraform-aws-next-js#31).
 */
const GATEWAY_NAMES = new Map(
  ["content-length", "host", "user-agent", "x-amzn-trace-id", "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto"].map((lower) => [
    lower,
    lower.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase()),
  ]),
);

/**
 * The request headers as an HTTP API hands them to an integration: client framing headers dropped, X-Forwarded-For
 * with the client's address appended, X-Forwarded-Port, X-Forwarded-Proto and X-Amzn-Trace-Id added (captured v2
 * events, e.g. hanabu/lambda-web src/test_consts.rs carry x-forwarded-for/-port/-proto), and Content-Length even for
 * a request without a body (captured GET events show "content-length": "0": aws/aws-lambda-java-libs#230 for 2.0,
 * the 1.0 events above). Names are lower-cased ("lower": payload 2.0, spec §6.3 "Header names are lowercased";
 * HTTP_PROXY) or as received, the gateway's own spelled as GATEWAY_NAMES ("received": payload 1.0).
 */
export function forwardedPairs(call: HttpCall, names: "lower" | "received"): Array<[string, string]> {
  const named = (lower: string, received: string) => (names === "lower" ? lower : (GATEWAY_NAMES.get(lower) ?? received));
  const out: Array<[string, string]> = [];
  let forwardedFor: string | undefined;
  let traced = false;
  let sized = false;
  for (const [name, value] of call.request.headerPairs) {
    const lower = name.toLowerCase();
    if (FRAMING.has(lower) || lower === "x-forwarded-port" || lower === "x-forwarded-proto") continue;
    if (lower === "x-forwarded-for") {
      forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
      continue;
    }
    if (lower === "x-amzn-trace-id") traced = true;
    if (lower === "content-length") sized = true;
    out.push([named(lower, name), value]);
  }
  if (!sized) out.push([named("content-length", ""), String(call.request.body.length)]);
  if (!traced) out.push([named("x-amzn-trace-id", ""), call.traceId]);
  out.push([named("x-forwarded-for", ""), forwardedFor === undefined ? call.request.sourceIp : `${forwardedFor}, ${call.request.sourceIp}`]);
  out.push([named("x-forwarded-port", ""), String(call.request.localPort)]);
  out.push([named("x-forwarded-proto", ""), call.request.scheme]);
  return out;
}

/** Payload 2.0 headers: one entry per lower-cased name, repeated values comma-joined, Cookie left to `cookies` (spec §6.3). */
export function joinedHeaders(pairs: Array<[string, string]>): Record<string, string> {
  const headers = clientKeyed<string>();
  for (const [name, value] of pairs) {
    if (name === "cookie") continue;
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return headers;
}

/** `cookies`: every Cookie header's pairs, in order (spec §6.3: "all Cookie headers are combined into an array"). */
export function cookies(call: HttpCall): string[] {
  const out: string[] = [];
  for (const [name, value] of call.request.headerPairs) {
    if (name.toLowerCase() !== "cookie") continue;
    for (const part of value.split(";")) if (part.trim() !== "") out.push(part.trim());
  }
  return out;
}

/**
 * The request path as HTTP APIs hand it to Lambda, a named stage's prefix included. Live AWS captures of an HTTP API
 * (hotsock/voker vokerhttp/testdata/ingress-paths.json, made by examples/aws-ingress-probe/paths.py) show it
 * percent-decoded, cut at a `?` the decoding produced, then decoded once more:
 *   /capture/space%20value     → /capture/space value       /capture/slash%2Fvalue    → /capture/slash/value
 *   /capture/question%3Fvalue  → /capture/question          /capture/hash%23value     → /capture/hash#value
 *   /capture/literal%252Fvalue → /capture/literal/value     /capture/literal%253Fvalue → /capture/literal?value
 *   /capture/literal%2525value → /capture/literal%value     /capture/percent%25done   → refused with 400
 * undefined when a decoding fails (the refused case). Payload 1.0's `path` is decoded as well (middleapi/standard-server#93:
 * "HTTP APIs deliver the request path url-decoded, for payload format 1.0 `path` and 2.0 `rawPath` alike").
 */
export function eventPath(rawPath: string): string | undefined {
  if (!rawPath.includes("%")) return rawPath;
  try {
    const once = decodeURIComponent(rawPath);
    const query = once.indexOf("?");
    return decodeURIComponent(query < 0 ? once : once.slice(0, query));
  } catch {
    return undefined;
  }
}

/** Query parameters decoded, repeated names in order (payload 2.0 comma-joins them, spec §6.3). */
export function queryLists(rawQuery: string | undefined): Record<string, string[]> {
  const out = clientKeyed<string[]>();
  if (!rawQuery) return out;
  for (const part of rawQuery.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = decodeQueryComponent(eq < 0 ? part : part.slice(0, eq));
    (out[key] ??= []).push(eq < 0 ? "" : decodeQueryComponent(part.slice(eq + 1)));
  }
  return out;
}

export function userAgent(call: HttpCall): string {
  return findHeader(call.request.headerPairs, "user-agent") ?? "";
}

export function host(call: HttpCall): string {
  return findHeader(call.request.headerPairs, "host") ?? "";
}
