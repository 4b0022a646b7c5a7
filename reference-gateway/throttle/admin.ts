import type { AdminRouter } from "../admin/index.ts";
import type { GatewayModel } from "../model/index.ts";
import type { Store } from "../state/index.ts";
import { periodBounds, quotaKey, quotaLimit } from "./quota.ts";

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * `GET /usage/:usagePlanId[?keyId=…]`, like GetUsage (API reference: `items` maps each API key id to
 * `[[used, remaining]]`), for the current quota period: `startDate` / `endDate` are its first and last UTC day.
 * The plan may be named by id or logical id. A plan without a quota counts nothing (`quota: null`, no items).
 */
export function registerUsageAdmin(admin: AdminRouter, model: GatewayModel, store: Store, clock: () => number, deployedAt: number): void {
  admin.add("GET /usage/:usagePlanId", async ({ params, query }) => {
    const plan = model.usagePlans.find((p) => p.id === params["usagePlanId"] || p.logicalId === params["usagePlanId"]);
    if (!plan) return { status: 404, json: { message: `no usage plan ${params["usagePlanId"]}`, usagePlans: model.usagePlans.map((p) => ({ id: p.id, name: p.name })) } };
    const keys = plan.apiKeys.flatMap((logicalId) => model.apiKeys.filter((k) => k.logicalId === logicalId));
    const wanted = query.get("keyId");
    const selected = wanted ? keys.filter((k) => k.id === wanted || k.logicalId === wanted) : keys;
    if (wanted && selected.length === 0) return { status: 404, json: { message: `API key ${wanted} is not in usage plan ${plan.id}` } };
    if (!plan.quota) return { status: 200, json: { usagePlanId: plan.id, quota: null, items: {} } };
    const now = clock();
    const period = periodBounds(plan.quota.period, now);
    const limit = quotaLimit(plan.quota, period.start, deployedAt);
    const items: Record<string, Array<[number, number]>> = {};
    for (const key of selected) {
      const used = Number((await store.get(quotaKey(plan.id, key.id, period.start))) ?? "0");
      items[key.id] = [[used, Math.max(0, limit - used)]];
    }
    return {
      status: 200,
      json: { usagePlanId: plan.id, startDate: day(period.start), endDate: day(period.end - 1), quota: { ...plan.quota, limitThisPeriod: limit }, items },
    };
  }, "remaining quota per API key in the current period, like GetUsage");
}
