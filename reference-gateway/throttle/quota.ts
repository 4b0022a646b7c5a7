/**
 * Usage-plan quota periods (spec §3.2; QuotaSettings in the API reference): `limit` requests per DAY, WEEK or MONTH,
 * counted per API key, the period resetting at its UTC boundary. `offset` has its current API-reference meaning:
 * "the number of requests subtracted from the given limit in the initial time period" — the initial period being the
 * one in which the plan was deployed (the gateway started). Weeks start on Sunday 00:00 UTC (the older SDK text:
 * "WEEK with offset 0 starts Sunday").
 */
import type { QuotaSettings } from "../model/index.ts";

export type QuotaPeriod = QuotaSettings["period"];

export interface PeriodBounds {
  /** ms since the epoch, inclusive. */
  start: number;
  /** ms since the epoch, exclusive: the next period's start. */
  end: number;
}

export function periodBounds(period: QuotaPeriod, nowMs: number): PeriodBounds {
  const d = new Date(nowMs);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const day = d.getUTCDate();
  switch (period) {
    case "DAY": {
      const start = Date.UTC(y, m, day);
      return { start, end: Date.UTC(y, m, day + 1) };
    }
    case "WEEK": {
      const start = Date.UTC(y, m, day - d.getUTCDay());
      return { start, end: Date.UTC(y, m, day - d.getUTCDay() + 7) };
    }
    case "MONTH":
      return { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
  }
}

/** The requests a key may make in the period starting at `periodStart`, given when the plan was deployed. */
export function quotaLimit(quota: QuotaSettings, periodStart: number, deployedAt: number): number {
  const initial = periodBounds(quota.period, deployedAt).start === periodStart;
  return Math.max(0, quota.limit - (initial ? quota.offset : 0));
}

/** The store key of one key's counter in one period of one plan. */
export function quotaKey(planId: string, apiKeyId: string, periodStart: number): string {
  return `quota:${planId}:${apiKeyId}:${periodStart}`;
}
