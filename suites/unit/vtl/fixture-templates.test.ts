import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { cloudFormationTags } from "../../../reference-gateway/load/yaml-tags.ts";
import { substitutionEngine } from "../../../reference-gateway/templates/index.ts";
import { vtlEngine } from "../../../reference-gateway/vtl/index.ts";
import { scopeOf, type ScopeInput } from "./helpers.ts";

// Every mapping template the conformance fixture uses must render under the VTL engine exactly as under
// substitutionEngine (the engine in use until the lead switches rest/compile.ts over).

function templatesOf(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((item) => templatesOf(item, found));
  else if (node && typeof node === "object")
    for (const [key, value] of Object.entries(node)) {
      if ((key === "requestTemplates" || key === "responseTemplates") && value && typeof value === "object")
        for (const text of Object.values(value)) if (typeof text === "string") found.push(text);
      templatesOf(value, found);
    }
  return found;
}

const fixture = parseYaml(readFileSync(new URL("../../fixture/template.yaml", import.meta.url), "utf8"), { customTags: cloudFormationTags });
const templates = [...new Set(templatesOf(fixture))];

const scopes: Array<[string, ScopeInput]> = [
  ["no parameters, JSON body", { body: '{"hello":"world","n":[1,2]}' }],
  ["all parameter kinds", { body: '{"x":1}', path: { id: "42" }, querystring: { q: "search term", code: "404" }, header: { "X-Caller": "me", code: "500" } }],
  ["text body, other stage variables", { body: "plain text", stageVariables: { greeting: "bonjour" }, context: { stage: "prod", requestId: "r" } }],
];

describe("fixture templates: VTL renders them as substitution does", () => {
  it("finds the fixture's templates", () => {
    expect(templates.length).toBeGreaterThan(5);
    expect(templates.some((t) => t.includes("$input.body"))).toBe(true);
  });

  for (const template of templates)
    for (const [name, input] of scopes)
      it(`${template} — ${name}`, () => {
        expect(vtlEngine.compile(template)(scopeOf(input))).toBe(substitutionEngine.compile(template)(scopeOf(input)));
      });

  it("the one deliberate difference: an empty body is {} for $input.body (LocalStack VelocityInput.body)", () => {
    const template = templates.find((t) => t.includes("$input.body"))!;
    expect(vtlEngine.compile(template)(scopeOf({ body: "" }))).toContain(":{}");
    expect(substitutionEngine.compile(template)(scopeOf({ body: "" }))).not.toContain(":{}");
  });
});
