import type { IamVerifier } from "../auth/iam.ts";
import type { Method } from "../model/index.ts";
import type { CachePlan } from "../cache/plan.ts";
import type { CacheScope, ResponseCache } from "../cache/response-cache.ts";
import { methodCacheSettings, type MethodCacheSettings } from "../cache/settings.ts";
import { CACHE_CONTROL_REFUSED, invalidationDecision, type InvalidationDecision } from "../cache/invalidation.ts";
import { findHeader } from "./request.ts";
import type { HttpResponse, RoutedCall } from "./call.ts";
import type { GatewayIdentity } from "./context-variables.ts";

/** What the cache step needs besides the cache: who may invalidate (cache/invalidation.ts). */
export interface CacheDeps {
  iam: IamVerifier;
  gateway: GatewayIdentity;
}

/** What the cache step learned about a call that the cache covers. */
export interface CacheLookup {
  scope: CacheScope;
  settings: MethodCacheSettings;
  keyParts: Array<string | null>;
  decision: InvalidationDecision;
  /** The cached answer (a hit), or undefined (a miss: the integration runs and its answer is stored). */
  hit?: HttpResponse;
}

/** FAIL_WITH_403: answered as is (cache/invalidation.ts); rendered by the lifecycle like the unknown-stage 403. */
export class CacheControlRefused extends Error {
  readonly response = CACHE_CONTROL_REFUSED;
  constructor() {
    super("Cache-Control: max-age=0 from a caller not allowed execute-api:InvalidateCache");
  }
}

/**
 * The cache key (spec §4.2): the request's method, the resource path and the values of the declared cache key
 * parameters, in declaration order — nothing else. So parameters not declared do not split the cache (the docs'
 * `type`/`department` example), and neither do stage variables, the caller or its authorization, unless declared.
 * An absent parameter is null, distinct from an empty value. Path parameters are the matched values; query strings
 * the last value; headers the last value, by case-insensitive name.
 */
function keyParts(call: RoutedCall, plan: CachePlan): Array<string | null> {
  const parts: Array<string | null> = [call.request.method, call.route.resource.path];
  for (const { source, name } of plan.keyParameters.get(call.route.method) ?? []) {
    const value =
      source === "path" ? call.route.pathParameters[name] : source === "querystring" ? call.query.single[name] : findHeader(call.request.headerPairs, name);
    parts.push(value ?? null);
  }
  return parts;
}

/**
 * Per method, stage and request method, its cache settings (null = not cached): stage settings do not change once
 * loaded. Nested maps, not one keyed by a joined string: no string built and hashed per request.
 */
const methodSettings = new WeakMap<Method, Map<string, Map<string, MethodCacheSettings | null>>>();

function settingsOf(call: RoutedCall): MethodCacheSettings | undefined {
  const { method, resource } = call.route;
  let byStage = methodSettings.get(method);
  if (!byStage) methodSettings.set(method, (byStage = new Map()));
  let byRequestMethod = byStage.get(call.stage.name);
  if (!byRequestMethod) byStage.set(call.stage.name, (byRequestMethod = new Map()));
  // An ANY method's settings depend on the request's method (inherited caching applies to GET only).
  let settings = byRequestMethod.get(call.request.method);
  if (settings === undefined) byRequestMethod.set(call.request.method, (settings = methodCacheSettings(call.stage, resource, method, call.request.method) ?? null));
  return settings ?? undefined;
}

/**
 * Cache lookup, after validation (shared/design.md's order). undefined, without waiting, when the method is not cached
 * on this stage (no cache cluster, caching off, TTL 0) or the request is a canary request on a canary that does not use
 * the stage cache (`useStageCache: false`). Throws CacheControlRefused under FAIL_WITH_403.
 */
export function cacheLookup(call: RoutedCall, plan: CachePlan, responseCache: ResponseCache, deps: CacheDeps): Promise<CacheLookup> | undefined {
  const scope = plan.stages.get(call.stage.name);
  if (!scope) return undefined;
  if (call.isCanaryRequest && !call.stage.canary?.useStageCache) return undefined;
  const settings = settingsOf(call);
  if (!settings) return undefined;
  const decision = invalidationDecision(call, settings, deps);
  if (decision === "refuse") throw new CacheControlRefused();
  return lookUp({ scope, settings, keyParts: keyParts(call, plan), decision }, responseCache);
}

async function lookUp(lookup: CacheLookup, responseCache: ResponseCache): Promise<CacheLookup> {
  if (lookup.decision === "invalidate") return lookup;
  const cached = await responseCache.get(lookup.scope, lookup.keyParts);
  if (cached) lookup.hit = { status: cached.status, headers: cached.headers, body: cached.body };
  return lookup;
}

/**
 * Cache store, after the method response. What AWS caches is the endpoint's answer whatever its status: a backend 429
 * is served from the cache until the TTL ends (stackoverflow.com/questions/45883323 "Prevent caching of non-200
 * responses in AWS API Gateway"; DianaIonita/serverless-api-gateway-caching#125: "it doesn't seem like it's possible
 * to disable caching based on response codes"). Gateway errors (the lifecycle's GatewayError answers: timeouts,
 * malformed Lambda output, …) never reach this step, so they are not cached. Over 1,048,576 bytes: not cached.
 */
export async function cacheStore(lookup: CacheLookup, response: HttpResponse, responseCache: ResponseCache): Promise<void> {
  await responseCache.set(lookup.scope, lookup.keyParts, { status: response.status, headers: response.headers, body: response.body }, lookup.settings.ttlSeconds);
}
