import fc from "fast-check";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryStore, RedisStore } from "../../../reference-gateway/state/index.ts";
import { PERIOD_LUA } from "../../../reference-gateway/state/quota-period.ts";
import { periodBounds, quotaLimit } from "../../../reference-gateway/throttle/index.ts";
import { redisAvailable, startRedis, type RedisServer } from "../../harness/redis.ts";

const bucket = (key: string, rate: number, burst: number) => ({ key, rate, burst });

describe("MemoryStore.admit: token buckets on the injected clock", () => {
  it("starts full at burst, refills continuously at rate, one token per request", async () => {
    let now = 10_000;
    const store = new MemoryStore(() => now);
    const b = [bucket("b", 2, 3)];
    for (let i = 0; i < 3; i++) expect(await store.admit({ buckets: b })).toEqual({ admitted: true, at: 10_000_000 });
    expect(await store.admit({ buckets: b })).toEqual({ admitted: false, reason: "throttled", bucket: 0, at: 10_000_000 });
    now += 499; // 0.998 of a token
    expect((await store.admit({ buckets: b })).admitted).toBe(false);
    now += 1; // exactly one token
    expect((await store.admit({ buckets: b })).admitted).toBe(true);
    expect((await store.admit({ buckets: b })).admitted).toBe(false);
    now += 60_000; // full again, never more than burst
    let admitted = 0;
    for (let i = 0; i < 10; i++) if ((await store.admit({ buckets: b })).admitted) admitted++;
    expect(admitted).toBe(3);
  });

  it("fractional rates are exact (0.5/s: one token every 2000 ms)", async () => {
    let now = 0;
    const store = new MemoryStore(() => now);
    const b = [bucket("half", 0.5, 1)];
    expect((await store.admit({ buckets: b })).admitted).toBe(true);
    now = 1999;
    expect((await store.admit({ buckets: b })).admitted).toBe(false);
    now = 2000;
    expect((await store.admit({ buckets: b })).admitted).toBe(true);
  });

  it("rate 0 never refills; burst 0 admits nothing", async () => {
    let now = 0;
    const store = new MemoryStore(() => now);
    expect((await store.admit({ buckets: [bucket("z", 0, 1)] })).admitted).toBe(true);
    now = 86_400_000;
    expect((await store.admit({ buckets: [bucket("z", 0, 1)] })).admitted).toBe(false);
    expect(await store.admit({ buckets: [bucket("none", 1000, 0)] })).toMatchObject({ admitted: false, reason: "throttled", bucket: 0 });
  });

  it("all or nothing: a request refused by one bucket takes no token from the others, nor counts against the quota", async () => {
    const store = new MemoryStore(() => 0);
    const wide = bucket("wide", 0, 5);
    const narrow = bucket("narrow", 0, 1);
    const quota = { key: "q", period: "DAY" as const, limit: 10, offset: 0, deployedAt: 0 };
    expect(await store.admit({ buckets: [wide, narrow], quota })).toEqual({ admitted: true, quotaUsed: 1, at: 0 });
    expect(await store.admit({ buckets: [wide, narrow], quota })).toMatchObject({ admitted: false, reason: "throttled", bucket: 1 });
    expect(await store.admit({ buckets: [wide, narrow], quota })).toMatchObject({ admitted: false, reason: "throttled", bucket: 1 });
    // wide still holds 4: four more through it alone
    for (let i = 0; i < 4; i++) expect((await store.admit({ buckets: [wide], quota })).admitted).toBe(true);
    expect(await store.quotaUsage(quota)).toEqual({ used: 5, limit: 10, start: 0, end: 86_400_000 });
  });

  it("quota: limit requests in the store clock's period, a new count at the UTC boundary; a refused one takes no token", async () => {
    let now = Date.parse("2026-03-10T23:59:58.000Z");
    const store = new MemoryStore(() => now);
    const b = [bucket("qb", 0, 3)];
    const quota = { key: "period", period: "DAY" as const, limit: 2, offset: 0, deployedAt: Date.parse("2026-01-01T00:00:00Z") };
    expect(await store.admit({ buckets: b, quota })).toMatchObject({ admitted: true, quotaUsed: 1 });
    expect(await store.admit({ buckets: b, quota })).toMatchObject({ admitted: true, quotaUsed: 2 });
    expect(await store.admit({ buckets: b, quota })).toMatchObject({ admitted: false, reason: "quota", quotaUsed: 2 });
    now = Date.parse("2026-03-10T23:59:59.999Z");
    expect((await store.admit({ buckets: b, quota })).admitted).toBe(false);
    now = Date.parse("2026-03-11T00:00:00.000Z");
    expect(await store.admit({ buckets: b, quota })).toMatchObject({ admitted: true, quotaUsed: 1 });
    expect((await store.admit({ buckets: b })).admitted).toBe(false); // the bucket gave exactly 3
    expect(await store.quotaUsage(quota)).toEqual({ used: 1, limit: 2, start: now, end: Date.parse("2026-03-12T00:00:00Z") });
  });

  it("quota offset: taken off the limit in the period containing deployedAt only (WEEK from Sunday)", async () => {
    let now = Date.parse("2026-03-14T12:00:00Z"); // a Saturday; the week began Sunday the 8th
    const store = new MemoryStore(() => now);
    const quota = { key: "weekly", period: "WEEK" as const, limit: 3, offset: 2, deployedAt: Date.parse("2026-03-09T08:00:00Z") };
    expect((await store.admit({ buckets: [], quota })).admitted).toBe(true);
    expect(await store.admit({ buckets: [], quota })).toMatchObject({ admitted: false, reason: "quota", quotaUsed: 1 });
    now = Date.parse("2026-03-15T00:00:00Z");
    expect(await store.quotaUsage(quota)).toMatchObject({ used: 0, limit: 3 });
  });
});

