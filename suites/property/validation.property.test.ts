import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import AjvDraft04Module from "ajv-draft-04";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { isReference, send } from "../harness/target.ts";
import { features } from "../harness/conformance.ts";

/**
 * Body validation property (spec §9: models are JSON Schema draft 4): for random JSON values and a set of draft-4
 * schemas, a second reference gateway (one MOCK route per schema, validator "all") accepts a body exactly when an
 * independent ajv draft-04 instance does. Over real sockets; 100 runs, seed from GATEPROOF_SEED.
 */
const seed = process.env.GATEPROOF_SEED ? Number(process.env.GATEPROOF_SEED) : 0x5eed04;

const SCHEMAS: Record<string, Record<string, unknown>> = {
  Obj: { type: "object", required: ["a"], properties: { a: { type: "integer", minimum: 0 }, b: { type: "string", maxLength: 3 } }, additionalProperties: false },
  Arr: { type: "array", items: { type: ["number", "null"] }, maxItems: 3, uniqueItems: true },
  Num: { type: "number", minimum: -10, maximum: 10, exclusiveMaximum: true, multipleOf: 0.5 },
  Str: { type: "string", pattern: "^[a-c]*$", minLength: 1 },
  Any: { anyOf: [{ type: "boolean" }, { type: "object", minProperties: 1 }], not: { enum: [false] } },
  Enum: { enum: [1, "1", null, [1], { a: 1 }] },
  Nest: { type: "object", properties: { o: { $ref: "#/definitions/Obj" }, list: { type: "array", items: { $ref: "#/definitions/Str" } } }, dependencies: { o: ["list"] } },
};

type AjvClass = typeof AjvDraft04Module.default;
const Ajv: AjvClass = (AjvDraft04Module as unknown as { default?: AjvClass }).default ?? (AjvDraft04Module as unknown as AjvClass);

describe("validation properties (second reference gateway)", features(["rest.validation"], { referenceOnly: true }), () => {
  let gateway: RunningGateway;
  let base: string;
  const reference = new Ajv({ allErrors: true, strict: false });
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    reference.addSchema(JSON.parse(JSON.stringify(schema).replace(/#\/definitions\//g, "defs:")) as object, `defs:${name}`);
  }

  beforeAll(async () => {
    const mock = { type: "mock", requestTemplates: { "application/json": '{"statusCode": 200}' }, responses: { default: { statusCode: "200" } } };
    const doc = {
      swagger: "2.0",
      info: { title: "validation-property", version: "1" },
      "x-amazon-apigateway-request-validators": { all: { validateRequestBody: true, validateRequestParameters: true } },
      "x-amazon-apigateway-request-validator": "all",
      definitions: SCHEMAS,
      paths: Object.fromEntries(
        Object.keys(SCHEMAS).map((name) => [`/${name}`, { post: { parameters: [{ in: "body", name: "b", schema: { $ref: `#/definitions/${name}` } }], responses: { "200": { description: "ok" } }, "x-amazon-apigateway-integration": mock } }]),
      ),
    };
    const file = join(mkdtempSync(join(tmpdir(), "gateproof-validation-")), "api.json");
    writeFileSync(file, JSON.stringify(doc));
    gateway = await startGateway({ template: file, port: 0, stage: "p", log: () => {} });
    base = gateway.urls[0]!.url;
  });
  afterAll(async () => {
    await gateway?.close();
  });

  // JSON values that hit the schemas' edges: small numbers (halves), short strings over a/b/c/x, nesting.
  const value = fc.letrec((tie) => ({
    json: fc.oneof(
      { depthSize: "small" },
      fc.constantFrom(null, true, false),
      // near-valid shapes for each schema, so both outcomes are common
      fc.constantFrom<unknown>({ a: 1 }, { a: 0, b: "ab" }, [1, null], [0.5, 2], 2.5, -10, "abc", { z: 1 }, 1, "1", [1], { a: 1, list: [] }),
      fc.record({ o: fc.record({ a: fc.integer({ min: -1, max: 3 }) }), list: fc.array(fc.constantFrom("a", "bc", "", "x"), { maxLength: 2 }) }, { requiredKeys: ["o"] }),
      fc.integer({ min: -12, max: 12 }),
      fc.integer({ min: -24, max: 24 }).map((n) => n / 2),
      fc.double({ min: -20, max: 20, noNaN: true, noDefaultInfinity: true }),
      fc.string({ unit: fc.constantFrom("a", "b", "c", "x"), maxLength: 4 }),
      fc.array(tie("json"), { maxLength: 4 }),
      fc.dictionary(fc.constantFrom("a", "b", "o", "list", "z"), tie("json"), { maxKeys: 3 }),
    ),
  })).json;

  it("the gateway accepts a body exactly when ajv draft-04 accepts it", async () => {
    const seen = { accepted: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(SCHEMAS)), value, async (name, body) => {
        const text = JSON.stringify(body);
        const expected = reference.getSchema(`defs:${name}`)!(body) as boolean;
        seen[expected ? "accepted" : "rejected"]++;
        const response = await send("POST", `/${name}`, { base, headers: { "content-type": "application/json" }, body: text });
        expect(response.status, `${name} ${text}: ${response.text}`).toBe(expected ? 200 : 400);
      }),
      { seed, numRuns: 100, endOnFailure: true },
    );
    // The generator reaches both outcomes (a property that only ever rejects would prove little).
    expect(seen.accepted).toBeGreaterThan(10);
    expect(seen.rejected).toBeGreaterThan(10);
  });
});
