import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { send } from "../harness/target.ts";
import { features } from "../harness/conformance.ts";

const seed = process.env.GATEPROOF_SEED === undefined ? undefined : Number(process.env.GATEPROOF_SEED);

/** Header names a function may use that API Gateway passes on unchanged (not remapped, not framing, not its own). */
const headerName = fc
  .stringMatching(/^X-[A-Za-z][A-Za-z0-9-]{0,15}$/)
  .filter((name) => !/^x-amzn?-/i.test(name));
const headerValue = fc.stringMatching(/^[!-~]([ -~]{0,30}[!-~])?$/);

/** Header names are case-insensitive: one entry per name. */
const headerMap = <T>(value: fc.Arbitrary<T>, maxLength: number) =>
  fc.uniqueArray(fc.tuple(headerName, value), { maxLength, selector: ([name]) => name.toLowerCase() }).map((entries) => Object.fromEntries(entries));

/** Valid payload 1.0 responses (spec §6.2): status as number or numeric string, headers, multiValueHeaders, body. */
const proxyResponse = fc.record(
  {
    statusCode: fc.oneof(fc.integer({ min: 200, max: 599 }), fc.integer({ min: 200, max: 599 }).map(String)),
    headers: headerMap(headerValue, 4),
    multiValueHeaders: headerMap(fc.array(headerValue, { minLength: 1, maxLength: 3 }), 3),
    body: fc.string({ maxLength: 200 }),
  },
  { requiredKeys: ["statusCode"] },
);

describe("proxy responses", features("rest.lambda-proxy"), () => {
  it("any valid proxy response shape round-trips: status, headers (merged with multiValueHeaders), body", async () => {
    await fc.assert(
      fc.asyncProperty(proxyResponse, async (shape) => {
        const response = await send("POST", "/mirror", { headers: { "content-type": "application/json" }, body: JSON.stringify(shape) });
        const status = Number(shape.statusCode);
        expect(response.status).toBe(status);
        // 204 and 304 carry no body (RFC 9110); otherwise the body arrives as given (spec §6.2).
        if (status !== 204 && status !== 304) expect(response.text).toBe(shape.body ?? "");
        const multi = new Map(Object.entries(shape.multiValueHeaders ?? {}).map(([name, values]) => [name.toLowerCase(), values]));
        const single = new Map(Object.entries(shape.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
        for (const [name, value] of single) {
          if (multi.has(name)) continue;
          expect(response.headers[name], name).toBe(value);
        }
        for (const [name, values] of multi) {
          // set-up-lambda-proxy-integrations, "Output format": the two maps merge into one list, a key-value pair in
          // both appearing once; multiValueHeaders values first (aws/aws-sam-cli#1166). Repeats arrive comma-joined.
          const value = single.get(name);
          const merged = value === undefined || values.includes(value) ? values : [...values, value];
          const received = response.headers[name];
          expect(Array.isArray(received) ? received.join(", ") : received, name).toBe(merged.join(", "));
        }
      }),
      { numRuns: 60, seed },
    );
  });
});
