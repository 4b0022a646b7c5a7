import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { send } from "../harness/target.ts";
import { features } from "../harness/conformance.ts";

/**
 * The Lambda authorizer result cache never applies one identity's decision to another (spec §7.1: the key is every
 * identity source value). Over sockets against the reference, with the REQUEST authorizer of the lambda-authorizer
 * fixture (identity: X-User header + tenant query string, cached 300 s): identities are generated to sit close to each
 * other (see neighbours) and replayed in random order with
 * repeats. Every answer must be the one for the request's own identity: user "deny" → 403; anyone else → 200 with
 * their own principalId, and the event the authorizer saw carrying their own tenant.
 */

const seed = process.env.GATEPROOF_SEED ? Number(process.env.GATEPROOF_SEED) : 0x5eed4;
const TEMPLATE = new URL("../scenario/fixtures/lambda-authorizer/template.yaml", import.meta.url).pathname;

const piece = fc.string({ unit: fc.constantFrom("a", "b", ",", ":", '"', "1"), minLength: 1, maxLength: 4 });
interface Identity {
  user: string;
  tenant: string;
}
/**
 * Neighbours by construction: the same characters split differently between user and tenant (`ua,` + `b` vs
 * `ua` + `,b`), so a key that joined the values with a separator would collide; plus the "deny" user on each tenant.
 */
const neighbours = fc.tuple(piece, piece, fc.constantFrom(",", ":", "")).map(([x, y, sep]): Identity[] => [
  { user: `u${x}${sep}`, tenant: y },
  { user: `u${x}`, tenant: `${sep}${y}` },
  { user: "deny", tenant: y },
]);
const identities = fc.array(neighbours, { minLength: 1, maxLength: 2 }).map((groups) => groups.flat());

describe("authorizer cache isolation (property)", features(["auth.lambda-request", "auth.authorizer-cache"], { referenceOnly: true }), () => {
  let gateway: RunningGateway;
  let base: string;

  beforeAll(async () => {
    gateway = await startGateway({ template: TEMPLATE, port: 0, log: () => {} });
    base = gateway.urls.find((u) => u.api === "Api")!.url;
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it("each answer belongs to the request's own identity", async () => {
    await fc.assert(
      fc.asyncProperty(identities, fc.array(fc.nat(), { minLength: 4, maxLength: 8 }), async (candidates, picks) => {
        for (const pick of picks) {
          const { user, tenant } = candidates[pick % candidates.length]!;
          const response = await send("GET", `/cached-request/p?tenant=${encodeURIComponent(tenant)}`, { base, headers: { "X-User": user } });
          if (user === "deny") {
            expect(response.status).toBe(403);
            continue;
          }
          expect(response.status).toBe(200);
          const authorizer = response.json<{ authorizer: { principalId: string; event: string } }>().authorizer;
          expect(authorizer.principalId).toBe(user);
          const seen = JSON.parse(authorizer.event) as { queryStringParameters: Record<string, string> };
          expect(seen.queryStringParameters.tenant).toBe(tenant);
        }
      }),
      { seed, numRuns: 60, endOnFailure: true },
    );
  });
});
