/**
 * Request models (JSON Schema draft 4) and request validators, shared by the OpenAPI, CloudFormation and SAM readers.
 *
 * Models reference each other through `$ref`. Three spellings are accepted and rewritten to one canonical form,
 * `MODEL_REF_BASE + <name>` (+ an optional `#/json/pointer` into it), which rest/validate.ts registers with ajv:
 *   - `#/definitions/X` (OpenAPI 2) and `#/components/schemas/X` (OpenAPI 3), in schemas read from an OpenAPI document;
 *   - `https://apigateway.amazonaws.com/restapis/{api_id}/models/X` (models-mappings-models.md: "$ref to another model
 *     uses https://apigateway.amazonaws.com/restapis/{api_id}/models/{model_name} and must be within the same API").
 * Other `$ref`s (`#`, `#/properties/a`, a model's own `#/definitions/x`) stay local to the model.
 *
 * Unsupported keywords (api-gateway-known-issues.md lists `example`, `readOnly`, `discriminator`, `default`,
 * `exclusiveMinimum`, `format: int32/int64/decimal`, OAS2 `oneOf` for the importer): the annotation keywords AWS's
 * importer drops from the schema (example, readOnly, discriminator; Qlik/Talend API Designer's AWS compatibility table:
 * "The attribute is removed from the schema") are removed here too, together with the other OpenAPI-only
 * annotations (xml, externalDocs, nullable, writeOnly, deprecated). Draft-4 validation keywords are kept and
 * validated with draft-4 semantics, as a model created through the Model API is; unknown `format`s are ignored
 * (the draft-4 validator AWS uses only warns on them).
 */
import type { RequestModel, RequestValidator } from "../model/types.ts";
import { fail } from "./errors.ts";
import { child } from "./json-path.ts";
import { bool, isObject, obj, str } from "./values.ts";

/** Canonical `$ref` prefix for another model of the same API. */
export const MODEL_REF_BASE = "https://apigateway.amazonaws.com/restapis/models/";

/** Model names: alphanumeric only (spec §9, api-gateway-known-issues.md). */
export const MODEL_NAME = /^[A-Za-z0-9]+$/;

/** Built-in models every REST API has (create-api-using-console: "Empty" and "Error"); a template may redefine them. */
export const BUILTIN_MODELS: Record<string, RequestModel> = {
  Empty: { name: "Empty", contentType: "application/json", schema: { $schema: "http://json-schema.org/draft-04/schema#", title: "Empty Schema", type: "object" } },
  Error: {
    name: "Error",
    contentType: "application/json",
    schema: { $schema: "http://json-schema.org/draft-04/schema#", title: "Error Schema", type: "object", properties: { message: { type: "string" } } },
  },
};

