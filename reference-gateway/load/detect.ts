/** Reading a definition file (JSON or YAML, by content) and telling SAM, CloudFormation and OpenAPI apart. */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { fail } from "./errors.ts";
import { cloudFormationTags } from "./yaml-tags.ts";

export type DefinitionKind = "sam" | "cloudformation" | "openapi";

export const SAM_TRANSFORM = "AWS::Serverless-2016-10-31";

/** Parses a JSON or YAML document. `jsonPath` is where errors are reported (the construct that referenced the file). */
export function readDocument(file: string, errorFile = file, jsonPath = "$"): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    return fail(errorFile, jsonPath, `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return parseText(text, file);
}

export function parseText(text: string, file: string): unknown {
  const trimmed = text.replace(/^\uFEFF/, "").trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed);
    } catch (e) {
      return fail(file, "$", `invalid JSON: ${(e as Error).message}`);
    }
  }
  try {
    return oneByteStrings(parseYaml(trimmed, { customTags: cloudFormationTags, maxAliasCount: 1000, uniqueKeys: true }));
  } catch (e) {
    return fail(file, "$", `invalid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
}

/** A character outside Latin-1: a string holding one is two-byte in V8 whatever we do. */
const BEYOND_LATIN1 = /[^\x00-\xff]/;

/**
 * The YAML document with every string value that fits Latin-1 replaced by a fresh one-byte copy. A file with one
 * character beyond Latin-1 anywhere (a "…" in a comment will do) is read as a two-byte string, and the values the yaml
 * package slices out of it stay two-byte: the bench template's resource path and stage name made every Lambda proxy
 * event's JSON two-byte — twice the bytes to copy to the function's thread and a slower parse there.
 */
function oneByteStrings(value: unknown): unknown {
  if (typeof value === "string") return BEYOND_LATIN1.test(value) ? value : Buffer.from(value, "latin1").toString("latin1");
  if (Array.isArray(value)) return value.map(oneByteStrings);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, oneByteStrings(item)]));
  return value;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function detectKind(doc: unknown, file: string): DefinitionKind {
  if (!isObject(doc)) return fail(file, "$", "not a SAM, CloudFormation or OpenAPI document (top level is not an object)");
  const transform = doc["Transform"];
  if (transform !== undefined) {
    const list = Array.isArray(transform) ? transform : [transform];
    for (const [i, t] of list.entries()) {
      if (t !== SAM_TRANSFORM) {
        const where = Array.isArray(transform) ? `$.Transform[${i}]` : "$.Transform";
        fail(file, where, `Transform ${JSON.stringify(t)} is not supported yet (only ${SAM_TRANSFORM})`);
      }
    }
    return "sam";
  }
  if (doc["Resources"] !== undefined) return "cloudformation";
  if (typeof doc["openapi"] === "string" && /^3\./.test(doc["openapi"])) return "openapi";
  if (doc["swagger"] === "2.0") return "openapi";
  if (doc["openapi"] !== undefined) return fail(file, "$.openapi", `OpenAPI version ${JSON.stringify(doc["openapi"])} is not supported (3.x or swagger 2.0)`);
  if (doc["swagger"] !== undefined) return fail(file, "$.swagger", `swagger version ${JSON.stringify(doc["swagger"])} is not supported (2.0)`);
  return fail(file, "$", "not a SAM, CloudFormation or OpenAPI document (no Transform, Resources, openapi or swagger key)");
}
