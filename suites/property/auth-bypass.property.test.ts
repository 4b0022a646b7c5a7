import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { features } from "../harness/conformance.ts";
import { send } from "../harness/target.ts";
import { FIXTURE_API_KEY } from "../harness/fixture.ts";

const seed = process.env.GATEPROOF_SEED === undefined ? undefined : Number(process.env.GATEPROOF_SEED);

/** What only the fixture's API-key-protected MOCK (/keyed) answers: reaching it unauthenticated is a bypass. */
const PROTECTED_BODY = /"apiKey"\s*:/;

/** Every way to spell "keyed" that some server somewhere has normalised: case, percent-escapes, dot segments. */
const spelling = fc.constantFrom("keyed", "KEYED", "Keyed", "%6Beyed", "%6beyed", "key%65d", "keyed%00", "keyed%20", "./keyed", "items/../keyed", "items/%2E%2E/keyed", "%2Fkeyed");
const prefix = fc.constantFrom("/", "//", "/./", "///");
const suffix = fc.constantFrom("", "/", "//", ";", ";x=1", "%2F", "/.", "?x=1", "?x-api-key=" + FIXTURE_API_KEY, "#frag", "%23");
const method = fc.constantFrom("GET", "HEAD", "OPTIONS", "POST", "PUT", "get");
const override = fc.option(fc.constantFrom("GET", "get"), { nil: undefined });

describe("no way around authentication", features("auth.api-key", "rest.routing"), () => {
  it("(1) no spelling of a protected path, method or override header reaches its integration without a key", async () => {
    await fc.assert(
      fc.asyncProperty(prefix, spelling, suffix, method, override, async (before, name, after, verb, methodOverride) => {
        const headers: Record<string, string> = methodOverride ? { "X-HTTP-Method-Override": methodOverride } : {};
        const response = await send(verb, `${before}${name}${after}`, { headers });
        expect(PROTECTED_BODY.test(response.text), `${verb} ${before}${name}${after} answered ${response.status} ${response.text}`).toBe(false);
      }),
      { numRuns: 150, seed },
    );
  });

  it("the same route with its key is reached (so the property above can fail)", async () => {
    const response = await send("GET", "/keyed", { headers: { "x-api-key": FIXTURE_API_KEY } });
    expect(response.status).toBe(200);
    expect(PROTECTED_BODY.test(response.text)).toBe(true);
  });
});
