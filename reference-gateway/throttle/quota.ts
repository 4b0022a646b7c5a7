/**
 * Usage-plan quotas (spec §3.2): the period arithmetic lives with the stores (state/quota-period.ts), because the
 * store finds the current period on its own clock while it counts (the Redis server's for Redis). Here: the counter
 * of one API key in one plan, as the store is asked to keep it.
 */
import type { GatewayModel, QuotaSettings } from "../model/index.ts";
import type { QuotaSpec, Store } from "../state/index.ts";

export { periodBounds, quotaLimit, type PeriodBounds, type QuotaPeriod } from "../state/quota-period.ts";

/** When each usage plan was deployed (ms, store clock): the offset applies to that instant's period. */
export type PlanDeployments = (planId: string) => number;

/** Long enough to outlive any deployment; a store needs a TTL, and an expired marker would re-apply the offset. */
const DEPLOYMENT_MARKER_TTL_MS = 10 * 365 * 86_400_000;

/**
 * When each plan with a quota was deployed, on the store's clock and shared by every gateway on the store: the first
 * gateway to start with the plan writes the instant (`quota:deployed:{planId}`); later ones — on another host, or
 * restarted in a later period — read it, so all agree on the one initial period the offset belongs to. A store that
 * does not answer at start: this host's clock, logged (that gateway may then disagree on the initial period).
 */
export async function planDeployments(model: GatewayModel, store: Store, hostClock: () => number, log: (line: string) => void): Promise<PlanDeployments> {
  const instants = new Map<string, number>();
  let now: number;
  try {
    now = await store.now();
    for (const plan of model.usagePlans) {
      if (!plan.quota) continue;
      const key = `quota:deployed:${plan.id}`;
      const known = await store.get(key);
      if (known === undefined) await store.set(key, String(now), DEPLOYMENT_MARKER_TTL_MS);
      instants.set(plan.id, known === undefined ? now : Number(known));
    }
  } catch (error) {
    now = hostClock();
    log(`quota: the store did not answer at start (${error instanceof Error ? error.message : String(error)}); the quota offsets' initial period is taken from this host's clock`);
  }
  return (planId) => instants.get(planId) ?? now;
}

export function quotaSpec(planId: string, apiKeyId: string, quota: QuotaSettings, deployedAt: number): QuotaSpec {
  return { key: `quota:${planId}:${apiKeyId}`, period: quota.period, limit: quota.limit, offset: quota.offset, deployedAt };
}
