import type { AdminRouter } from "../admin/index.ts";
import type { GatewayModel } from "../model/index.ts";
import type { QuotaUsage, Store } from "../state/index.ts";
import { periodBounds, quotaLimit, quotaSpec, type PlanDeployments } from "./quota.ts";

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * `GET /usage/:usagePlanId[?keyId=…]`, like GetUsage (API reference: `items` maps each API key id to
 * `[[used, remaining]]`), for the current quota period on the store's clock (the one the counters count in):
 * `startDate` / `endDate` are its first and last UTC day. The plan may be named by id or logical id. A plan without a
 * quota counts nothing (`quota: null`, no items).
 */
export function registerUsageAdmin(admin: AdminRouter, model: GatewayModel, store: Store, deployments: PlanDeployments): void {
  admin.add("GET /usage/:usagePlanId", async ({ params, query }) => {
    const plan = model.usagePlans.find((p) => p.id === params["usagePlanId"] || p.logicalId === params["usagePlanId"]);
    if (!plan) return { status: 404, json: { message: `no usage plan ${params["usagePlanId"]}`, usagePlans: model.usagePlans.map((p) => ({ id: p.id, name: p.name })) } };
    const keys = plan.apiKeys.flatMap((logicalId) => model.apiKeys.filter((k) => k.logicalId === logicalId));
    const wanted = query.get("keyId");
    const selected = wanted ? keys.filter((k) => k.id === wanted || k.logicalId === wanted) : keys;
    if (wanted && selected.length === 0) return { status: 404, json: { message: `API key ${wanted} is not in usage plan ${plan.id}` } };
    const quota = plan.quota;
    const deployedAt = deployments(plan.id);
    if (!quota) return { status: 200, json: { usagePlanId: plan.id, quota: null, items: {} } };
    let usages: QuotaUsage[];
    try {
      usages = await Promise.all(selected.map((key) => store.quotaUsage(quotaSpec(plan.id, key.id, quota, deployedAt))));
    } catch (error) {
      // The counters live in the store (Redis): without it there is nothing true to report.
      return { status: 503, json: { message: `the quota store does not answer: ${error instanceof Error ? error.message : String(error)}` } };
    }
    const items: Record<string, Array<[number, number]>> = {};
    for (const [i, key] of selected.entries()) items[key.id] = [[usages[i]!.used, Math.max(0, usages[i]!.limit - usages[i]!.used)]];
    let period: Omit<QuotaUsage, "used"> | undefined = usages[0];
    if (!period) {
      const bounds = periodBounds(quota.period, await store.now());
      period = { ...bounds, limit: quotaLimit(quota, bounds.start, deployedAt) };
    }
    return {
      status: 200,
      json: { usagePlanId: plan.id, startDate: day(period.start), endDate: day(period.end - 1), quota: { ...quota, limitThisPeriod: period.limit }, items },
    };
  }, "remaining quota per API key in the current period (on the store's clock), like GetUsage");
}
