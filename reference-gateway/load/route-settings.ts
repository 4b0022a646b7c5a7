/**
 * Stage route settings of ApiGatewayV2 stages, HTTP and WebSocket alike (AWS::ApiGatewayV2::Stage RouteSettings:
 * DataTraceEnabled, DetailedMetricsEnabled, LoggingLevel, ThrottlingBurstLimit, ThrottlingRateLimit):
 * `DefaultRouteSettings` for every route of the stage, `RouteSettings` by route key over it field by field; the
 * throttling is enforced per route by the shared Throttler (throttle/route-bucket.ts). Logging and metrics settings
 * change nothing a client sees and are accepted; anything else stops the load.
 */
import type { HttpRouteThrottle, HttpStage } from "../model/http-api.ts";
import { fail } from "./errors.ts";
import { child } from "./json-path.ts";
import { int, obj } from "./values.ts";

const HARMLESS = ["DetailedMetricsEnabled", "LoggingLevel", "DataTraceEnabled"];

export function throttle(v: unknown, file: string, path: string): HttpRouteThrottle | undefined {
  const o = obj(v, file, path, "route settings");
  const out: HttpRouteThrottle = {};
  for (const key of Object.keys(o)) {
    if (key === "ThrottlingBurstLimit") out.burstLimit = int(o[key], file, child(path, key), key, 0, 5000);
    else if (key === "ThrottlingRateLimit") {
      const n = Number(o[key]);
      if (!Number.isFinite(n) || n < 0) fail(file, child(path, key), `${key} must be a non-negative number`);
      out.rateLimit = n;
    } else if (!HARMLESS.includes(key)) fail(file, child(path, key), `route setting ${key} is not supported yet`);
  }
  return out.burstLimit === undefined && out.rateLimit === undefined ? undefined : out;
}

/** Spec §3.1 ("HTTP API route-level settings"; WebSocket stages take the same RouteSettings). */
export function readStageSettings(defaults: unknown, routes: unknown, file: string, paths: { defaults: string; routes: string }): Pick<HttpStage, "defaultRouteThrottle" | "routeThrottles"> {
  const defaultRouteThrottle = defaults === undefined ? undefined : throttle(defaults, file, paths.defaults);
  const routeThrottles: Record<string, HttpRouteThrottle> = {};
  for (const [key, v] of Object.entries(obj(routes, file, paths.routes, "RouteSettings"))) {
    const th = throttle(v, file, child(paths.routes, key));
    if (th) routeThrottles[key] = th;
  }
  return { ...(defaultRouteThrottle ? { defaultRouteThrottle } : {}), routeThrottles };
}
