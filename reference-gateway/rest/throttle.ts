/**
 * The throttle step of the REST lifecycle, right after authorization (shared/design.md: account → stage → method →
 * usage plan), before validation, the cache and the integration: a refused request never reaches the backend.
 *
 * Buckets that apply to one request (spec §3.1, api-gateway-request-throttling.md), all of which it must pass:
 *   account      10,000 rps / 5,000 burst by default, shared by every API of the gateway (throttle/throttler.ts);
 *   stage/method the stage's method settings for this method: its own `{path}/{METHOD}` entry, field by field over
 *                `{path}/*`, over the stage default `*\/*` (missing fields fall back to the account limits; −1 turns
 *                the level off). "Per-API, per-stage throttling limits are applied at the API method level", so
 *                each method has its own bucket even when the limits come from `*\/*`;
 *   usage plan   the plan's throttle, per API key, aggregated across all stages of the plan (spec §3.2);
 *   plan method  the plan's per-method throttle for this API stage (`"/pets/GET"`, root `"//GET"`), per API key.
 * Then the plan's quota, per key and period — the period found by the store on its clock (throttle/quota.ts).
 *
 * Over a bucket: 429 THROTTLED `{"message":"Too Many Requests"}` (TooManyRequestsException); over the quota:
 * 429 QUOTA_EXCEEDED `{"message":"Limit Exceeded"}` (LimitExceededException) (spec §2, §2.3).
 */
import { GatewayError } from "../errors/index.ts";
import type { Method, MethodSetting, Stage } from "../model/index.ts";
import { quotaSpec, type PlanDeployments } from "../throttle/quota.ts";
import type { QuotaSpec } from "../state/index.ts";
import { Throttler, type NamedBucket, type ThrottleDecision, type ThrottleLimits } from "../throttle/throttler.ts";
import type { RoutedCall } from "./call.ts";

export interface ThrottleDeps {
  throttler: Throttler;
  /** When each plan was deployed, on the store's clock: its quota offset applies to that period (throttle/quota.ts). */
  deployments: PlanDeployments;
}

/** The stage's throttle for one method, merged from `*\/*`, `{path}/*` and `{path}/{METHOD}`. */
export function methodThrottle(stage: Stage, resourcePath: string, httpMethod: string): { limits: Partial<ThrottleLimits>; specific: boolean } | undefined {
  const settings = stage.methodSettings;
  if (!settings) return undefined;
  const layers: Array<MethodSetting | undefined> = [settings["*/*"], settings[`${resourcePath}/*`], settings[`${resourcePath}/${httpMethod}`]];
  const limits: Partial<ThrottleLimits> = {};
  let specific = false;
  for (const [i, layer] of layers.entries()) {
    if (layer?.throttlingRateLimit !== undefined) (limits.rateLimit = layer.throttlingRateLimit), (specific ||= i > 0);
    if (layer?.throttlingBurstLimit !== undefined) (limits.burstLimit = layer.throttlingBurstLimit), (specific ||= i > 0);
  }
  return limits.rateLimit === undefined && limits.burstLimit === undefined ? undefined : { limits, specific };
}

/** Per method and stage, the stage/method bucket (null = none), computed once. */
const methodBuckets = new WeakMap<Method, Map<string, NamedBucket | null>>();

function stageBucket(call: RoutedCall, fallback: ThrottleLimits): NamedBucket | undefined {
  const method = call.route.method;
  let byStage = methodBuckets.get(method);
  if (!byStage) methodBuckets.set(method, (byStage = new Map()));
  let bucket = byStage.get(call.stage.name);
  if (bucket === undefined) {
    const path = call.route.resource.path;
    const found = methodThrottle(call.stage, path, method.httpMethod);
    bucket = (found && Throttler.bucket(`throttle:stage:${call.api.id}:${call.stage.name}:${path}/${method.httpMethod}`, found.specific ? "method" : "stage", found.limits, fallback)) ?? null;
    byStage.set(call.stage.name, bucket);
  }
  return bucket ?? undefined;
}

/**
 * The store's decision on the request's buckets and quota: the decision itself when the store answers at once (the
 * memory store), else a promise of it (Throttler.admit). The lifecycle then asks `refusalOf`.
 */
export function throttle(call: RoutedCall, deps: ThrottleDeps): ThrottleDecision | Promise<ThrottleDecision> {
  const fallback = deps.throttler.fallback;
  const buckets: NamedBucket[] = [];
  const stage = stageBucket(call, fallback);
  if (stage) buckets.push(stage);
  const plan = call.auth?.usagePlan;
  const key = call.auth?.apiKey;
  let quota: QuotaSpec | undefined;
  if (plan && key) {
    const planBucket = Throttler.bucket(`throttle:plan:${plan.id}:${key.id}`, "usage-plan", plan.throttle, fallback);
    if (planBucket) buckets.push(planBucket);
    const path = call.route.resource.path;
    const apiStage = plan.apiStages.find((s) => s.api === call.api.logicalId && s.stage === call.stage.name);
    const perMethod = apiStage?.throttle[`${path}/${call.route.method.httpMethod}`];
    const methodBucket = perMethod && Throttler.bucket(`throttle:planm:${plan.id}:${key.id}:${call.api.id}:${call.stage.name}:${path}/${call.route.method.httpMethod}`, "usage-plan-method", perMethod, fallback);
    if (methodBucket) buckets.push(methodBucket);
    if (plan.quota) quota = quotaSpec(plan.id, key.id, plan.quota, deps.deployments(plan.id));
  }
  return deps.throttler.admit(buckets, quota);
}

/** When the store checked the buckets, for the access log (undefined when it was not asked). */
export function checkedAt(decision: ThrottleDecision): number | undefined {
  return decision.admitted || decision.reason !== "unavailable" ? decision.at : undefined;
}

/** The 429 a refused request gets, or undefined when it was admitted. */
export function refusalOf(decision: ThrottleDecision): GatewayError | undefined {
  if (decision.admitted) return undefined;
  // No `detail`: a refused request is expected traffic under load, not a line in the log.
  return new GatewayError(decision.reason === "quota" ? "QUOTA_EXCEEDED" : "THROTTLED");
}