describe("quota periods (UTC boundaries) and offset (initial period only)", () => {
  const at = (iso: string) => Date.parse(iso);
  it("DAY, WEEK (from Sunday) and MONTH", () => {
    expect(periodBounds("DAY", at("2026-03-10T23:59:59.999Z"))).toEqual({ start: at("2026-03-10T00:00:00Z"), end: at("2026-03-11T00:00:00Z") });
    // 2026-03-10 is a Tuesday: the week began on Sunday the 8th.
    expect(periodBounds("WEEK", at("2026-03-10T12:00:00Z"))).toEqual({ start: at("2026-03-08T00:00:00Z"), end: at("2026-03-15T00:00:00Z") });
    expect(periodBounds("WEEK", at("2026-03-08T00:00:00Z")).start).toBe(at("2026-03-08T00:00:00Z"));
    expect(periodBounds("MONTH", at("2026-12-31T18:00:00Z"))).toEqual({ start: at("2026-12-01T00:00:00Z"), end: at("2027-01-01T00:00:00Z") });
    expect(periodBounds("MONTH", at("2028-02-29T00:00:00Z"))).toEqual({ start: at("2028-02-01T00:00:00Z"), end: at("2028-03-01T00:00:00Z") });
  });
  it("offset is subtracted from the limit in the period the plan was deployed in, not after", () => {
    const quota = { limit: 100, offset: 30, period: "DAY" as const };
    const deployed = at("2026-03-10T15:00:00Z");
    expect(quotaLimit(quota, at("2026-03-10T00:00:00Z"), deployed)).toBe(70);
    expect(quotaLimit(quota, at("2026-03-11T00:00:00Z"), deployed)).toBe(100);
    expect(quotaLimit({ ...quota, offset: 500 }, at("2026-03-10T00:00:00Z"), deployed)).toBe(0);
  });
});

