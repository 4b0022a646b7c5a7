import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDefinition, startGateway, type GatewayModel, type MethodSetting, type RunningGateway } from "../../reference-gateway/index.ts";
import { MemoryStore } from "../../reference-gateway/state/index.ts";
import { startEchoBackend, type EchoBackend } from "../harness/echo-backend.ts";
import { features } from "../harness/conformance.ts";
import { signWithAws4, type SigningCredentials } from "../harness/sigv4-clients.ts";
import { header, send, type TargetResponse } from "../harness/target.ts";

/**
 * REST response caching (spec §4; api-gateway-caching.md) against a second reference gateway with the cache fixture:
 * hits skip the integration (the echo backend counts what reaches it), TTL with an injected store clock, cache key
 * parameters, non-GET methods, the 1 MiB limit, invalidation under each strategy, FlushStageCache on the admin
 * endpoint, and the metrics and access log lines a known request sequence leaves.
 */
const TEMPLATE = new URL("./fixtures/cache/template.yaml", import.meta.url).pathname;
const CREDENTIALS = new URL("./fixtures/cache/iam-credentials.json", import.meta.url).pathname;
const INVALIDATOR: SigningCredentials = { accessKeyId: "AKIAGATEPROOFINVAL01", secretAccessKey: "invalidator-secret-0123456789abcdefghijklmn" };
const PLAIN: SigningCredentials = { accessKeyId: "AKIAGATEPROOFPLAIN01", secretAccessKey: "plain-secret-0123456789abcdefghijklmnopqrst" };
const DENIED: SigningCredentials = { accessKeyId: "AKIAGATEPROOFDENIED1", secretAccessKey: "denied-secret-0123456789abcdefghijklmnopqr" };

interface Harness {
  gateway: RunningGateway;
  base: string;
  lines: string[];
  now: { ms: number };
}

async function start(backend: EchoBackend, patch?: (model: GatewayModel) => void): Promise<Harness> {
  const model = await loadDefinition(TEMPLATE, { parameterOverrides: { BackendUrl: backend.url } });
  patch?.(model);
  const now = { ms: Date.now() };
  const lines: string[] = [];
  const gateway = await startGateway({ model, port: 0, adminPort: 0, log: () => {}, store: new MemoryStore(() => now.ms), iamCredentialsFile: CREDENTIALS, accessLog: (line) => lines.push(line) });
  return { gateway, base: gateway.urls.find((u) => u.api === "CacheApi")!.url, lines, now };
}

/** Sends and reports whether the request reached the echo backend. */
async function call(h: Harness, backend: EchoBackend, method: string, path: string, options: { headers?: Record<string, string>; body?: string } = {}) {
  const before = backend.received.length;
  const response = await send(method, path, { base: h.base, ...options });
  return { response, reached: backend.received.length > before };
}

async function signed(h: Harness, backend: EchoBackend, path: string, credentials: SigningCredentials, headers: Record<string, string> = {}) {
  const request = signWithAws4({ method: "GET", url: `${h.base}${path}`, headers }, credentials);
  const before = backend.received.length;
  const response = await send("GET", request.path, { base: new URL(h.base).origin, headers: request.headers });
  return { response, reached: backend.received.length > before };
}

const echoedUrl = (response: TargetResponse) => response.json<{ url: string }>().url;
const INVALIDATE = { "Cache-Control": "max-age=0" };

