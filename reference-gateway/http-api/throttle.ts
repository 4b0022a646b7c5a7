/**
 * HTTP API route throttling (spec §3.1 "HTTP API route-level settings"), on the Throttler the REST APIs use, so the
 * account bucket (10,000 rps / 5,000 burst by default) is shared by every REST, HTTP and WebSocket API of the gateway.
 *
 * Buckets for one request, all of which it must pass:
 *   account  throttle/throttler.ts;
 *   route    the stage's `RouteSettings[routeKey]` field by field over `DefaultRouteSettings` (a missing field falls
 *            back to the account limits). Each route of each stage has its own bucket, also when its limits come
 *            from `DefaultRouteSettings` ("Default route throttling … apply to every route in the stage"; per route
 *            like REST's per-method buckets).
 *
 * Over a bucket: 429 `{"message":"Too Many Requests"}` — the status and message API Gateway gives a throttled request
 * (repost.aws/knowledge-center/api-gateway-429-limit: "429 Too Many Requests"), in the HTTP API error shape of
 * http-api/errors.ts (a `message` body, no x-amzn-ErrorType). With the store down the Throttler's fail mode decides;
 * "closed" refuses with the same 429.
 */
import type { HttpStage } from "../model/http-api.ts";
import { Throttler, type NamedBucket, type ThrottleLimits } from "../throttle/throttler.ts";
import type { HttpCall } from "./call.ts";
import { HttpApiError } from "./errors.ts";

export const tooManyRequests = () => new HttpApiError(429, "Too Many Requests");

const ACCOUNT_FALLBACK: ThrottleLimits = { rateLimit: 10_000, burstLimit: 5_000 };

/** The stage's limits for one route key, or undefined when neither setting names a limit. */
export function routeThrottle(stage: HttpStage, routeKey: string): Partial<ThrottleLimits> | undefined {
  const limits: Partial<ThrottleLimits> = {};
  for (const layer of [stage.defaultRouteThrottle, stage.routeThrottles[routeKey]]) {
    if (layer?.rateLimit !== undefined) limits.rateLimit = layer.rateLimit;
    if (layer?.burstLimit !== undefined) limits.burstLimit = layer.burstLimit;
  }
  return limits.rateLimit === undefined && limits.burstLimit === undefined ? undefined : limits;
}

/** Per stage object and route key, the route bucket (null = none), computed once. */
const routeBuckets = new WeakMap<HttpStage, Map<string, NamedBucket | null>>();

export function routeBucket(apiId: string, stage: HttpStage, routeKey: string, fallback: ThrottleLimits): NamedBucket | undefined {
  let byRoute = routeBuckets.get(stage);
  if (!byRoute) routeBuckets.set(stage, (byRoute = new Map()));
  let bucket = byRoute.get(routeKey);
  if (bucket === undefined) {
    bucket = Throttler.bucket(`throttle:route:${apiId}:${stage.name}:${routeKey}`, "route", routeThrottle(stage, routeKey), fallback) ?? null;
    byRoute.set(routeKey, bucket);
  }
  return bucket ?? undefined;
}

/** Throws 429 when the account or the route bucket is empty. */
export async function throttleHttpCall(call: HttpCall, throttler: Throttler): Promise<void> {
  const fallback = throttler.account ? { rateLimit: throttler.account.rate, burstLimit: throttler.account.burst } : ACCOUNT_FALLBACK;
  const bucket = routeBucket(call.api.id, call.stage, call.match.route.routeKey, fallback);
  const decision = await throttler.admit(bucket ? [bucket] : []);
  if (!decision.admitted) throw tooManyRequests();
}
