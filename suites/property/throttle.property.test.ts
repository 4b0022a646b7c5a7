import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { MemoryStore } from "../../reference-gateway/state/index.ts";
import { features } from "../harness/conformance.ts";
import { send } from "../harness/target.ts";

/**
 * Token buckets (spec §3.1): for any arrival schedule on the injected clock,
 *  (1) every decision is the one a reference token bucket makes — starts full at burst, refills continuously at
 *      rate, one token per request (here in exact rationals: BigInt millionths of a token, ms time), so nothing is
 *      admitted that the model refuses and nothing refused that it admits;
 *  (2) over every window [tᵢ, tⱼ] of the schedule, admitted ≤ burst + rate·(tⱼ − tᵢ).
 * First on the Store alone (many runs), then end to end over sockets through the REST throttle step.
 */

const seed = process.env.GATEPROOF_SEED ? Number(process.env.GATEPROOF_SEED) : 0x7b0c;

/** Rates with at most three decimals, as the store keeps them exactly (state/token-bucket.ts). */
const rate = fc.oneof(fc.constantFrom(0, 0.5, 1, 2, 2.5, 10, 1000), fc.integer({ min: 1, max: 200_000 }).map((m) => m / 1000));
const burst = fc.integer({ min: 0, max: 8 });
/** Gaps between arrivals in ms: bursts (0), jitter, and long idles. */
const gaps = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 5000 })), { minLength: 1, maxLength: 60 });

/** The model: tokens in millionths, exact. Returns the admit decisions for arrivals at `times` (ms). */
function model(r: number, b: number, times: number[]): boolean[] {
  const perMs = BigInt(Math.round(r * 1000)); // millionths of a token per ms
  const cap = BigInt(b) * 1_000_000n;
  let tokens = cap;
  let last = times[0] ?? 0;
  return times.map((t) => {
    tokens += BigInt(t - last) * perMs;
    if (tokens > cap) tokens = cap;
    last = t;
    if (tokens >= 1_000_000n) {
      tokens -= 1_000_000n;
      return true;
    }
    return false;
  });
}

function windowBoundHolds(r: number, b: number, times: number[], admitted: boolean[]): boolean {
  const at = times.filter((_, i) => admitted[i]);
  // admitted in [at[i], at[j]] = j − i + 1 ≤ b + r·(at[j] − at[i]) / 1000, compared in integers (r has ≤ 3 decimals).
  for (let i = 0; i < at.length; i++) {
    for (let j = i; j < at.length; j++) {
      if ((j - i + 1) * 1_000_000 > b * 1_000_000 + Math.round(r * 1000) * (at[j]! - at[i]!)) return false;
    }
  }
  return true;
}

describe("token bucket (property)", features("throttle.stage"), () => {
  it("the Store decides exactly as the model, and never admits more than burst + rate·t", async () => {
    let key = 0;
    await fc.assert(
      fc.asyncProperty(rate, burst, gaps, async (r, b, g) => {
        let now = 1_000_000;
        const store = new MemoryStore(() => now);
        const bucket = [{ key: `p${key++}`, rate: r, burst: b }];
        const times: number[] = [];
        const got: boolean[] = [];
        for (const gap of g) {
          now += gap;
          times.push(now);
          got.push((await store.admit({ buckets: bucket })).admitted);
        }
        expect(got).toEqual(model(r, b, times));
        expect(windowBoundHolds(r, b, times, got)).toBe(true);
      }),
      { seed, numRuns: 300 },
    );
  });

  describe("end to end through the REST throttle step (reference, injected clock)", features(["throttle.stage"], { referenceOnly: true }), () => {
    let gateway: RunningGateway;
    let base: string;
    let now = Date.parse("2026-03-10T12:00:00Z");
    beforeAll(async () => {
      gateway = await startGateway({ template: new URL("../scenario/fixtures/throttling/template.yaml", import.meta.url).pathname, port: 0, parameterOverrides: { BackendUrl: "http://127.0.0.1:9" }, clock: () => now, log: () => {}, accessLog: () => {} });
      base = gateway.urls[0]!.url;
    });
    afterAll(async () => {
      await gateway?.close();
    });

    it("POST /slow (stage */*: rate 2, burst 3) admits exactly what the model admits, for any schedule", async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1500 })), { minLength: 1, maxLength: 12 }), async (g) => {
          now += 3_600_000; // an hour later: the bucket is full again, as the model starts
          const times: number[] = [];
          const got: boolean[] = [];
          for (const gap of g) {
            now += gap;
            times.push(now);
            const response = await send("POST", "/slow", { base });
            expect([200, 429]).toContain(response.status);
            got.push(response.status === 200);
          }
          expect(got).toEqual(model(2, 3, times));
        }),
        { seed, numRuns: 25 },
      );
    });
  });
});
