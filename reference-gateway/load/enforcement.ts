/**
 * Security settings the runtime enforces. The loader reads every security setting into the model but refuses to
 * start when one of these is not enforced yet (a route is never served open). Each authorization step adds its
 * feature here in the same change that wires it into the REST lifecycle.
 */
export type SecurityFeature = "api-key" | "lambda-authorizer" | "cognito-authorizer" | "iam" | "resource-policy";

export const ENFORCED_SECURITY: ReadonlySet<SecurityFeature> = new Set<SecurityFeature>(["iam", "cognito-authorizer", "api-key", "lambda-authorizer", "resource-policy"]);

/**
 * Stage settings the runtime enforces (load/stage-settings.ts). A template asking for one that is not here stops the
 * load instead of being served without it. Each runtime adds its feature in the change that wires it:
 *   "throttling"  MethodSettings / StageDescription ThrottlingRateLimit, ThrottlingBurstLimit (rest throttle step)
 *   "caching"     CacheClusterEnabled, CachingEnabled (response cache: the CACHE work flips this)
 *   "access-log"  AccessLogSetting (access logs: the CACHE/observe work flips this)
 */
export type StageSettingFeature = "throttling" | "caching" | "access-log";

export const ENFORCED_STAGE_SETTINGS: ReadonlySet<StageSettingFeature> = new Set<StageSettingFeature>(["throttling", "caching", "access-log"]);
