import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { header, send } from "../harness/target.ts";
import { features } from "../harness/conformance.ts";

/**
 * Property tests for routing and request-parameter mapping, over real sockets against any deployment of the fixture.
 * Bounded and reproducible: 100 runs per property, seed from GATEPROOF_SEED (printed on failure by fast-check).
 */

const seed = process.env.GATEPROOF_SEED ? Number(process.env.GATEPROOF_SEED) : 0x9a7e9f;
fc.configureGlobal({ seed, numRuns: 100, endOnFailure: true });

interface EchoEvent {
  resource: string;
  path: string;
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
  pathParameters: Record<string, string> | null;
}

const echoEvent = async (method: string, path: string): Promise<EchoEvent> => {
  const response = await send(method, path);
  expect(response.status, `${method} ${path}`).toBe(200);
  expect(header(response, "x-function")).toBe("echo");
  return response.json<{ event: EchoEvent }>().event;
};

// First path segments the fixture defines (suites/fixture/template.yaml), plus the reserved /ping and /sping (spec §10).
const DEFINED_FIRST = new Set(["mock", "items", "proxy", "slow-backend", "http", "echo", "shape", "slow", "issuer", "ping", "sping"]);

// RFC 3986 unreserved characters: sent unchanged by any client.
const UNRESERVED = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"];
const segment = fc.string({ unit: fc.constantFrom(...UNRESERVED), minLength: 1, maxLength: 12 }).filter((s) => s !== "." && s !== "..");

// Printable ASCII plus a few multi-byte characters, so both encodeURIComponent branches (1-4 byte UTF-8) are used.
const TEXT_UNIT = fc.constantFrom(...Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)), "é", "ü", "✓", "日", "😀");

describe("routing properties", features("rest.routing"), () => {
  it("(1) any path whose first segment the fixture does not define → 403 Missing Authentication Token", features("rest.gateway-responses"), async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH"),
        segment.filter((s) => !DEFINED_FIRST.has(s.toLowerCase())),
        fc.array(segment, { maxLength: 3 }),
        fc.boolean(),
        async (method, first, more, trailingSlash) => {
          const path = "/" + [first, ...more].join("/") + (trailingSlash ? "/" : "");
          const response = await send(method, path);
          // Spec §2 / §2.3: no matching resource → 403 MISSING_AUTHENTICATION_TOKEN with the default body;
          // the fixture's DEFAULT_4XX adds x-fixture (spec §2.1).
          expect(response.status, `${method} ${path}`).toBe(403);
          expect(response.text).toBe('{"message":"Missing Authentication Token"}');
          expect(header(response, "x-amzn-ErrorType")).toBe("MissingAuthenticationTokenException");
          expect(header(response, "x-fixture")).toBe("gateproof");
        },
      ),
    );
  });

  it("(2) any query string → queryStringParameters last-wins and multiValueQueryStringParameters in order, decoded", features("rest.lambda-proxy"), async () => {
    // Names of Object.prototype members (`__proto__`, `constructor`, …) are drawn on purpose: they are ordinary keys.
    const key = fc
      .oneof(
        { weight: 3, arbitrary: fc.constantFrom("a", "b", "Q", "q", "x y", "a+b", "%", "=", "&", "__proto__", "constructor", "toString") },
        { weight: 2, arbitrary: fc.string({ unit: TEXT_UNIT, minLength: 1, maxLength: 8 }) },
      );
    const value = fc.string({ unit: TEXT_UNIT, maxLength: 10 });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, value), { maxLength: 6 }), fc.boolean(), async (pairs, plusForSpace) => {
        const encode = (text: string) => {
          const encoded = encodeURIComponent(text);
          // Captured on AWS: `+` and `%20` both decode to a space.
          return plusForSpace ? encoded.replace(/%20/g, "+") : encoded;
        };
        const query = pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join("&");
        const event = await echoEvent("GET", `/echo${query ? `?${query}` : ""}`);

        const multi = new Map<string, string[]>();
        for (const [k, v] of pairs) multi.set(k, [...(multi.get(k) ?? []), v]);
        // Captured on AWS / spec §6.1 + §10: parameters decoded; last value wins in queryStringParameters, all values
        // in order in multiValueQueryStringParameters; no parameters → null.
        if (pairs.length === 0) {
          expect(event.queryStringParameters).toBeNull();
          expect(event.multiValueQueryStringParameters).toBeNull();
          return;
        }
        expect(event.queryStringParameters, query).toEqual(Object.fromEntries([...multi].map(([k, vs]) => [k, vs.at(-1)!])));
        expect(event.multiValueQueryStringParameters, query).toEqual(Object.fromEntries(multi));
        expect(Object.keys(event.queryStringParameters ?? {}).sort()).toEqual([...multi.keys()].sort());
      }),
    );
  });

  it("(3) any path parameter value made of safe URL characters reaches pathParameters.id raw", features("rest.lambda-proxy"), async () => {
    const unit = fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom(...UNRESERVED, ..."!$'()*+,=:@&") },
      // Percent-escapes stay as sent (captured on AWS: /echo/a%20b → proxy `a%20b`).
      { weight: 1, arbitrary: fc.constantFrom("%20", "%C3%A9") },
    );
    const id = fc.string({ unit, minLength: 1, maxLength: 16 }).filter((s) => s !== "." && s !== ".." && s !== "special");
    await fc.assert(
      fc.asyncProperty(id, fc.constantFrom("GET", "POST"), async (value, method) => {
        const event = await echoEvent(method, `/items/${value}`);
        // Spec §6.1: pathParameters holds the {id} segment; captured: kept un-decoded, as is event.path.
        expect(event.resource).toBe("/items/{id}");
        expect(event.pathParameters).toEqual({ id: value });
        expect(event.path).toBe(`/items/${value}`);
      }),
    );
  });
});