describe("REST response cache (second reference gateway)", features(["cache"], { referenceOnly: true }), () => {
  let backend: EchoBackend;
  let h: Harness;

  beforeAll(async () => {
    backend = await startEchoBackend();
    h = await start(backend);
  });
  afterAll(async () => {
    await h?.gateway.close();
    await backend?.close();
  });

  it("a GET is served from the cache within its TTL without reaching the integration, and fetched again after it", async () => {
    const first = await call(h, backend, "GET", "/plain");
    expect(first.response.status).toBe(200);
    expect(first.reached).toBe(true);
    const second = await call(h, backend, "GET", "/plain");
    expect(second.reached).toBe(false);
    expect(second.response.text).toBe(first.response.text);
    // A hit still gets its own request id.
    expect(header(second.response, "x-amzn-RequestId")).not.toBe(header(first.response, "x-amzn-RequestId"));
    h.now.ms += 59_000;
    expect((await call(h, backend, "GET", "/plain")).reached).toBe(false);
    h.now.ms += 2_000; // 61 s after the store: past the 60 s TTL
    expect((await call(h, backend, "GET", "/plain")).reached).toBe(true);
    expect((await call(h, backend, "GET", "/plain")).reached).toBe(false);
  });

  it("a MOCK answer is cached too: a hit repeats the first request's $context.requestId", async () => {
    const first = await call(h, backend, "GET", "/mock");
    const second = await call(h, backend, "GET", "/mock");
    expect(second.response.json()).toEqual(first.response.json());
    expect(first.response.json<{ requestId: string }>().requestId).toBe(header(first.response, "x-amzn-RequestId"));
  });

  it("declared cache key parameters split the cache; others do not (the docs' type/department example)", async () => {
    const a = await call(h, backend, "GET", "/items?type=admin&department=A");
    expect(a.reached).toBe(true);
    const b = await call(h, backend, "GET", "/items?type=admin&department=B");
    expect(b.reached).toBe(false);
    expect(echoedUrl(b.response)).toBe("/items?type=admin&department=A");
    const c = await call(h, backend, "GET", "/items?type=user&department=A");
    expect(c.reached).toBe(true);
    // Absent and empty are different keys.
    expect((await call(h, backend, "GET", "/items")).reached).toBe(true);
    expect((await call(h, backend, "GET", "/items?type=")).reached).toBe(true);
    expect((await call(h, backend, "GET", "/items?department=Z")).reached).toBe(false);
  });

  it("path and header key parameters split the cache; header name casing does not matter", async () => {
    expect((await call(h, backend, "GET", "/items/1")).reached).toBe(true);
    expect((await call(h, backend, "GET", "/items/2")).reached).toBe(true);
    expect((await call(h, backend, "GET", "/items/1")).reached).toBe(false);
    expect((await call(h, backend, "GET", "/items/1", { headers: { "X-Tenant": "t1" } })).reached).toBe(true);
    expect((await call(h, backend, "GET", "/items/1", { headers: { "x-tenant": "t1" } })).reached).toBe(false);
    expect((await call(h, backend, "GET", "/items/1", { headers: { "X-Tenant": "t2" } })).reached).toBe(true);
    // An undeclared header does not split it.
    expect((await call(h, backend, "GET", "/items/1", { headers: { "X-Other": "x" } })).reached).toBe(false);
  });

  it("a path parameter that is not a declared cache key does not split the cache: /shared/2 gets /shared/1's answer", async () => {
    // theburningmonk.com/2016/04/serverless-enable-caching-on-query-string-parameters-in-api-gateway ("Sadly, the same
    // applied to request path parameters too": without a cache key, different path values got the same cached
    // response); AWS's Integration.cacheKeyParameters is the only way to split it (api-gateway-caching.md).
    const answers = [await call(h, backend, "GET", "/shared/1"), await call(h, backend, "GET", "/shared/2")];
    expect(answers.map((answer) => answer.reached)).toEqual([true, false]);
    expect(answers.map((answer) => echoedUrl(answer.response))).toEqual(["/shared/1", "/shared/1"]);
  });

  it("authorization is not part of the key: another IAM caller gets the first caller's cached answer", async () => {
    const alice = await signed(h, backend, "/iam", PLAIN);
    expect(alice.response.status).toBe(200);
    expect(alice.reached).toBe(true);
    const other = await signed(h, backend, "/iam", INVALIDATOR);
    expect(other.response.status).toBe(200);
    expect(other.reached).toBe(false);
    // Authorization still runs on a hit: an unsigned request is refused, not served from the cache.
    expect((await call(h, backend, "GET", "/iam")).response.status).toBe(403);
  });

  it("non-GET methods are cached only when enabled for them; caching off or TTL 0 never caches", async () => {
    expect((await call(h, backend, "POST", "/plain", { body: "{}" })).reached).toBe(true);
    expect((await call(h, backend, "POST", "/plain", { body: "{}" })).reached).toBe(true);
    expect((await call(h, backend, "POST", "/post-cached", { body: "{}" })).reached).toBe(true);
    expect((await call(h, backend, "POST", "/post-cached", { body: "{}" })).reached).toBe(false);
    for (const path of ["/nocache", "/ttl0"]) {
      expect((await call(h, backend, "GET", path)).reached).toBe(true);
      expect((await call(h, backend, "GET", path)).reached).toBe(true);
    }
  });

  it("a response over 1,048,576 bytes is not cached; a small one on the same method is", async () => {
    const big = "x".repeat(1_100_000);
    const first = await call(h, backend, "POST", "/big", { body: big });
    expect(first.response.text.length).toBeGreaterThan(1_048_576);
    expect((await call(h, backend, "POST", "/big", { body: big })).reached).toBe(true);
    expect((await call(h, backend, "POST", "/big", { body: "small" })).reached).toBe(true);
    // The body is not in the key: the cached small answer now serves the big request too.
    const after = await call(h, backend, "POST", "/big", { body: big });
    expect(after.reached).toBe(false);
    expect(after.response.json<{ body: string }>().body).toBe("small");
  });

  it("the integration's own Cache-Control does not keep its answer out of the stage cache", async () => {
    // AWS on re:Post, "Does API Gateway honor cache control headers from integration responses?"
    // (repost.aws/questions/QUDxOW-WXVQV-7rhfpG-cbqQ): "API Gateway doesn't honor integration response cache
    // (cache-control headers) from integration responses, headers are meant for clients and not for API Gateway."
    const refusing = await startEchoBackend(0, { responseHeaders: { "Cache-Control": "no-store, no-cache, max-age=0" } });
    const own = await start(refusing);
    try {
      const first = await call(own, refusing, "GET", "/plain");
      expect(first.reached).toBe(true);
      expect(header(first.response, "cache-control")).toBe("no-store, no-cache, max-age=0");
      const second = await call(own, refusing, "GET", "/plain");
      expect(second.reached).toBe(false);
      expect(second.response.text).toBe(first.response.text);
      expect(header(second.response, "cache-control")).toBe("no-store, no-cache, max-age=0");
    } finally {
      await own.gateway.close();
      await refusing.close();
    }
  });

  it("the endpoint's answer is cached whatever its status (a backend 429 is served until the TTL ends)", async () => {
    const first = await call(h, backend, "GET", "/status?status=429");
    expect(first.response.status).toBe(429);
    const second = await call(h, backend, "GET", "/status?status=200");
    expect(second.reached).toBe(false);
    expect(second.response.status).toBe(429);
  });

  it("FlushStageCache on the admin endpoint empties the stage cache (202)", async () => {
    await call(h, backend, "GET", "/items/flush-me");
    expect((await call(h, backend, "GET", "/items/flush-me")).reached).toBe(false);
    const flushed = await fetch(`${h.gateway.adminUrl}/restapis/CacheApi/stages/cached/cache/data`, { method: "DELETE" });
    expect(flushed.status).toBe(202);
    expect((await call(h, backend, "GET", "/items/flush-me")).reached).toBe(true);
    expect((await call(h, backend, "GET", "/items/flush-me")).reached).toBe(false);
    expect((await fetch(`${h.gateway.adminUrl}/restapis/CacheApi/stages/nope/cache/data`, { method: "DELETE" })).status).toBe(404);
  });

  describe("Cache-Control: max-age=0 with the default settings (authorization required, SUCCEED_WITH_RESPONSE_HEADER)", features("cache.invalidation"), () => {
    it("a caller allowed execute-api:InvalidateCache gets a fresh answer that replaces the entry", async () => {
      await call(h, backend, "GET", "/items/inv");
      const fresh = await signed(h, backend, "/items/inv", INVALIDATOR, INVALIDATE);
      expect(fresh.response.status).toBe(200);
      expect(fresh.reached).toBe(true);
      expect(header(fresh.response, "warning")).toBeUndefined();
      const next = await call(h, backend, "GET", "/items/inv");
      expect(next.reached).toBe(false);
      expect(next.response.text).toBe(fresh.response.text);
    });

    it("unsigned, signed without the permission, or explicitly denied: the header is ignored and a Warning added", async () => {
      await call(h, backend, "GET", "/items/ign");
      for (const attempt of [
        () => call(h, backend, "GET", "/items/ign", { headers: INVALIDATE }),
        () => signed(h, backend, "/items/ign", PLAIN, INVALIDATE),
        () => signed(h, backend, "/items/ign", DENIED, INVALIDATE),
      ]) {
        const { response, reached } = await attempt();
        expect(response.status).toBe(200);
        expect(reached).toBe(false);
        expect(header(response, "warning")).toMatch(/^199 - ".*"$/);
      }
    });
  });
});

