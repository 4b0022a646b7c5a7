import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDefinition, startGateway, type MethodSetting, type RunningGateway } from "../../reference-gateway/index.ts";
import { startEchoBackend, type EchoBackend } from "../harness/echo-backend.ts";
import { features } from "../harness/conformance.ts";
import { redisAvailable, startRedis, type RedisServer } from "../harness/redis.ts";
import { signWithAws4, type SigningCredentials } from "../harness/sigv4-clients.ts";
import { header, send } from "../harness/target.ts";

/**
 * The REST response cache in distributed mode (`store: "redis://…"`): two reference gateways on one real
 * redis-server share one stage cache — a response cached through A is a hit on B (and counts in B's CacheHitCount),
 * entries are Redis keys with the method's TTL, an invalidation or a flush through one instance is seen by the other,
 * an LRU eviction deletes the Redis key. The byte budget is per instance on Redis (cache/response-cache.ts says why).
 * Redis killed: every lookup is a miss served by the integration (no 5XX), and caching resumes by itself.
 * Same fixture and credentials as cache.test.ts.
 */
const TEMPLATE = new URL("./fixtures/cache/template.yaml", import.meta.url).pathname;
const CREDENTIALS = new URL("./fixtures/cache/iam-credentials.json", import.meta.url).pathname;
const INVALIDATOR: SigningCredentials = { accessKeyId: "AKIAGATEPROOFINVAL01", secretAccessKey: "invalidator-secret-0123456789abcdefghijklmn" };
const INVALIDATE = { "Cache-Control": "max-age=0" };

interface Instance {
  gateway: RunningGateway;
  base: string;
}

