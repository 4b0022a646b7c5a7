/**
 * Route throttling of ApiGatewayV2 stages (HTTP and WebSocket APIs; spec §3.1 "HTTP API route-level settings",
 * websocket-api-protect.md "route-level throttling"): the stage's `RouteSettings[routeKey]` field by field over
 * `DefaultRouteSettings`, a missing field falling back to the account limits. Each route of each stage has its own
 * bucket, also when its limits come from `DefaultRouteSettings` ("Default route throttling … apply to every route in
 * the stage"; per route like REST's per-method buckets).
 */
import type { HttpRouteThrottle } from "../model/http-api.ts";
import { DEFAULT_ACCOUNT_LIMITS, Throttler, type NamedBucket, type ThrottleLimits } from "./throttler.ts";

/** What route throttling reads of a stage (HttpStage and WebSocketStage both have it). */
export interface RouteThrottledStage {
  name: string;
  defaultRouteThrottle?: HttpRouteThrottle;
  routeThrottles: Record<string, HttpRouteThrottle>;
}

/** The stage's limits for one route key, or undefined when neither setting names a limit. */
export function routeThrottle(stage: RouteThrottledStage, routeKey: string): Partial<ThrottleLimits> | undefined {
  const limits: Partial<ThrottleLimits> = {};
  for (const layer of [stage.defaultRouteThrottle, stage.routeThrottles[routeKey]]) {
    if (layer?.rateLimit !== undefined) limits.rateLimit = layer.rateLimit;
    if (layer?.burstLimit !== undefined) limits.burstLimit = layer.burstLimit;
  }
  return limits.rateLimit === undefined && limits.burstLimit === undefined ? undefined : limits;
}

/** Per stage object and route key, the route bucket (null = none), computed once. */
const routeBuckets = new WeakMap<RouteThrottledStage, Map<string, NamedBucket | null>>();

export function routeBucket(apiId: string, stage: RouteThrottledStage, routeKey: string, fallback: ThrottleLimits): NamedBucket | undefined {
  let byRoute = routeBuckets.get(stage);
  if (!byRoute) routeBuckets.set(stage, (byRoute = new Map()));
  let bucket = byRoute.get(routeKey);
  if (bucket === undefined) {
    bucket = Throttler.bucket(`throttle:route:${apiId}:${stage.name}:${routeKey}`, "route", routeThrottle(stage, routeKey), fallback) ?? null;
    byRoute.set(routeKey, bucket);
  }
  return bucket ?? undefined;
}

/** Admits one request of a route through the account and route buckets; false when either is empty (or the store is down under fail mode closed). */
export async function admitRoute(throttler: Throttler, apiId: string, stage: RouteThrottledStage, routeKey: string): Promise<boolean> {
  const fallback = throttler.account ? { rateLimit: throttler.account.rate, burstLimit: throttler.account.burst } : DEFAULT_ACCOUNT_LIMITS;
  const bucket = routeBucket(apiId, stage, routeKey, fallback);
  return (await throttler.admit(bucket ? [bucket] : [])).admitted;
}
