import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { features } from "../harness/conformance.ts";
import { startEchoBackend, type EchoBackend } from "../harness/echo-backend.ts";
import { header, send, type TargetResponse } from "../harness/target.ts";

/**
 * HTTP API route throttling (spec §3.1 "HTTP API route-level settings"): `DefaultRouteSettings` for every route,
 * `RouteSettings` per route key over it field by field, SAM event `RouteSettings`, each route its own bucket, the
 * account bucket shared with REST APIs. Over a bucket: 429 `{"message":"Too Many Requests"}` in the HTTP API error
 * shape (no x-amzn-ErrorType; repost.aws/knowledge-center/api-gateway-429-limit). Exact counts on an injected clock.
 */
const TEMPLATE = new URL("./fixtures/http-api-throttle/template.yaml", import.meta.url).pathname;

const expectThrottled = (r: TargetResponse) => {
  expect(r.status).toBe(429);
  expect(r.text).toBe('{"message":"Too Many Requests"}');
  expect(header(r, "content-type")).toBe("application/json");
  expect(header(r, "x-amzn-errortype")).toBeUndefined();
  expect(header(r, "apigw-requestid")).toMatch(/=$/);
};

async function statuses(base: string, path: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await send("GET", path, { base })).status);
  return out;
}

describe("HTTP API route throttling (injected clock)", features(["http-api.throttle"], { referenceOnly: true }), () => {
  let backend: EchoBackend;
  let gateway: RunningGateway;
  let now = 1_700_000_000_000;
  const url = (g: RunningGateway, api: string) => g.urls.find((u) => u.api === api)!.url;

  beforeAll(async () => {
    backend = await startEchoBackend();
    gateway = await startGateway({ template: TEMPLATE, port: 0, parameterOverrides: { BackendUrl: backend.url }, clock: () => now, log: () => {} });
  });
  afterAll(async () => {
    await gateway?.close();
    await backend?.close();
  });

  it("DefaultRouteSettings: each route has its own bucket (burst 2, rate 1); a refused request never reaches the backend", async () => {
    const live = url(gateway, "Live");
    const before = backend.received.length;
    expect(await statuses(live, "/a", 4)).toEqual([200, 200, 429, 429]);
    expect(await statuses(live, "/b", 3)).toEqual([200, 200, 429]);
    expectThrottled(await send("GET", "/a", { base: live }));
    expect(backend.received.length - before).toBe(4);
    now += 1_000; // one token per second
    expect(await statuses(live, "/a", 2)).toEqual([200, 429]);
  });

  it("RouteSettings for a route key override the default field by field (burst 1, rate 1 from the default)", async () => {
    const live = url(gateway, "Live");
    expect(await statuses(live, "/narrow", 2)).toEqual([200, 429]);
    now += 1_000;
    expect(await statuses(live, "/narrow", 2)).toEqual([200, 429]);
  });

  it("a SAM HttpApi event's RouteSettings throttle its route only (burst 1, rate 0: never refills)", async () => {
    const sam = url(gateway, "Sam");
    expect(await statuses(sam, "/once", 2)).toEqual([200, 429]);
    now += 10_000;
    expectThrottled(await send("GET", "/once", { base: sam }));
    expect(await statuses(sam, "/free", 3)).toEqual([200, 200, 200]);
  });

  it("the account bucket is shared by REST and HTTP APIs (accountThrottle rate 1, burst 2)", features("throttle.account"), async () => {
    const second = await startGateway({ template: TEMPLATE, port: 0, parameterOverrides: { BackendUrl: backend.url }, clock: () => now, accountThrottle: { rateLimit: 1, burstLimit: 2 }, log: () => {} });
    try {
      expect((await send("GET", "/r", { base: url(second, "Rest") })).status).toBe(200);
      expect((await send("GET", "/free", { base: url(second, "Sam") })).status).toBe(200);
      expectThrottled(await send("GET", "/free", { base: url(second, "Sam") }));
      expect((await send("GET", "/r", { base: url(second, "Rest") })).status).toBe(429);
      now += 1_000;
      expect((await send("GET", "/b", { base: url(second, "Live") })).status).toBe(200);
    } finally {
      await second.close();
    }
  });
});
