import { describe, expect, test } from "vitest";
import { ResponseCache, type CacheScope } from "../../../reference-gateway/cache/response-cache.ts";
import { cacheBudgetBytes, methodCacheSettings } from "../../../reference-gateway/cache/settings.ts";
import { MemoryStore } from "../../../reference-gateway/state/index.ts";
import type { Method, Resource, Stage } from "../../../reference-gateway/model/index.ts";

const scope = (budgetBytes: number, deployment = "d1"): CacheScope => ({ apiId: "api", stage: "s", deployment, budgetBytes });
const body = (n: number) => "x".repeat(n);

describe("ResponseCache", () => {
  test("byte budget with LRU eviction: the least recently used entry goes first", async () => {
    const cache = new ResponseCache(new MemoryStore());
    const s = scope(700);
    for (const k of ["a", "b", "c"]) await cache.set(s, [k], { status: 200, headers: [], body: body(150) }, 60);
    expect(cache.usage(s).entries).toBe(3);
    await cache.get(s, ["a"]); // a is now the most recent; b is the least
    await cache.set(s, ["d"], { status: 200, headers: [], body: body(150) }, 60);
    expect(await cache.get(s, ["b"])).toBeUndefined();
    for (const k of ["a", "c", "d"]) expect(await cache.get(s, [k])).toBeDefined();
    expect(cache.usage(s).bytes).toBeLessThanOrEqual(700);
  });

  test("over 1,048,576 body bytes, or larger than the whole budget: not stored", async () => {
    const cache = new ResponseCache(new MemoryStore());
    expect(await cache.set(scope(10 * 1024 * 1024), ["big"], { status: 200, headers: [], body: Buffer.alloc(1_048_577) }, 60)).toBe(false);
    expect(await cache.set(scope(10 * 1024 * 1024), ["max"], { status: 200, headers: [], body: Buffer.alloc(1_048_576) }, 60)).toBe(true);
    expect(await cache.set(scope(100), ["k"], { status: 200, headers: [], body: body(200) }, 60)).toBe(false);
  });

  test("binary bodies round-trip; TTL from the store's clock; flush and a new deployment empty the stage", async () => {
    const now = { ms: 0 };
    const store = new MemoryStore(() => now.ms);
    const cache = new ResponseCache(store);
    const s = scope(1 << 20);
    await cache.set(s, ["bin", null], { status: 201, headers: [["X", "1"]], body: Buffer.from([0, 255, 1]) }, 5);
    expect(await cache.get(s, ["bin", null])).toEqual({ status: 201, headers: [["X", "1"]], body: Buffer.from([0, 255, 1]) });
    expect(await cache.get(s, ["bin", ""])).toBeUndefined();
    now.ms = 5_000;
    expect(await cache.get(s, ["bin", null])).toBeUndefined();
    await cache.set(s, ["k"], { status: 200, headers: [], body: "v" }, 60);
    expect(await cache.get(scope(1 << 20, "d2"), ["k"])).toBeUndefined();
    await cache.flush(s);
    expect(await cache.get(s, ["k"])).toBeUndefined();
    // A second cache on the same store (another gateway instance) sees the flush too.
    await cache.set(s, ["k"], { status: 200, headers: [], body: "v2" }, 60);
    const other = new ResponseCache(store);
    expect((await other.get(s, ["k"]))?.body).toBe("v2");
    await other.flush(s);
    expect(await cache.get(s, ["k"])).toBeUndefined();
  });
});

describe("method cache settings", () => {
  const resource = { path: "/pets", pathPart: "pets", id: "r", children: [], methods: {} } as unknown as Resource;
  const method = (httpMethod: string) => ({ httpMethod }) as Method;
  const stage = (methodSettings: Stage["methodSettings"], enabled = true): Stage => ({ name: "s", variables: {}, cacheCluster: { enabled, sizeGb: "0.5" }, methodSettings });

  test("*/* applies to GET only; other methods need their own entry; cluster off caches nothing; TTL 0 disables", () => {
    const all = { "*/*": { cachingEnabled: true } };
    expect(methodCacheSettings(stage(all), resource, method("GET"), "GET")).toEqual({ ttlSeconds: 300, requireAuthorizationForCacheControl: true, unauthorizedStrategy: "SUCCEED_WITH_RESPONSE_HEADER" });
    expect(methodCacheSettings(stage(all), resource, method("POST"), "POST")).toBeUndefined();
    expect(methodCacheSettings(stage(all), resource, method("ANY"), "GET")).toBeDefined();
    expect(methodCacheSettings(stage(all), resource, method("ANY"), "PUT")).toBeUndefined();
    expect(methodCacheSettings(stage({ ...all, "/pets/POST": { cachingEnabled: true } }), resource, method("POST"), "POST")?.ttlSeconds).toBe(300);
    expect(methodCacheSettings(stage(all, false), resource, method("GET"), "GET")).toBeUndefined();
    expect(methodCacheSettings(stage({}), resource, method("GET"), "GET")).toBeUndefined();
    expect(methodCacheSettings(stage({ "*/*": { cachingEnabled: true, cacheTtlInSeconds: 0 } }), resource, method("GET"), "GET")).toBeUndefined();
    expect(methodCacheSettings(stage({ "*/*": { cachingEnabled: true, cacheTtlInSeconds: 60 }, "/pets/GET": { cachingEnabled: false } }), resource, method("GET"), "GET")).toBeUndefined();
    expect(methodCacheSettings(stage({ "*/*": { cachingEnabled: true, cacheTtlInSeconds: 60 }, "/pets/GET": { cacheTtlInSeconds: 5 } }), resource, method("GET"), "GET")?.ttlSeconds).toBe(5);
  });

  test("CacheClusterSize GB → bytes (× 1024³)", () => {
    expect(cacheBudgetBytes("0.5")).toBe(536_870_912);
    expect(cacheBudgetBytes("237")).toBe(237 * 1024 ** 3);
  });
});
