import type { HttpApi, HttpCorsConfiguration } from "../model/http-api.ts";
import type { HttpResponse } from "../rest/call.ts";
import type { IncomingRequest } from "../rest/request.ts";
import { findHeader } from "../rest/request.ts";
import type { HttpApiSteps } from "./lifecycle.ts";

/**
 * CORS for HTTP APIs (spec §5.2, http-api-cors.md): with a CORS configuration API Gateway "automatically answers
 * preflight OPTIONS requests, even if no OPTIONS route exists", "adds the configured CORS headers to the
 * integration's response" and "ignores CORS headers returned by the backend".
 *
 * What is pinned where the docs say nothing (AWS's own wording is absent from the doc snapshot; these follow the
 * Fetch standard's CORS protocol, which is what browsers check):
 * - a preflight is an OPTIONS request with Origin and Access-Control-Request-Method; it is answered 204 with no body;
 * - the allow-* headers go out only when the origin, the requested method and every requested header are allowed,
 *   otherwise the 204 carries no CORS header at all;
 * - Access-Control-Allow-Origin is `*` when `*` is configured (AWS refuses `*` with credentials, aws/aws-cdk#9076),
 *   else the request's own origin, with `Vary: Origin`; `https://*` / `http://*` allow every origin of that scheme
 *   (the console's documented wildcard forms);
 * - actual requests get Allow-Origin, Allow-Credentials and Expose-Headers when their origin is allowed.
 */
const CORS_RESPONSE_HEADER = /^access-control-/i;

export function originAllowed(config: HttpCorsConfiguration, origin: string): "*" | string | undefined {
  if (config.allowOrigins.includes("*")) return "*";
  for (const allowed of config.allowOrigins) {
    if (allowed.toLowerCase() === origin.toLowerCase()) return origin;
    const scheme = /^(https?):\/\/\*$/i.exec(allowed);
    if (scheme && origin.toLowerCase().startsWith(`${scheme[1]!.toLowerCase()}://`)) return origin;
  }
  return undefined;
}

export function isPreflight(request: Pick<IncomingRequest, "method" | "headerPairs">): boolean {
  return request.method === "OPTIONS" && findHeader(request.headerPairs, "origin") !== undefined && findHeader(request.headerPairs, "access-control-request-method") !== undefined;
}

/** The headers of the automatic preflight answer (empty when the request is not allowed). */
export function preflightHeaders(config: HttpCorsConfiguration, origin: string, method: string, requestHeaders: string[]): Array<[string, string]> {
  const allowOrigin = originAllowed(config, origin);
  if (allowOrigin === undefined) return [];
  const methods = config.allowMethods.map((m) => m.toUpperCase());
  if (!methods.includes("*") && !methods.includes(method.toUpperCase())) return [];
  const headers = config.allowHeaders.map((h) => h.toLowerCase());
  if (!headers.includes("*") && !requestHeaders.every((h) => headers.includes(h.toLowerCase()))) return [];
  const out: Array<[string, string]> = [["access-control-allow-origin", allowOrigin]];
  if (config.allowCredentials) out.push(["access-control-allow-credentials", "true"]);
  if (config.allowHeaders.length > 0) out.push(["access-control-allow-headers", config.allowHeaders.join(",")]);
  if (config.allowMethods.length > 0) out.push(["access-control-allow-methods", config.allowMethods.join(",")]);
  if (config.maxAge !== undefined) out.push(["access-control-max-age", String(config.maxAge)]);
  if (allowOrigin !== "*") out.push(["vary", "Origin"]);
  return out;
}

/** An actual response: backend CORS headers dropped, the configured ones added for an allowed origin. */
export function decorate(config: HttpCorsConfiguration, origin: string | undefined, headers: Array<[string, string]>): Array<[string, string]> {
  const out = headers.filter(([name]) => !CORS_RESPONSE_HEADER.test(name));
  const allowOrigin = origin === undefined ? undefined : originAllowed(config, origin);
  if (allowOrigin === undefined) return out;
  out.push(["access-control-allow-origin", allowOrigin]);
  if (config.allowCredentials) out.push(["access-control-allow-credentials", "true"]);
  if (config.exposeHeaders.length > 0) out.push(["access-control-expose-headers", config.exposeHeaders.join(",")]);
  if (allowOrigin !== "*") out.push(["vary", "Origin"]);
  return out;
}

/** The lifecycle steps for an API with a CORS configuration (none otherwise). */
export function corsSteps(api: HttpApi): Pick<HttpApiSteps, "before" | "after"> {
  const config = api.cors;
  if (!config) return {};
  return {
    before(_api, request) {
      if (!isPreflight(request)) return undefined;
      const requested = (findHeader(request.headerPairs, "access-control-request-headers") ?? "").split(",").map((h) => h.trim()).filter((h) => h !== "");
      const headers = preflightHeaders(config, findHeader(request.headerPairs, "origin")!, findHeader(request.headerPairs, "access-control-request-method")!, requested);
      return { status: 204, headers, body: "" };
    },
    after(_api, request, response) {
      if (isPreflight(request)) return response;
      return { ...response, headers: decorate(config, findHeader(request.headerPairs, "origin"), response.headers) };
    },
  };
}
