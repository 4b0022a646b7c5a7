import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { MemoryStore } from "../../reference-gateway/state/index.ts";
import { startEchoBackend, type EchoBackend } from "../harness/echo-backend.ts";
import { features } from "../harness/conformance.ts";
import { send } from "../harness/target.ts";

/**
 * For any request sequence, the response cache never serves one cache key's answer to another (spec §4.2). Over
 * sockets against the reference with the cache fixture: `/items/{id}` is keyed on the path id and the X-Tenant
 * header, `/items` on the `type` query string; `department` and `X-Noise` are not keys. Values sit close to each other
 * (separators, case, empty vs absent), time jumps past TTLs at random and the stage's budget is a few KB, so entries
 * are evicted, expire and refill along the way. Every answer must be the backend's echo of a request with the same
 * key values as the one sent — while undeclared parameters may come from another request.
 */
const seed = process.env.GATEPROOF_SEED ? Number(process.env.GATEPROOF_SEED) : 0xcac4e;
const TEMPLATE = new URL("../scenario/fixtures/cache/template.yaml", import.meta.url).pathname;

const value = fc.constantFrom("a", "A", "a,b", "a%2Cb", "1", "");
const maybe = fc.option(value, { nil: undefined });
const step = fc.record({
  route: fc.constantFrom("byId", "byType"),
  id: fc.constantFrom("1", "01", "a", "A", "x%20y"),
  tenant: maybe,
  type: maybe,
  noise: fc.string({ maxLength: 3 }),
  advanceSeconds: fc.constantFrom(0, 0, 0, 30, 61),
});

describe("cache keys never cross (property)", features(["cache"], { referenceOnly: true }), () => {
  let gateway: RunningGateway;
  let backend: EchoBackend;
  let base: string;
  const now = { ms: Date.now() };

  beforeAll(async () => {
    backend = await startEchoBackend();
    gateway = await startGateway({
      template: TEMPLATE,
      port: 0,
      parameterOverrides: { BackendUrl: backend.url },
      log: () => {},
      store: new MemoryStore(() => now.ms),
      cacheBudgetBytes: 6_000,
      accessLog: () => {},
      iamCredentialsFile: new URL("../scenario/fixtures/cache/iam-credentials.json", import.meta.url).pathname,
    });
    base = gateway.urls.find((u) => u.api === "CacheApi")!.url;
  });
  afterAll(async () => {
    await gateway?.close();
    await backend?.close();
  });

  it("every answer echoes a request with the same key values", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 25 }), async (steps) => {
        for (const s of steps) {
          now.ms += s.advanceSeconds * 1000;
          const query = new URLSearchParams();
          if (s.type !== undefined) query.set("type", s.type);
          query.set("department", s.noise);
          const headers: Record<string, string> = { "X-Noise": encodeURIComponent(s.noise) };
          if (s.tenant !== undefined) headers["X-Tenant"] = s.tenant;
          const path = s.route === "byId" ? `/items/${s.id}` : `/items?${query}`;
          const response = await send("GET", path, { base, headers });
          expect(response.status).toBe(200);
          const echoed = response.json<{ url: string; headers: Array<[string, string]> }>();
          const url = new URL(echoed.url, "http://backend");
          if (s.route === "byId") {
            expect(url.pathname).toBe(`/items/${s.id}`);
            const tenant = echoed.headers.filter(([name]) => name.toLowerCase() === "x-tenant").map(([, v]) => v).at(-1);
            expect(tenant).toBe(s.tenant);
          } else {
            expect(url.pathname).toBe("/items");
            expect(url.searchParams.get("type") ?? undefined).toBe(s.type);
          }
        }
      }),
      { seed, numRuns: 40, endOnFailure: true },
    );
  });
});