describe.skipIf(!redisAvailable())("REST response cache on Redis: two gateways, one cache", features(["cache"], { referenceOnly: true }), () => {
  let redis: RedisServer;
  let inspect: Redis;
  let backend: EchoBackend;
  const lines: string[] = [];
  const started: RunningGateway[] = [];
  let a: Instance;
  let b: Instance;

  /** A gateway on the shared Redis; the stage's method settings patched as the API/console would (no CloudFormation field). */
  async function start(options: { cacheBudgetBytes?: number } = {}): Promise<Instance> {
    const model = await loadDefinition(TEMPLATE, { parameterOverrides: { BackendUrl: backend.url } });
    const settings = model.restApis[0]!.stages[0]!.methodSettings!;
    const set = (key: string, extra: MethodSetting) => (settings[key] = { ...settings[key], ...extra });
    set("/items/{id}/GET", { unauthorizedCacheControlHeaderStrategy: "FAIL_WITH_403" });
    set("/plain/GET", { unauthorizedCacheControlHeaderStrategy: "SUCCEED_WITHOUT_RESPONSE_HEADER" });
    set("/mock/GET", { requireAuthorizationForCacheControl: false });
    set("/status/GET", { cacheTtlInSeconds: 2 });
    const gateway = await startGateway({ model, port: 0, adminPort: 0, store: redis.url, iamCredentialsFile: CREDENTIALS, log: (line) => lines.push(line), accessLog: () => {}, ...options });
    started.push(gateway);
    return { gateway, base: gateway.urls.find((u) => u.api === "CacheApi")!.url };
  }

  beforeAll(async () => {
    redis = await startRedis();
    inspect = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 100 });
    inspect.on("error", () => {});
    await inspect.connect();
    backend = await startEchoBackend();
    a = await start();
    b = await start();
  });
  afterAll(async () => {
    await Promise.all(started.map((g) => g.close()));
    inspect?.disconnect();
    await backend?.close();
    await redis?.stop();
  });

  /** Sends through one instance; whether the request reached the echo backend. */
  async function call(via: Instance, path: string, headers: Record<string, string> = {}) {
    const before = backend.received.length;
    const response = await send("GET", path, { base: via.base, headers });
    return { response, reached: backend.received.length > before };
  }
  async function signed(via: Instance, path: string, headers: Record<string, string>) {
    const request = signWithAws4({ method: "GET", url: `${via.base}${path}`, headers }, INVALIDATOR);
    const before = backend.received.length;
    const response = await send("GET", request.path, { base: new URL(via.base).origin, headers: request.headers });
    return { response, reached: backend.received.length > before };
  }
  const echoedUrl = (r: { response: { json<T>(): T } }) => r.response.json<{ url: string }>().url;
  const methodMetrics = async (via: Instance, resource: string) => {
    const metrics = (await (await fetch(`${via.gateway.adminUrl}/metrics`)).json()) as { methods: Array<{ dimensions: Record<string, string>; CacheHitCount: number; CacheMissCount: number }> };
    return metrics.methods.find((m) => m.dimensions.Resource === resource && m.dimensions.Method === "GET") ?? { CacheHitCount: 0, CacheMissCount: 0 };
  };
  const entryKeys = async () => (await inspect.keys("gateproof:rcache:*")).filter((k) => !k.endsWith(":gen"));

  it("a response cached through A is a hit on B, and counts in B's CacheHitCount", async () => {
    const missA = await call(a, "/plain?n=1");
    expect(missA.reached).toBe(true);
    const hitB = await call(b, "/plain?n=2");
    expect(hitB.reached).toBe(false);
    expect(hitB.response.status).toBe(200);
    expect(echoedUrl(hitB)).toBe("/plain?n=1");
    expect(await methodMetrics(a, "/plain")).toMatchObject({ CacheHitCount: 0, CacheMissCount: 1 });
    expect(await methodMetrics(b, "/plain")).toMatchObject({ CacheHitCount: 1, CacheMissCount: 0 });
  });

  it("entries are Redis keys with the method's TTL, expired by Redis (TTL 2 s: gone after it, for both instances)", async () => {
    for (const key of await entryKeys()) {
      const pttl = await inspect.pttl(key);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(60_000);
    }
    expect((await call(a, "/status?status=200&n=1")).reached).toBe(true);
    expect((await call(b, "/status?status=200&n=2")).reached).toBe(false);
    const short = (await entryKeys()).filter((k) => k.includes('"/status"'));
    expect(short).toHaveLength(1);
    expect(await inspect.pttl(short[0]!)).toBeLessThanOrEqual(2000);
    await new Promise((r) => setTimeout(r, 2100));
    expect(await inspect.exists(short[0]!)).toBe(0);
    expect((await call(b, "/status?status=200&n=3")).reached).toBe(true);
  });

  describe("Cache-Control: max-age=0 through B, seen by A, under each strategy", features("cache.invalidation"), () => {
    it("SUCCEED_WITH_RESPONSE_HEADER (default): unauthorized is ignored with a Warning; an allowed caller's fresh answer replaces the entry for A", async () => {
      await call(a, "/items?type=inv&n=1");
      const ignored = await call(b, "/items?type=inv&n=2", INVALIDATE);
      expect(ignored.reached).toBe(false);
      expect(header(ignored.response, "warning")).toMatch(/^199 - ".*"$/);
      const fresh = await signed(b, "/items?type=inv&n=3", INVALIDATE);
      expect(fresh.reached).toBe(true);
      expect(header(fresh.response, "warning")).toBeUndefined();
      const next = await call(a, "/items?type=inv&n=4");
      expect(next.reached).toBe(false);
      expect(echoedUrl(next)).toBe("/items?type=inv&n=3");
    });

    it("FAIL_WITH_403: unauthorized is refused with 403 before the integration; the entry stays for A", async () => {
      await call(a, "/items/403");
      const refused = await call(b, "/items/403", INVALIDATE);
      expect(refused.response.status).toBe(403);
      expect(refused.reached).toBe(false);
      expect((await call(a, "/items/403")).reached).toBe(false);
      expect((await signed(b, "/items/403", INVALIDATE)).reached).toBe(true);
    });

    it("SUCCEED_WITHOUT_RESPONSE_HEADER: ignored, nothing added; the entry stays", async () => {
      const ignored = await call(b, "/plain?n=5", INVALIDATE);
      expect(ignored.reached).toBe(false);
      expect(header(ignored.response, "warning")).toBeUndefined();
      expect(echoedUrl(ignored)).toBe("/plain?n=1");
    });

    it("authorization not required: anyone's invalidation through B replaces the entry A serves", async () => {
      const first = await call(a, "/mock");
      const fresh = await call(b, "/mock", INVALIDATE);
      expect(fresh.response.json()).not.toEqual(first.response.json());
      expect((await call(a, "/mock")).response.json()).toEqual(fresh.response.json());
    });
  });

  it("FlushStageCache on A's admin endpoint empties the stage for B too (202), and B's byte accounting with it", async () => {
    const usage = async (via: Instance) => (await (await fetch(`${via.gateway.adminUrl}/restapis/CacheApi/stages/cached/cache`)).json()) as { entries: number; bytes: number };
    await call(a, "/items/flush-me");
    expect((await call(b, "/items/flush-me")).reached).toBe(false);
    expect((await usage(b)).entries).toBeGreaterThan(0);
    const flushed = await fetch(`${a.gateway.adminUrl}/restapis/CacheApi/stages/cached/cache/data`, { method: "DELETE" });
    expect(flushed.status).toBe(202);
    expect((await call(b, "/items/flush-me")).reached).toBe(true);
    expect(await usage(b)).toMatchObject({ entries: 1 });
    expect((await call(a, "/items/flush-me")).reached).toBe(false);
  });

  it("byte budget: an instance's LRU eviction deletes the Redis key (B misses it); each instance budgets what it touched", async () => {
    // Budget for two /items/{id} entries of this size (ids of one length: entries of one size, ± a few bytes).
    await call(a, "/items/90");
    const usage = (await (await fetch(`${a.gateway.adminUrl}/restapis/CacheApi/stages/cached/cache`)).json()) as { entries: number; bytes: number };
    const one = usage.bytes / usage.entries;
    const small = await start({ cacheBudgetBytes: Math.floor(one * 2.5) });
    for (const id of ["91", "92", "93"]) expect((await call(small, `/items/${id}`)).reached).toBe(true);
    const after = (await (await fetch(`${small.gateway.adminUrl}/restapis/CacheApi/stages/cached/cache`)).json()) as { entries: number; bytes: number; budgetBytes: number };
    expect(after.entries).toBe(2);
    expect(after.bytes).toBeLessThanOrEqual(Math.floor(one * 2.5));
    expect((await entryKeys()).some((k) => k.includes('"/items/{id}","91"'))).toBe(false);
    expect((await entryKeys()).some((k) => k.includes('"/items/{id}","93"'))).toBe(true);
    expect((await call(b, "/items/91")).reached).toBe(true);
    expect((await call(b, "/items/92")).reached).toBe(false);
    expect((await call(b, "/items/93")).reached).toBe(false);
  });

  it("Redis killed: every lookup is a miss answered by the integration (no 5XX), logged once; back: cached again by itself", { timeout: 20_000 }, async () => {
    await call(a, "/items/down");
    expect((await call(b, "/items/down")).reached).toBe(false);
    await redis.kill();
    for (let i = 0; i < 3; i++) {
      const during = await call(b, "/items/down");
      expect(during.response.status).toBe(200);
      expect(during.reached).toBe(true);
    }
    // Only B served during the outage: one line.
    expect(lines.filter((l) => l.startsWith("cache: the store failed"))).toHaveLength(1);
    const flush = await fetch(`${a.gateway.adminUrl}/restapis/CacheApi/stages/cached/cache/data`, { method: "DELETE" });
    expect(flush.status).toBe(503);
    await redis.restart();
    // ioredis reconnects on its own (≤ 500 ms between attempts); the restarted Redis is empty.
    const until = Date.now() + 10_000;
    let cachedAgain = false;
    while (Date.now() < until && !cachedAgain) {
      await call(a, "/items/back");
      cachedAgain = !(await call(b, "/items/back")).reached;
      if (!cachedAgain) await new Promise((r) => setTimeout(r, 100));
    }
    expect(cachedAgain).toBe(true);
    expect(lines.some((l) => l === "cache: the store answers again; responses are cached")).toBe(true);
  });
});
