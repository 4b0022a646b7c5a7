import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { features } from "../harness/conformance.ts";
import { send, type TargetResponse } from "../harness/target.ts";

/**
 * For any origin / method / header preflight against the SAM Cors fixture (suites/scenario/fixtures/cors-rest), the
 * answer carries exactly the headers SAM's configuration produces — the rules of samtranslator swagger.py add_cors
 * restated here independently: Allow-Origin, Allow-Headers, Max-Age and Allow-Credentials as configured whatever the
 * request asks (a MOCK integration with static response parameters, spec §5.1), Allow-Methods computed from the
 * path's methods (+ OPTIONS, sorted) or SAM's full list on an ANY path; status 200, body "{}\n", no Vary.
 * Bounded: 80 runs, seed from GATEPROOF_SEED.
 */
const seed = process.env.GATEPROOF_SEED ? Number(process.env.GATEPROOF_SEED) : 0xc0125;
const TEMPLATE = new URL("../scenario/fixtures/cors-rest/template.yaml", import.meta.url).pathname;
const PAGE = "http://127.0.0.1:4321";
const ALL = "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT";

const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,11}$/);
const origin = fc.oneof(
  fc.constantFrom(PAGE, "http://127.0.0.1:4322", "https://app.example", "null", "HTTP://127.0.0.1:4321"),
  fc.tuple(fc.constantFrom("http", "https"), fc.domain(), fc.integer({ min: 1, max: 65535 })).map(([s, d, p]) => `${s}://${d}:${p}`),
);
const method = fc.oneof(fc.constantFrom("GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "get", "put"), token.map((t) => t.toUpperCase()));
const path = fc.oneof(
  fc.constantFrom("/with-cors", "/no-cors"),
  // "." and ".." are dot segments: HTTP clients resolve them before sending (RFC 3986 §5.2.4), so they never arrive.
  fc
    .array(fc.stringMatching(/^[a-z0-9._-]{1,8}$/).filter((part) => part !== "." && part !== ".."), { minLength: 1, maxLength: 3 })
    .map((parts) => `/any/${parts.join("/")}`),
);

const corsHeaders = (r: TargetResponse) => Object.fromEntries(Object.entries(r.headers).filter(([k]) => k.startsWith("access-control-")).map(([k, v]) => [k, String(v)]));

describe("REST SAM Cors properties", features(["cors.rest"], { referenceOnly: true }), () => {
  let gateway: RunningGateway;
  let base: string;
  beforeAll(async () => {
    gateway = await startGateway({ template: TEMPLATE, port: 0, log: () => {}, parameterOverrides: { PageOrigin: PAGE } });
    base = gateway.urls.find((u) => u.api === "SamApi")!.url;
  });
  afterAll(() => gateway?.close());

  it("any preflight (or bare OPTIONS) gets exactly SAM's configured headers", async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(origin), fc.option(method), fc.array(token, { maxLength: 4 }), path, async (o, m, hs, p) => {
        const headers: Record<string, string> = {};
        if (o !== null) headers["origin"] = o;
        if (m !== null) headers["access-control-request-method"] = m;
        if (hs.length > 0) headers["access-control-request-headers"] = hs.join(", ");
        const r = await send("OPTIONS", p, { base, headers });
        expect(r.status).toBe(200);
        expect(r.text).toBe("{}\n");
        expect(r.headers["vary"]).toBeUndefined();
        expect(corsHeaders(r)).toEqual({
          "access-control-allow-origin": PAGE,
          "access-control-allow-headers": "Content-Type,X-Custom",
          "access-control-allow-methods": p.startsWith("/any/") ? ALL : "GET,OPTIONS,PUT",
          "access-control-max-age": "600",
          "access-control-allow-credentials": "true",
        });
      }),
      { seed, numRuns: 80 },
    );
  });
});