describe("Cache-Control strategies set through the stage's method settings (API/console only: CloudFormation has no field for them)", features(["cache", "cache.invalidation"], { referenceOnly: true }), () => {
  let backend: EchoBackend;
  let h: Harness;

  beforeAll(async () => {
    backend = await startEchoBackend();
    h = await start(backend, (model) => {
      const settings = model.restApis[0]!.stages[0]!.methodSettings!;
      const set = (key: string, extra: MethodSetting) => (settings[key] = { ...settings[key], ...extra });
      set("/items/{id}/GET", { unauthorizedCacheControlHeaderStrategy: "FAIL_WITH_403" });
      set("/plain/GET", { unauthorizedCacheControlHeaderStrategy: "SUCCEED_WITHOUT_RESPONSE_HEADER" });
      set("/mock/GET", { requireAuthorizationForCacheControl: false });
    });
  });
  afterAll(async () => {
    await h?.gateway.close();
    await backend?.close();
  });

  it("FAIL_WITH_403: an unauthorized invalidation is refused with 403, before the integration", async () => {
    await call(h, backend, "GET", "/items/1");
    const refused = await call(h, backend, "GET", "/items/1", { headers: INVALIDATE });
    expect(refused.response.status).toBe(403);
    expect(refused.reached).toBe(false);
    const allowed = await signed(h, backend, "/items/1", INVALIDATOR, INVALIDATE);
    expect(allowed.response.status).toBe(200);
    expect(allowed.reached).toBe(true);
  });

  it("SUCCEED_WITHOUT_RESPONSE_HEADER: ignored, nothing added", async () => {
    await call(h, backend, "GET", "/plain");
    const ignored = await call(h, backend, "GET", "/plain", { headers: INVALIDATE });
    expect(ignored.response.status).toBe(200);
    expect(ignored.reached).toBe(false);
    expect(header(ignored.response, "warning")).toBeUndefined();
  });

  it("authorization not required: anyone invalidates", async () => {
    const first = await call(h, backend, "GET", "/mock");
    const fresh = await call(h, backend, "GET", "/mock", { headers: { "cache-control": "no-store, MAX-AGE=0" } });
    expect(fresh.response.json()).not.toEqual(first.response.json());
    expect((await call(h, backend, "GET", "/mock")).response.json()).toEqual(fresh.response.json());
  });
});