describe.skipIf(!redisAvailable())("RedisStore (a real redis-server on loopback)", () => {
  let redis: RedisServer;
  let store: RedisStore;
  let raw: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    store = new RedisStore(redis.url, { prefix: "unit:" });
    expect(await store.connect()).toBe(true);
    raw = new Redis(redis.url);
  });
  afterAll(async () => {
    await store?.close();
    raw?.disconnect();
    await redis?.stop();
  });

  it("get/set with TTL and delete", async () => {
    await store.set("k", "v", 60_000);
    expect(await store.get("k")).toBe("v");
    await store.delete("k");
    expect(await store.get("k")).toBeUndefined();
    await store.set("short", "v", 30);
    await new Promise((r) => setTimeout(r, 80));
    expect(await store.get("short")).toBeUndefined();
  });

  it("the Lua script: burst, all-or-nothing and quota as the memory store (rate 0, so no clock enters)", async () => {
    const wide = bucket("r-wide", 0, 3);
    const narrow = bucket("r-narrow", 0, 1);
    const quota = { key: "r-q", period: "MONTH" as const, limit: 2, offset: 0, deployedAt: 0 };
    expect(await store.admit({ buckets: [wide, narrow], quota })).toMatchObject({ admitted: true, quotaUsed: 1 });
    expect(await store.admit({ buckets: [wide, narrow], quota })).toMatchObject({ admitted: false, reason: "throttled", bucket: 1 });
    expect(await store.admit({ buckets: [wide], quota })).toMatchObject({ admitted: true, quotaUsed: 2 });
    expect(await store.admit({ buckets: [wide], quota })).toMatchObject({ admitted: false, reason: "quota", quotaUsed: 2 });
    expect(await store.admit({ buckets: [wide] })).toMatchObject({ admitted: true });
    expect(await store.admit({ buckets: [wide] })).toMatchObject({ admitted: false, reason: "throttled", bucket: 0 });
  });

  it("refills on the server's clock: a 20/s bucket emptied is whole again after 60 ms", async () => {
    const b = [bucket("r-refill", 20, 1)];
    expect((await store.admit({ buckets: b })).admitted).toBe(true);
    expect((await store.admit({ buckets: b })).admitted).toBe(false);
    await new Promise((r) => setTimeout(r, 60));
    expect((await store.admit({ buckets: b })).admitted).toBe(true);
  });

  it("the quota counts in the period of the server's clock (whatever the caller's): per-period key, gone at the period end", async () => {
    const quota = { key: "r-day", period: "DAY" as const, limit: 5, offset: 2, deployedAt: await store.now() };
    const { start, end } = periodBounds("DAY", await store.now());
    expect(await store.admit({ buckets: [], quota })).toMatchObject({ admitted: true, quotaUsed: 1 });
    expect(await store.get(`r-day:${start}`)).toBe("1");
    expect(await store.quotaUsage(quota)).toEqual({ used: 1, limit: 3, start, end });
    // Deployed in an earlier period: the full limit.
    expect((await store.quotaUsage({ ...quota, deployedAt: start - 1 })).limit).toBe(5);
    const pttl = await raw.pttl(`unit:r-day:${start}`);
    expect(Math.abs(pttl - (end - (await store.now())))).toBeLessThan(1000);
  });

  it("an admitted request carries the server's instant (µs) its buckets were charged at", async () => {
    const before = (await store.now()) * 1000;
    const result = await store.admit({ buckets: [bucket("r-at", 1, 1)] });
    expect(result.admitted).toBe(true);
    const at = (result as { at: number }).at;
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThan((await store.now()) * 1000 + 1000);
  });

  it("the Lua period arithmetic agrees with periodBounds / quotaLimit (1900–2200, boundaries included)", async () => {
    const lua = `${PERIOD_LUA}
local s, e = period_bounds(ARGV[1], tonumber(ARGV[2]))
return {s, e, period_limit(ARGV[1], 10, 3, tonumber(ARGV[3]), s)}`;
    const instant = fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2200, 0, 1) });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("DAY" as const, "WEEK" as const, "MONTH" as const), instant, instant, fc.boolean(), async (period, ms, deployed, atBoundary) => {
        // Half the runs on the first and last millisecond of a period, where an off-by-one would show.
        const probe = atBoundary ? periodBounds(period, ms).start - (ms % 2) : ms;
        const expected = periodBounds(period, probe);
        const [start, end, limit] = (await raw.eval(lua, 0, period, probe, deployed)) as number[];
        expect({ start, end }).toEqual(expected);
        expect(limit).toBe(quotaLimit({ period, limit: 10, offset: 3 }, expected.start, deployed));
      }),
      { numRuns: 400 },
    );
  });

  it("a check Redis runs after the gateway gave up on it (hung past the command timeout) takes nothing", { timeout: 10_000 }, async () => {
    const quick = new RedisStore(redis.url, { prefix: "unit:", commandTimeoutMs: 100 });
    try {
      expect(await quick.connect()).toBe(true);
      const only = [bucket("r-late", 0, 1)];
      // A first reply tells the store the server's clock (state/server-clock.ts).
      expect((await quick.admit({ buckets: [bucket("r-warm", 1000, 10)] })).admitted).toBe(true);
      redis.pause();
      try {
        await expect(quick.admit({ buckets: only })).rejects.toThrow();
        await new Promise((r) => setTimeout(r, 200));
      } finally {
        redis.resume();
      }
      // Redis now runs the queued call, past its deadline: the bucket's one token is still there.
      await new Promise((r) => setTimeout(r, 200));
      expect(await store.admit({ buckets: only })).toMatchObject({ admitted: true });
    } finally {
      await quick.close();
    }
  });

  it("a reply that arrived while this process was stalled past the command timeout is taken, not failed (its token was spent)", async () => {
    const quick = new RedisStore(redis.url, { prefix: "unit:", commandTimeoutMs: 100 });
    try {
      expect(await quick.connect()).toBe(true);
      const pending = quick.admit({ buckets: [bucket("r-stall", 0, 1)] });
      // The event loop stalls for 3× the timeout (a starved gateway); Redis answers meanwhile.
      const until = Date.now() + 300;
      while (Date.now() < until);
      expect(await pending).toMatchObject({ admitted: true });
    } finally {
      await quick.close();
    }
  });

  it("large buckets stay exact (no exponent notation in the stored units)", async () => {
    const b = [bucket("r-big", 10_000, 5_000)];
    let admitted = 0;
    for (let i = 0; i < 20; i++) if ((await store.admit({ buckets: b })).admitted) admitted++;
    expect(admitted).toBe(20);
  });
});
