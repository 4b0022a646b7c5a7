/**
 * Usage-plan quota periods on a store's clock (spec §3.2; QuotaSettings in the API reference): `limit` requests per
 * DAY, WEEK or MONTH, the period resetting at its UTC boundary; weeks start on Sunday 00:00 UTC (the older SDK text:
 * "WEEK with offset 0 starts Sunday"). `offset` has its current API-reference meaning: "the number of requests
 * subtracted from the given limit in the initial time period" — the period containing the deployment instant.
 *
 * The store decides the period from its own clock, inside the same atomic step that counts (the memory store's
 * injected clock; the Redis server's `TIME` in the Lua script), so gateway instances whose clocks disagree still
 * count into one period. PERIOD_LUA is the same arithmetic for that script; suites/unit/state/quota-period.test.ts
 * checks the two agree on a real redis-server.
 */
export type QuotaPeriod = "DAY" | "WEEK" | "MONTH";

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
    case "DAY":
      return { start: Date.UTC(y, m, day), end: Date.UTC(y, m, day + 1) };
    case "WEEK":
      return { start: Date.UTC(y, m, day - d.getUTCDay()), end: Date.UTC(y, m, day - d.getUTCDay() + 7) };
    case "MONTH":
      return { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
  }
}

/** The requests a key may make in the period starting at `periodStart`, given when the plan was deployed. */
export function quotaLimit(quota: { period: QuotaPeriod; limit: number; offset: number }, periodStart: number, deployedAt: number): number {
  const initial = periodBounds(quota.period, deployedAt).start === periodStart;
  return Math.max(0, quota.limit - (initial ? quota.offset : 0));
}

/**
 * Lua (Redis 5+, Lua 5.1: doubles, floored `%`): `period_bounds(period, ms)` → start, end, and
 * `period_limit(period, limit, offset, deployed, start)`, as quotaLimit. Months through Howard Hinnant's
 * days_from_civil / civil_from_days (exact integer date arithmetic); 1970-01-01 was a Thursday.
 */
export const PERIOD_LUA = `
local DAY_MS = 86400000
local function civil_from_days(z)
  z = z + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  return y, m
end
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local mp = m > 2 and m - 3 or m + 9
  local doy = math.floor((153 * mp + 2) / 5) + d - 1
  return era * 146097 + yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy - 719468
end
local function period_bounds(period, ms)
  local days = math.floor(ms / DAY_MS)
  if period == 'DAY' then return days * DAY_MS, (days + 1) * DAY_MS end
  if period == 'WEEK' then
    local sunday = days - (days + 4) % 7
    return sunday * DAY_MS, (sunday + 7) * DAY_MS
  end
  local y, m = civil_from_days(days)
  local ny, nm = y, m + 1
  if nm > 12 then ny, nm = y + 1, 1 end
  return days_from_civil(y, m, 1) * DAY_MS, days_from_civil(ny, nm, 1) * DAY_MS
end
local function period_limit(period, limit, offset, deployed, start)
  local initial = period_bounds(period, deployed)
  if initial == start then limit = limit - offset end
  if limit < 0 then limit = 0 end
  return limit
end
`;
