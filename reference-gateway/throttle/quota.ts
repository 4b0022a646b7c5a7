/**
 * Usage-plan quotas (spec §3.2): the period arithmetic lives with the stores (state/quota-period.ts), because the
 * store finds the current period on its own clock while it counts (the Redis server's for Redis). Here: the counter
 * of one API key in one plan, as the store is asked to keep it.
 */
import type { QuotaSettings } from "../model/index.ts";
import type { QuotaSpec } from "../state/index.ts";

export { periodBounds, quotaLimit, type PeriodBounds, type QuotaPeriod } from "../state/quota-period.ts";

/** `deployedAt`: when the gateway started, on the store's clock — the offset applies to that period. */
export function quotaSpec(planId: string, apiKeyId: string, quota: QuotaSettings, deployedAt: number): QuotaSpec {
  return { key: `quota:${planId}:${apiKeyId}`, period: quota.period, limit: quota.limit, offset: quota.offset, deployedAt };
}
