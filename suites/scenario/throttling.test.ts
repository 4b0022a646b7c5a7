import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { features } from "../harness/conformance.ts";
import { startEchoBackend, type EchoBackend } from "../harness/echo-backend.ts";
import { redisAvailable, startRedis, type RedisServer } from "../harness/redis.ts";
import { RedisStore } from "../../reference-gateway/state/index.ts";
import { header, isReference, send, type TargetResponse } from "../harness/target.ts";

/**
 * Throttling and usage-plan quotas (spec §3; api-gateway-request-throttling.md, api-gateway-api-usage-plans.md).
 * Facts pinned here:
 *  - token bucket: starts full at burst, refills continuously at rate, one token per request (spec §3.1);
 *  - over a limit: 429 `{"message":"Too Many Requests"}`, `x-amzn-ErrorType: TooManyRequestsException` (THROTTLED,
 *    spec §2, §2.2 [LS], §2.3 [KC]/[OBS]); over the quota: 429 `{"message":"Limit Exceeded"}`,
 *    `LimitExceededException` (QUOTA_EXCEEDED, spec §2.3 [KC] api-gateway-429-limit);
 *  - stage limits apply per method ("Per-API, per-stage throttling limits are applied at the API method level");
 *    a method's own setting overrides `*\/*`; −1 disables (spec §3.1); usage-plan throttles and quotas are per key;
 *  - a refused request never reaches the integration.
 * Exact counts run against the reference on an injected clock; the statistical test runs against any target.
 */

const expectThrottled = (response: TargetResponse) => {
  expect(response.status).toBe(429);
  expect(response.text).toBe('{"message":"Too Many Requests"}');
  expect(header(response, "x-amzn-errortype")).toBe("TooManyRequestsException");
};
const expectQuota = (response: TargetResponse) => {
  expect(response.status).toBe(429);
  expect(response.text).toBe('{"message":"Limit Exceeded"}');
  expect(header(response, "x-amzn-errortype")).toBe("LimitExceededException");
};

describe("throttling on the conformance fixture (any target; statistical)", features("throttle.method"), () => {
  /*
   * /throttled: rate 5, burst 5. Sending N = 30 requests evenly over T = 1.5 s (20/s, 4× the rate), a token bucket
   * admits A = burst + rate·T = 12.5 (the bucket starts full; an earlier run may have left it partly empty, down to A − 5).
   * Tolerances: on the reference |admitted − A| ≤ 3 (timer jitter on a busy machine); on a deployment, whose
   * throttling is "best-effort … targets, not guaranteed ceilings", at least one 429, at least A − burst admitted
   * and at most 2·A + 2.
   */
  it("30 requests at 4× the rate: the 429 share matches the bucket", { timeout: 15_000 }, async () => {
    const n = 30;
    const intervalMs = 50;
    const burst = 5;
    const rate = 5;
    const pending: Array<Promise<TargetResponse>> = [];
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      const due = started + i * intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      pending.push(send("GET", "/throttled"));
    }
    // The span the requests were actually sent over: on a busy machine the last ones may leave later than planned,
    // and the bucket refills for as long as they take.
    const elapsed = (performance.now() - started) / 1000;
    const responses = await Promise.all(pending);
    const expected = burst + rate * elapsed;
    const admitted = responses.filter((r) => r.status === 200).length;
    for (const r of responses) if (r.status !== 200) expectThrottled(r);
    expect(responses.some((r) => r.status === 429)).toBe(true);
    if (isReference()) {
      expect(admitted).toBeGreaterThanOrEqual(Math.floor(expected) - 3);
      expect(admitted).toBeLessThanOrEqual(Math.ceil(expected) + 3);
    } else {
      expect(admitted).toBeGreaterThanOrEqual(Math.floor(expected - burst));
      expect(admitted).toBeLessThanOrEqual(2 * expected + 2);
    }
  });
});

const TEMPLATE = new URL("./fixtures/throttling/template.yaml", import.meta.url).pathname;
const KEY_A = "gateproofThrottleKeyA0123456789";
const KEY_B = "gateproofThrottleKeyB0123456789";
const KEY_Q = "gateproofQuotaKeyQ0123456789";
const KEY_R = "gateproofQuotaKeyR0123456789";

/** Sends `n` requests one after another; the statuses. */
async function statuses(base: string, method: string, path: string, n: number, headers: Record<string, string> = {}): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await send(method, path, { base, headers })).status);
  return out;
}

