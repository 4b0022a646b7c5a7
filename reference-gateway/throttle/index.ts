export { DEFAULT_ACCOUNT_LIMITS, Throttler, type FailMode, type NamedBucket, type ThrottleDecision, type ThrottleLimits, type ThrottlerOptions } from "./throttler.ts";
export { periodBounds, planDeployments, quotaLimit, quotaSpec, type PeriodBounds, type PlanDeployments, type QuotaPeriod } from "./quota.ts";
export { registerUsageAdmin } from "./admin.ts";
