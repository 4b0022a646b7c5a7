/**
 * HTTP API route throttling (spec §3.1 "HTTP API route-level settings"), on the Throttler the REST APIs use, so the
 * account bucket (10,000 rps / 5,000 burst by default) is shared by every REST, HTTP and WebSocket API of the gateway.
 *
 * Buckets for one request, all of which it must pass:
 *   account  throttle/throttler.ts;
 *   route    throttle/route-bucket.ts (shared with WebSocket APIs).
 *
 * Over a bucket: 429 `{"message":"Too Many Requests"}` — the status and message API Gateway gives a throttled request
 * (repost.aws/knowledge-center/api-gateway-429-limit: "429 Too Many Requests"), in the HTTP API error shape of
 * http-api/errors.ts (a `message` body, no x-amzn-ErrorType). With the store down the Throttler's fail mode decides;
 * "closed" refuses with the same 429.
 */
import type { Throttler } from "../throttle/throttler.ts";
import { admitRoute } from "../throttle/route-bucket.ts";
import type { HttpCall } from "./call.ts";
import { HttpApiError } from "./errors.ts";

export const tooManyRequests = () => new HttpApiError(429, "Too Many Requests");

/** Throws 429 when the account or the route bucket is empty. */
export async function throttleHttpCall(call: HttpCall, throttler: Throttler): Promise<void> {
  if (!(await admitRoute(throttler, call.api.id, call.stage, call.match.route.routeKey))) throw tooManyRequests();
}