describe("metrics and access log after a known request sequence", features(["cache", "observe.metrics", "observe.access-log"], { referenceOnly: true }), () => {
  let backend: EchoBackend;
  let h: Harness;

  beforeAll(async () => {
    backend = await startEchoBackend();
    h = await start(backend);
    // miss, hit, hit on /plain; miss + hit on /items/{id}; one uncached 404-ish (unknown resource → 403); one 500-free 429 from the backend.
    await call(h, backend, "GET", "/plain");
    await call(h, backend, "GET", "/plain");
    await call(h, backend, "GET", "/plain", { headers: { "User-Agent": 'quote"agent' } });
    await call(h, backend, "GET", "/items/7");
    await call(h, backend, "GET", "/items/7");
    await call(h, backend, "GET", "/nowhere");
    await call(h, backend, "GET", "/nocache?status=503");
  });
  afterAll(async () => {
    await h?.gateway.close();
    await backend?.close();
  });

  it("JSON metrics: Count, 4XXError, 5XXError, CacheHitCount, CacheMissCount, latencies per method and per stage", async () => {
    const metrics = (await (await fetch(`${h.gateway.adminUrl}/metrics`)).json()) as {
      methods: Array<{ dimensions: Record<string, string>; Count: number; CacheHitCount: number; CacheMissCount: number; "4XXError": number; "5XXError": number; Latency: { count: number }; IntegrationLatency: { count: number } }>;
      stages: Array<{ dimensions: Record<string, string>; Count: number; CacheHitCount: number; CacheMissCount: number; "4XXError": number; "5XXError": number }>;
    };
    const plain = metrics.methods.find((m) => m.dimensions.Resource === "/plain" && m.dimensions.Method === "GET")!;
    expect(plain).toMatchObject({ dimensions: { ApiName: "gateproof-cache", Stage: "cached" }, Count: 3, CacheHitCount: 2, CacheMissCount: 1, "4XXError": 0, "5XXError": 0 });
    expect(plain.Latency.count).toBe(3);
    expect(plain.IntegrationLatency.count).toBe(1);
    expect(metrics.methods.find((m) => m.dimensions.Resource === "/items/{id}")).toMatchObject({ Count: 2, CacheHitCount: 1, CacheMissCount: 1 });
    expect(metrics.methods.find((m) => m.dimensions.Resource === "/nocache")).toMatchObject({ Count: 1, CacheHitCount: 0, CacheMissCount: 0, "5XXError": 1 });
    expect(metrics.stages).toEqual([expect.objectContaining({ dimensions: { ApiName: "gateproof-cache", Stage: "cached" }, Count: 7, CacheHitCount: 3, CacheMissCount: 2, "4XXError": 1, "5XXError": 1 })]);
  });

  it("Prometheus text carries the same numbers with CloudWatch dimensions as labels", async () => {
    const response = await fetch(`${h.gateway.adminUrl}/metrics/prometheus`);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    expect(text).toContain('apigateway_Count_total{ApiName="gateproof-cache",Stage="cached"} 7');
    expect(text).toContain('apigateway_CacheHitCount_total{ApiName="gateproof-cache",Stage="cached",Resource="/plain",Method="GET"} 2');
    expect(text).toContain('apigateway_4XXError_total{ApiName="gateproof-cache",Stage="cached"} 1');
    expect(text).toMatch(/^# TYPE apigateway_Latency_milliseconds summary$/m);
  });

  it("one access log line per request in the stage's format; a hit has no integration values", async () => {
    expect(h.lines).toHaveLength(7);
    const entries = h.lines.map((line) => JSON.parse(line) as Record<string, string>);
    const [miss, hit, quoted] = entries;
    expect(miss).toMatchObject({ httpMethod: "GET", resourcePath: "/plain", path: "/cached/plain", status: "200", integrationStatus: "200", cache: "MISS", errorType: "-", xray: "-" });
    expect(Number(miss!.integrationLatency)).toBeGreaterThanOrEqual(0);
    expect(Number(miss!.responseLength)).toBeGreaterThan(0);
    expect(hit).toMatchObject({ status: "200", integrationStatus: "-", integrationLatency: "-", cache: "HIT" });
    expect(quoted!.userAgent).toBe('quote"agent');
    expect(entries[5]).toMatchObject({ status: "403", resourcePath: "-", errorType: "MISSING_AUTHENTICATION_TOKEN", cache: "-" });
    expect(entries[6]).toMatchObject({ status: "503", integrationStatus: "503", cache: "-" });
    expect(entries.map((e) => e.requestId)).toEqual(expect.arrayContaining([expect.stringMatching(/^[0-9a-f-]{36}$/)]));
  });
});
