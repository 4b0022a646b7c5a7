import { isSigV4Authorization } from "../auth/sigv4-presented.ts";
import type { RestCall } from "./call.ts";

/** Client headers API Gateway never passes on: it frames requests itself. */
const FRAMING = new Set(["content-length", "connection", "transfer-encoding", "keep-alive"]);

/**
 * The request headers as a regional REST endpoint hands them to an integration (captured events): the client's
 * headers in their casing, less framing headers, plus X-Amzn-Trace-Id, X-Forwarded-For (the client's address
 * appended), X-Forwarded-Port and X-Forwarded-Proto, sorted case-insensitively by name.
 */
export function forwardedHeaderPairs(call: RestCall): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  // Each pair's lower-case name, computed once here rather than in every comparison of the sort.
  const keys: string[] = [];
  let forwardedFor: string | undefined;
  let traced = false;
  for (const [name, value] of call.request.headerPairs) {
    const lower = name.toLowerCase();
    if (FRAMING.has(lower) || lower === "x-forwarded-port" || lower === "x-forwarded-proto") continue;
    // "An Authorization header containing a SigV4 signature is dropped before reaching the integration" (spec §10).
    if (lower === "authorization" && isSigV4Authorization(value)) continue;
    if (lower === "x-forwarded-for") {
      forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
      continue;
    }
    if (lower === "x-amzn-trace-id") traced = true;
    pairs.push([name, value]);
    keys.push(lower);
  }
  if (!traced) {
    pairs.push(["X-Amzn-Trace-Id", call.ids.traceId]);
    keys.push("x-amzn-trace-id");
  }
  pairs.push(
    ["X-Forwarded-For", forwardedFor === undefined ? call.request.sourceIp : `${forwardedFor}, ${call.request.sourceIp}`],
    ["X-Forwarded-Port", String(call.request.localPort)],
    ["X-Forwarded-Proto", call.request.scheme],
  );
  keys.push("x-forwarded-for", "x-forwarded-port", "x-forwarded-proto");
  // Stable: names equal but for case keep their arrival order.
  const order = keys.map((_, index) => index);
  order.sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b));
  return order.map((index) => pairs[index]!);
}