const DROPPED_KEYWORDS = new Set(["example", "examples", "readOnly", "writeOnly", "discriminator", "xml", "externalDocs", "nullable", "deprecated"]);
/** Keywords whose value maps names (not keywords) to schemas. */
const MAPS_OF_SCHEMAS = new Set(["properties", "patternProperties", "definitions", "dependencies"]);
const AWS_MODEL_URL = /^https:\/\/apigateway\.amazonaws\.com\/restapis\/[^/]+\/models\/([^/#]+)(#.*)?$/;
const OPENAPI_REF = /^#\/(?:definitions|components\/schemas)\/([^/]+)(\/.*)?$/;

export type RefDialect = "openapi" | "model";

/**
 * A copy of `schema` with its model `$ref`s rewritten to the canonical form and dropped annotations removed.
 * `refs` collects the names referenced (checked against the API's models once all are known).
 */
export function normaliseSchema(schema: unknown, dialect: RefDialect, file: string, path: string, refs: ModelRefs): Record<string, unknown> {
  if (!isObject(schema)) return fail(file, path, "model schema must be an object");
  return walk(schema, path, true) as Record<string, unknown>;

  function walk(node: unknown, at: string, isSchema: boolean): unknown {
    if (Array.isArray(node)) return node.map((item, index) => walk(item, child(at, index), isSchema));
    if (!isObject(node)) return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (isSchema && DROPPED_KEYWORDS.has(key)) continue;
      if (isSchema && key === "$ref" && typeof value === "string") {
        out[key] = rewriteRef(value, dialect, file, child(at, key), refs);
        continue;
      }
      if (isSchema && MAPS_OF_SCHEMAS.has(key) && isObject(value)) {
        const map: Record<string, unknown> = {};
        for (const [name, sub] of Object.entries(value)) map[name] = walk(sub, child(child(at, key), name), true);
        out[key] = map;
        continue;
      }
      // enum values and the like are data, not schemas: leave them untouched.
      const valueIsSchema = isSchema && key !== "enum" && key !== "required" && key !== "default" && key !== "type";
      out[key] = walk(value, child(at, key), valueIsSchema);
    }
    return out;
  }
}

function rewriteRef(ref: string, dialect: RefDialect, file: string, path: string, refs: ModelRefs): string {
  const aws = AWS_MODEL_URL.exec(ref);
  const openapi = dialect === "openapi" ? OPENAPI_REF.exec(ref) : null;
  const match = aws ?? openapi;
  if (!match) {
    if (ref.startsWith("#")) return ref;
    return fail(file, path, `$ref "${ref}" must point at a model of this API (https://apigateway.amazonaws.com/restapis/{api_id}/models/{name}${dialect === "openapi" ? ", #/definitions/{name} or #/components/schemas/{name}" : ""})`);
  }
  const name = decodeURIComponent(match[1]!.replace(/~1/g, "/").replace(/~0/g, "~"));
  refs.push({ name, file, path });
  const pointer = aws ? (match[2] ?? "") : match[2] ? `#${match[2]}` : "";
  return `${MODEL_REF_BASE}${name}${pointer}`;
}

export type ModelRefs = Array<{ name: string; file: string; path: string }>;

/** Collects an API's models; `check()` validates names and references once all are in. */
export class ModelSet {
  readonly models: Record<string, RequestModel> = { ...BUILTIN_MODELS };
  readonly refs: ModelRefs = [];

  add(name: string, contentType: string, schema: unknown, dialect: RefDialect, file: string, path: string, namePath = path): RequestModel {
    if (!MODEL_NAME.test(name)) fail(file, namePath, `model name "${name}" must be alphanumeric`);
    const model: RequestModel = { name, contentType, schema: normaliseSchema(schema, dialect, file, path, this.refs) };
    this.models[name] = model;
    return model;
  }

  /** Throws for a `$ref` to a model this API does not define. */
  check(): void {
    for (const ref of this.refs) if (!this.models[ref.name]) fail(ref.file, ref.path, `$ref to unknown model "${ref.name}"`);
  }

  /** Throws unless `name` is a model of this API. */
  need(name: string, file: string, path: string): string {
    if (!this.models[name]) fail(file, path, `unknown model "${name}"`);
    return name;
  }
}

/** `{validateRequestBody, validateRequestParameters}` as written in `x-amazon-apigateway-request-validators`. */
export function readValidator(name: string, raw: unknown, file: string, path: string): RequestValidator {
  const v = obj(raw, file, path, "request validator");
  for (const k of Object.keys(v)) {
    if (k !== "validateRequestBody" && k !== "validateRequestParameters") fail(file, child(path, k), `request validator property ${k} is not supported`);
  }
  return {
    name,
    validateRequestBody: bool(v["validateRequestBody"], file, child(path, "validateRequestBody"), "validateRequestBody"),
    validateRequestParameters: bool(v["validateRequestParameters"], file, child(path, "validateRequestParameters"), "validateRequestParameters"),
  };
}

/** A JSON string schema (CloudFormation `Schema: "{...}"`, as CDK emits) or an object. */
export function schemaValue(v: unknown, file: string, path: string): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v) as unknown;
  } catch (error) {
    return fail(file, path, `Schema is not valid JSON: ${(error as Error).message}`);
  }
}

export { str };
