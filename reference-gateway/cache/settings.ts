import type { Method, MethodSetting, Resource, Stage } from "../model/index.ts";

/**
 * The response-cache settings one method gets on one stage (spec §4.1; api-gateway-caching.md; MethodSetting in the
 * API reference). Inheritance is AWS's: the method's own `{resourcePath}/{METHOD}` entry, then the stage-wide
 * `*\/*` entry, then AWS's defaults as GetStage shows them (cachingEnabled false, cacheTtlInSeconds 300,
 * requireAuthorizationForCacheControl true, unauthorizedCacheControlHeaderStrategy SUCCEED_WITH_RESPONSE_HEADER —
 * e.g. the aws-cli `apigateway update-stage` example output and GetStage captures in public repositories).
 *
 * What is cached, when:
 *   - the stage's cache cluster must be enabled (`CacheClusterEnabled`); on its own it caches nothing (SAM#130:
 *     "the cache is not working without" method settings; serverless-api-gateway-caching README: enabling the cluster
 *     "does NOT automatically enable caching for your endpoints");
 *   - `cachingEnabled` switches a method on. Inherited from `*\/*` it applies to GET only: "When you enable caching for
 *     a stage, only GET methods have caching enabled by default … You can enable caching for other methods by
 *     overriding method settings" (api-gateway-caching.md) — so any other method needs its own entry;
 *   - TTL 0..3600 s (default 300); 0 disables caching ("TTL=0 means caching is disabled").
 */
export interface MethodCacheSettings {
  ttlSeconds: number;
  requireAuthorizationForCacheControl: boolean;
  unauthorizedStrategy: NonNullable<MethodSetting["unauthorizedCacheControlHeaderStrategy"]>;
}

export const DEFAULT_TTL_SECONDS = 300;
export const MAX_TTL_SECONDS = 3600;
/** "The maximum size of a response that can be cached is 1048576 bytes" (api-gateway-caching.md). */
export const MAX_CACHED_RESPONSE_BYTES = 1_048_576;

/**
 * `CacheClusterSize` (GB as AWS names the sizes: 0.5, 1.6, 6.1, 13.5, 28.4, 58.2, 118, 237) → the byte budget of
 * the reference's cache: size × 1024³ bytes (0.5 → 536,870,912). It bounds the sum of the stored entries (status,
 * headers and body bytes); past it the least recently used entries go. AWS's cluster is a memory size, not an entry
 * budget, so this is an approximation of "a bigger cache holds more", not of AWS's exact capacity.
 */
export function cacheBudgetBytes(sizeGb: string | undefined): number {
  const gb = Number(sizeGb ?? "0.5");
  return Math.round((Number.isFinite(gb) && gb > 0 ? gb : 0.5) * 1024 ** 3);
}

/** The setting key AWS uses for a method: `/pets/{id}/GET` (the root is `//GET`). */
export function methodSettingKey(resource: Resource, method: Method): string {
  return `${resource.path}/${method.httpMethod}`;
}

/**
 * undefined = this method is not cached on this stage. `requestMethod` matters for an ANY method: inherited caching
 * applies to its GET requests only.
 */
export function methodCacheSettings(stage: Stage, resource: Resource, method: Method, requestMethod: string): MethodCacheSettings | undefined {
  if (!stage.cacheCluster?.enabled) return undefined;
  const own = stage.methodSettings?.[methodSettingKey(resource, method)];
  // `/pets/*` (all methods of one resource, a form the loader accepts) sits between the method's own and `*/*`.
  const resourceWide = stage.methodSettings?.[`${resource.path}/*`];
  const all = stage.methodSettings?.["*/*"];
  const pick = <K extends keyof MethodSetting>(key: K): MethodSetting[K] | undefined => own?.[key] ?? resourceWide?.[key] ?? all?.[key];
  const inherited = resourceWide?.cachingEnabled ?? all?.cachingEnabled;
  const enabled = own?.cachingEnabled ?? (requestMethod === "GET" ? inherited : undefined) ?? false;
  const ttlSeconds = Math.min(pick("cacheTtlInSeconds") ?? DEFAULT_TTL_SECONDS, MAX_TTL_SECONDS);
  if (!enabled || ttlSeconds <= 0) return undefined;
  return {
    ttlSeconds,
    requireAuthorizationForCacheControl: pick("requireAuthorizationForCacheControl") ?? true,
    unauthorizedStrategy: pick("unauthorizedCacheControlHeaderStrategy") ?? "SUCCEED_WITH_RESPONSE_HEADER",
  };
}