describe("exact counts on an injected clock (second reference gateway)", features(["throttle.stage"], { referenceOnly: true }), () => {
  let gateway: RunningGateway;
  let backend: EchoBackend;
  let base: string;
  const accessLines: string[] = [];
  let now = Date.parse("2026-03-10T15:00:00Z");
  const tick = (ms: number) => void (now += ms);

  beforeAll(async () => {
    backend = await startEchoBackend();
    gateway = await startGateway({ template: TEMPLATE, port: 0, parameterOverrides: { BackendUrl: backend.url }, clock: () => now, adminPort: 0, log: () => {}, accessLog: (line) => accessLines.push(line) });
    base = gateway.urls[0]!.url;
  });
  afterAll(async () => {
    await gateway?.close();
    await backend?.close();
  });

  it("stage default */* (rate 2, burst 3): 3 pass, the 4th is THROTTLED and never reaches the backend; one token per 500 ms", async () => {
    const before = backend.received.length;
    expect(await statuses(base, "GET", "/slow", 3)).toEqual([200, 200, 200]);
    expectThrottled(await send("GET", "/slow", { base }));
    expect(backend.received.length - before).toBe(3);
    tick(499);
    expect(await statuses(base, "GET", "/slow", 1)).toEqual([429]);
    tick(1);
    expect(await statuses(base, "GET", "/slow", 2)).toEqual([200, 429]);
    tick(10_000); // refills to burst, never beyond
    expect(await statuses(base, "GET", "/slow", 4)).toEqual([200, 200, 200, 429]);
    expect(backend.received.length - before).toBe(7);
  });

  it("$context.gateproof.throttleCheckedAt (access log): the instant the store checked the buckets, µs on its clock, admitted or refused", features("observe.access-log"), async () => {
    tick(10_000);
    accessLines.length = 0;
    expect(await statuses(base, "GET", "/slow", 3)).toEqual([200, 200, 200]);
    tick(1);
    expect(await statuses(base, "GET", "/slow", 1)).toEqual([429]);
    expect(await statuses(base, "GET", "/nowhere", 1)).toEqual([403]); // refused before the throttle step
    const at = (ms: number) => String(ms * 1000);
    expect(accessLines.map((line) => JSON.parse(line))).toEqual([
      ...Array(3).fill({ status: "200", checkedAt: at(now - 1) }),
      { status: "429", checkedAt: at(now) },
      { status: "403", checkedAt: "-" },
    ]);
  });

  it("stage limits apply per method: POST /slow has its own bucket", async () => {
    tick(10_000);
    expect(await statuses(base, "GET", "/slow", 4)).toEqual([200, 200, 200, 429]);
    expect(await statuses(base, "POST", "/slow", 4)).toEqual([200, 200, 200, 429]);
  });

  it("a method's own setting overrides */* (/fast: burst 10)", features("throttle.method"), async () => {
    expect(await statuses(base, "GET", "/fast", 11)).toEqual([...Array(10).fill(200), 429]);
    tick(10); // rate 100: one token per 10 ms
    expect(await statuses(base, "GET", "/fast", 2)).toEqual([200, 429]);
  });

  it("-1 turns the stage level off (/off: 40 in a row pass); rate 0 never refills (/frozen: burst 2, then none a day later)", features("throttle.method"), async () => {
    expect(await statuses(base, "GET", "/off", 40)).toEqual(Array(40).fill(200));
    expect(await statuses(base, "GET", "/frozen", 3)).toEqual([200, 200, 429]);
    tick(86_400_000);
    expect(await statuses(base, "GET", "/frozen", 1)).toEqual([429]);
  });

  it("usage plan throttle per API key (rate 1, burst 2): key A runs dry, key B does not; A gets a token a second", features("throttle.usage-plan"), async () => {
    tick(10_000);
    expect(await statuses(base, "GET", "/keyed", 3, { "x-api-key": KEY_A })).toEqual([200, 200, 429]);
    expectThrottled(await send("GET", "/keyed", { base, headers: { "x-api-key": KEY_A } }));
    expect(await statuses(base, "GET", "/keyed", 2, { "x-api-key": KEY_B })).toEqual([200, 200]);
    tick(1000);
    expect(await statuses(base, "GET", "/keyed", 2, { "x-api-key": KEY_A })).toEqual([200, 429]);
  });

  it("per-method throttle inside the plan (/keyed/narrow: rate 0.5, burst 1), on top of the plan's own", features("throttle.usage-plan"), async () => {
    tick(10_000);
    expect(await statuses(base, "GET", "/keyed/narrow", 2, { "x-api-key": KEY_B })).toEqual([200, 429]);
    // The plan bucket of key B still has a token: /keyed passes.
    expect(await statuses(base, "GET", "/keyed", 1, { "x-api-key": KEY_B })).toEqual([200]);
    tick(1999);
    expect(await statuses(base, "GET", "/keyed/narrow", 1, { "x-api-key": KEY_B })).toEqual([429]);
    tick(1);
    expect(await statuses(base, "GET", "/keyed/narrow", 1, { "x-api-key": KEY_B })).toEqual([200]);
  });

  it("a plan's key sent to a method without apiKeyRequired counts against neither the plan's throttle nor its quota", features("throttle.usage-plan", "quota"), async () => {
    // AWS REST execution logs for such a request, between the authorizer and "Starting execution" (a CloudWatch export
    // of API oo8kadh853 kept as a log-parser fixture in a public repository, 2017): "API Key  authorized because method
    // 'ANY /{resource+}' does not require API Key. Request will not contribute to throttle or quota limits".
    tick(10_000);
    expect(await statuses(base, "GET", "/fast", 5, { "x-api-key": KEY_A })).toEqual(Array(5).fill(200));
    // Key A's plan bucket (burst 2) is still full.
    expect(await statuses(base, "GET", "/keyed", 3, { "x-api-key": KEY_A })).toEqual([200, 200, 429]);
    const used = async () => ((await (await fetch(`${gateway.adminUrl}/usage/QuotaPlan?keyId=KeyR`)).json()) as { items: Record<string, Array<[number, number]>> }).items;
    const before = await used();
    tick(10_000);
    expect(await statuses(base, "GET", "/fast", 3, { "x-api-key": KEY_R })).toEqual([200, 200, 200]);
    expect(await used()).toEqual(before);
  });

  it("quota per key and day, offset taken off the initial day: 2 then Limit Exceeded (never reaching the backend); 3 the next UTC day; GetUsage-like admin view", features("quota"), async () => {
    now = Date.parse("2026-03-10T20:00:00Z"); // the deployment day (the gateway started at 15:00 UTC)
    const before = backend.received.length;
    expect(await statuses(base, "GET", "/counted", 2, { "x-api-key": KEY_Q })).toEqual([200, 200]);
    expectQuota(await send("GET", "/counted", { base, headers: { "x-api-key": KEY_Q } }));
    expectQuota(await send("GET", "/keyed", { base, headers: { "x-api-key": KEY_Q } }));
    expect(backend.received.length - before).toBe(2);
    expect(await statuses(base, "GET", "/counted", 1, { "x-api-key": KEY_R })).toEqual([200]);
    const usage = (await (await fetch(`${gateway.adminUrl}/usage/QuotaPlan`)).json()) as { startDate: string; endDate: string; items: Record<string, Array<[number, number]>> };
    const id = (logicalId: string) => gateway.model.apiKeys.find((k) => k.logicalId === logicalId)!.id;
    expect(usage.startDate).toBe("2026-03-10");
    expect(usage.endDate).toBe("2026-03-10");
    expect(usage.items).toEqual({ [id("KeyQ")]: [[2, 0]], [id("KeyR")]: [[1, 1]] });
    now = Date.parse("2026-03-11T00:00:00Z"); // the next period: the full limit
    expect(await statuses(base, "GET", "/counted", 4, { "x-api-key": KEY_Q })).toEqual([200, 200, 200, 429]);
  });

  it("the account level applies to every API and method (accountThrottle rate 1, burst 2)", features("throttle.account"), async () => {
    const second = await startGateway({ template: TEMPLATE, port: 0, parameterOverrides: { BackendUrl: backend.url }, clock: () => now, accountThrottle: { rateLimit: 1, burstLimit: 2 }, log: () => {}, accessLog: () => {} });
    try {
      const b = second.urls[0]!.url;
      expect(await statuses(b, "GET", "/fast", 1)).toEqual([200]);
      expect(await statuses(b, "GET", "/off", 2)).toEqual([200, 429]);
      now += 1000;
      expect(await statuses(b, "GET", "/off", 2)).toEqual([200, 429]);
    } finally {
      await second.close();
    }
  });
});

