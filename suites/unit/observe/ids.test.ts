import { describe, expect, it } from "vitest";
import { features } from "../../harness/conformance.ts";
import { clfTime, newRequestIds } from "../../../reference-gateway/observe/ids.ts";

// Shapes as AWS sends them (captured answers, see suites/scenario/routing.test.ts): x-amzn-RequestId a UUID,
// x-amz-apigw-id 15 base64url characters and '=', X-Amzn-Trace-Id Root=1-<epoch seconds, 8 hex>-<24 hex>.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const APIGW_ID = /^[A-Za-z0-9_-]{15}=$/;

describe("request ids from pooled random text", features(["rest.request-ids"], { referenceOnly: true }), () => {
  it("stay AWS-shaped and distinct across many pool refills", () => {
    const now = Date.UTC(2026, 10, 24, 12, 0, 0);
    const seen = { requestId: new Set<string>(), extendedRequestId: new Set<string>(), trace: new Set<string>() };
    const count = 20_000; // ~73 refills of the base64url pool, ~118 of the hex one, ~156 of the UUID one
    for (let i = 0; i < count; i++) {
      const ids = newRequestIds(now + i);
      expect(ids.requestId).toMatch(UUID);
      expect(ids.extendedRequestId).toMatch(APIGW_ID);
      const match = /^Root=1-([0-9a-f]{8})-([0-9a-f]{24})$/.exec(ids.traceId);
      expect(match?.[1]).toBe(Math.floor((now + i) / 1000).toString(16).padStart(8, "0"));
      seen.requestId.add(ids.requestId);
      seen.extendedRequestId.add(ids.extendedRequestId);
      seen.trace.add(match![2]!);
    }
    expect([seen.requestId.size, seen.extendedRequestId.size, seen.trace.size]).toEqual([count, count, count]);
  });

  it("the trace id's epoch and $context.requestTime follow the second of each request, in any order", () => {
    const a = Date.UTC(2026, 10, 24, 23, 59, 59, 999);
    const b = a + 1;
    expect(newRequestIds(a).traceId.slice(7, 15)).toBe(Math.floor(a / 1000).toString(16));
    expect(newRequestIds(b).traceId.slice(7, 15)).toBe(Math.floor(b / 1000).toString(16));
    expect(newRequestIds(a).traceId.slice(7, 15)).toBe(Math.floor(a / 1000).toString(16));
    expect(clfTime(a)).toBe("24/Nov/2026:23:59:59 +0000");
    expect(clfTime(b)).toBe("25/Nov/2026:00:00:00 +0000");
    expect(clfTime(a)).toBe("24/Nov/2026:23:59:59 +0000");
    expect(clfTime(0)).toBe("01/Jan/1970:00:00:00 +0000");
  });
});