describe.skipIf(!redisAvailable())("distributed mode: two gateways on one Redis (second reference gateways)", features(["throttle.stage", "quota"], { referenceOnly: true }), () => {
  let redis: RedisServer;
  let backend: EchoBackend;
  const lines: string[] = [];
  let one: RunningGateway;
  let two: RunningGateway;
  let closed: RunningGateway;
  const start = (extra: Parameters<typeof startGateway>[0] = {}) =>
    startGateway({ template: TEMPLATE, port: 0, parameterOverrides: { BackendUrl: backend.url }, store: redis.url, adminPort: 0, log: (line) => lines.push(line), accessLog: () => {}, ...extra });

  beforeAll(async () => {
    redis = await startRedis();
    backend = await startEchoBackend();
    one = await start();
    two = await start();
    closed = await start({ throttleFailMode: "closed" });
  });
  afterAll(async () => {
    await Promise.all([one?.close(), two?.close(), closed?.close()]);
    await backend?.close();
    await redis?.stop();
  });

  it("one combined limit: /frozen (burst 2, no refill) admits 2 across both instances; the quota (2 in the initial day) is shared too", async () => {
    const [a, b] = [one.urls[0]!.url, two.urls[0]!.url];
    const results = [...(await statuses(a, "GET", "/frozen", 2)), ...(await statuses(b, "GET", "/frozen", 2)), ...(await statuses(a, "GET", "/frozen", 1))];
    expect(results.filter((s) => s === 200)).toHaveLength(2);
    const quota = [...(await statuses(a, "GET", "/counted", 1, { "x-api-key": KEY_Q })), ...(await statuses(b, "GET", "/counted", 2, { "x-api-key": KEY_Q }))];
    expect(quota).toEqual([200, 200, 429]);
  });

  it("two instances at 5× a 2/s limit for 1 s admit burst + rate·t ± 2 in total", async () => {
    // /slow GET: rate 2, burst 3 → over ~1 s, 3 + 2 = 5 admitted out of 20.
    const [a, b] = [one.urls[0]!.url, two.urls[0]!.url];
    const pending: Array<Promise<TargetResponse>> = [];
    const started = performance.now();
    for (let i = 0; i < 20; i++) {
      const wait = started + i * 50 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      pending.push(send("GET", "/slow", { base: i % 2 ? a : b }));
    }
    const admitted = (await Promise.all(pending)).filter((r) => r.status === 200).length;
    const expected = 3 + 2 * ((19 * 50) / 1000);
    expect(Math.abs(admitted - expected)).toBeLessThanOrEqual(2);
  });

  it("quota periods on the Redis server's clock: instances 3 days apart on their own clocks count into one period and report it alike", async () => {
    const day = 86_400_000;
    const behind = await start({ clock: () => Date.now() - 3 * day, adminPort: 0 });
    const ahead = await start({ clock: () => Date.now() + 3 * day, adminPort: 0 });
    try {
      // KeyR: limit 3, offset 1 in the deployment day (both deployed today on Redis's clock) → 2 today, shared.
      const counted = (g: RunningGateway) => statuses(g.urls[0]!.url, "GET", "/counted", 1, { "x-api-key": KEY_R });
      expect([...(await counted(behind)), ...(await counted(ahead)), ...(await counted(behind)), ...(await counted(ahead))]).toEqual([200, 200, 429, 429]);
      const today = new Date().toISOString().slice(0, 10);
      const keyR = behind.model.apiKeys.find((k) => k.logicalId === "KeyR")!.id;
      for (const g of [behind, ahead]) {
        const usage = (await (await fetch(`${g.adminUrl}/usage/QuotaPlan?keyId=KeyR`)).json()) as { startDate: string; endDate: string; quota: { limitThisPeriod: number }; items: Record<string, unknown> };
        expect(usage).toMatchObject({ startDate: today, endDate: today, quota: { limitThisPeriod: 2 }, items: { [keyR]: [[2, 0]] } });
      }
    } finally {
      await Promise.all([behind.close(), ahead.close()]);
    }
  });

  it("the plan's deployment instant is on the store: a gateway started in a later period than the first one does not take the offset again", async () => {
    // As if the first gateway with QuotaPlan had started on Redis two days ago (the marker it writes at start).
    const planId = one.model.usagePlans.find((p) => p.logicalId === "QuotaPlan")!.id;
    const writer = new RedisStore(redis.url);
    try {
      expect(await writer.connect()).toBe(true);
      await writer.set(`quota:deployed:${planId}`, String((await writer.now()) - 2 * 86_400_000), 60_000);
      const later = await start();
      try {
        // KeyR has used 2 today; today is not the initial period for this gateway: the full limit of 3.
        expect(await statuses(later.urls[0]!.url, "GET", "/counted", 2, { "x-api-key": KEY_R })).toEqual([200, 429]);
        const usage = (await (await fetch(`${later.adminUrl}/usage/QuotaPlan?keyId=KeyR`)).json()) as { quota: { limitThisPeriod: number } };
        expect(usage.quota.limitThisPeriod).toBe(3);
      } finally {
        await later.close();
      }
    } finally {
      await writer.close();
    }
  });

  it("Redis killed: fail mode open keeps serving (logged once), closed answers 429; Redis back: enforced again, by itself", { timeout: 15_000 }, async () => {
    const a = one.urls[0]!.url;
    const c = closed.urls[0]!.url;
    const quotaR = { "x-api-key": KEY_R };
    expect(await statuses(a, "GET", "/frozen", 1)).toEqual([429]);
    expect(await statuses(a, "GET", "/counted", 1, quotaR)).toEqual([429]); // KeyR's 2 for today are used
    await redis.kill();
    expect(await statuses(a, "GET", "/frozen", 3)).toEqual([200, 200, 200]);
    expect(await statuses(a, "GET", "/counted", 2, quotaR)).toEqual([200, 200]); // open: served, uncounted
    expectThrottled(await send("GET", "/frozen", { base: c }));
    expectThrottled(await send("GET", "/counted", { base: c, headers: quotaR }));
    expect((await fetch(`${one.adminUrl}/usage/QuotaPlan`)).status).toBe(503); // the counters are in Redis
    expect(lines.filter((l) => l.includes("fail mode open: serving requests unthrottled"))).toHaveLength(1);
    expect(lines.some((l) => l.includes("fail mode closed: refusing requests with 429"))).toBe(true);
    await redis.restart();
    // ioredis reconnects on its own (≤ 500 ms between attempts); the restarted Redis is empty: /frozen is full again.
    const until = Date.now() + 8000;
    while (Date.now() < until && !lines.some((l) => l.includes("the store answers again"))) {
      await send("GET", "/off", { base: a });
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(lines.some((l) => l.includes("the store answers again"))).toBe(true);
    // The restarted Redis is empty: buckets full, today's counts from 0 — enforced again, nothing left stuck.
    expect(await statuses(a, "GET", "/frozen", 3)).toEqual([200, 200, 429]);
    expect(await statuses(a, "GET", "/counted", 3, quotaR)).toEqual([200, 200, 429]);
    expectQuota(await send("GET", "/counted", { base: c, headers: quotaR }));
    const keyR = one.model.apiKeys.find((k) => k.logicalId === "KeyR")!.id;
    expect(await (await fetch(`${one.adminUrl}/usage/QuotaPlan?keyId=KeyR`)).json()).toMatchObject({ items: { [keyR]: [[2, 0]] } });
  });

  it("Redis hung (SIGSTOP): calls time out (250 ms) into the fail mode; resumed: the same buckets and counters, enforced by themselves", { timeout: 20_000 }, async () => {
    const a = one.urls[0]!.url;
    const c = closed.urls[0]!.url;
    const quotaQ = { "x-api-key": KEY_Q };
    // Before: /frozen empty (rate 0), KeyQ with 1 of today's 2 used.
    expect(await statuses(a, "GET", "/frozen", 1)).toEqual([429]);
    expect(await statuses(a, "GET", "/counted", 1, quotaQ)).toEqual([200]);
    const before = lines.length;
    redis.pause();
    try {
      const started = performance.now();
      expect(await statuses(a, "GET", "/frozen", 1)).toEqual([200]);
      expect(performance.now() - started).toBeGreaterThanOrEqual(200);
      expectThrottled(await send("GET", "/frozen", { base: c }));
    } finally {
      redis.resume();
    }
    expect(lines.slice(before).some((l) => l.includes("fail mode open: serving requests unthrottled"))).toBe(true);
    const until = Date.now() + 8000;
    let frozen: number[] = [];
    while (Date.now() < until) {
      frozen = await statuses(a, "GET", "/frozen", 1);
      if (lines.slice(before).some((l) => l.includes("the store answers again"))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // The data survived the hang: /frozen is still empty (not reset, not stuck open), KeyQ's count goes on from 1.
    // (Calls that timed out during a hang still run when Redis wakes; here none counted against KeyQ.)
    expect(frozen).toEqual([429]);
    expect(await statuses(a, "GET", "/counted", 2, quotaQ)).toEqual([200, 429]);
    expect(await statuses(a, "GET", "/fast", 1)).toEqual([200]);
  });
});
