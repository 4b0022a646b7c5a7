import type { ErrorObject } from "ajv";

/**
 * `$context.error.validationErrorString` for a body that fails its model.
 *
 * API Gateway validates models with a draft-4 validator whose report reads like java-json-tools' json-schema-validator
 * (its message bundle, `validation.properties`: "object has missing required properties (%s)", "instance type (%s)
 * does not match any allowed primitive type (allowed: %s)", …). An API Gateway execution log shows the string as a
 * bracketed list: `Request body does not match model schema for content type application/json: [object has missing
 * required properties (["body","subject","to"])]` [OBS: RafPe/serverless-reqvalidator-plugin#1]. ajv's errors are
 * rewritten into those messages; several are joined as Java prints a list (`[a, b]`).
 *
 * Known approximations: the order of several messages follows ajv's, not fge's; anyOf/oneOf/not report only the
 * combinator message (fge nests the branch reports); allOf reports the failing branches' own messages.
 */
export function validationErrorString(errors: readonly ErrorObject[]): string {
  const messages: Array<string | undefined> = [];
  const missing = new Map<string, { index: number; names: string[] }>();
  const extra = new Map<string, { index: number; names: string[] }>();
  const combinators = errors.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf" || e.keyword === "not").map((e) => e.schemaPath);
  for (const error of errors) {
    // Branch errors of anyOf/oneOf/not are part of the combinator's own message.
    if (combinators.some((path) => error.schemaPath !== path && error.schemaPath.startsWith(`${path}/`))) continue;
    if (error.keyword === "required") {
      group(missing, error.instancePath, String(error.params["missingProperty"]));
      continue;
    }
    if (error.keyword === "additionalProperties") {
      group(extra, error.instancePath, String(error.params["additionalProperty"]));
      continue;
    }
    messages.push(message(error));
  }
  for (const { index, names } of missing.values()) messages[index] = `object has missing required properties (${json(names.sort())})`;
  for (const { index, names } of extra.values()) messages[index] = `object instance has properties which are not allowed by the schema: ${json(names.sort())}`;
  return `[${messages.filter((m) => m !== undefined).join(", ")}]`;

  function group(into: Map<string, { index: number; names: string[] }>, path: string, name: string): void {
    const existing = into.get(path);
    if (existing) existing.names.push(name);
    else {
      into.set(path, { index: messages.length, names: [name] });
      messages.push(undefined);
    }
  }
}

/** Compact JSON as Jackson prints it (`["a","b"]`). */
const json = (v: unknown): string => JSON.stringify(v);

/** java-json-tools NodeType names; Jackson tells integers from decimals by their text, JSON.parse by value. */
function nodeType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

const NODE_TYPE_ORDER = ["array", "boolean", "integer", "null", "number", "object", "string"];

function message(error: ErrorObject): string {
  const data = error.data;
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "type": {
      const declared = Array.isArray(error.schema) ? (error.schema as string[]) : [String(error.schema)];
      // fge: "number" allows integers too, and lists them.
      const allowed = new Set(declared.includes("number") ? [...declared, "integer"] : declared);
      const sorted = NODE_TYPE_ORDER.filter((t) => allowed.has(t));
      return `instance type (${nodeType(data)}) does not match any allowed primitive type (allowed: ${json(sorted)})`;
    }
    case "enum":
      return `instance value (${json(data)}) not found in enum (possible values: ${json(error.schema)})`;
    case "minimum":
      return p["comparison"] === ">"
        ? `numeric instance is not strictly greater than the required minimum ${String(p["limit"])}`
        : `numeric instance is lower than the required minimum (minimum: ${String(p["limit"])}, found: ${String(data)})`;
    case "maximum":
      return p["comparison"] === "<"
        ? `numeric instance is not strictly lower than the required maximum ${String(p["limit"])}`
        : `numeric instance is greater than the required maximum (maximum: ${String(p["limit"])}, found: ${String(data)})`;
    case "exclusiveMinimum":
      return `numeric instance is not strictly greater than the required minimum ${String(p["limit"])}`;
    case "exclusiveMaximum":
      return `numeric instance is not strictly lower than the required maximum ${String(p["limit"])}`;
    case "multipleOf":
      return `remainder of division is not zero (${String(data)} / ${String(p["multipleOf"])})`;
    case "minLength":
      return `string "${String(data)}" is too short (length: ${[...String(data)].length}, required minimum: ${String(p["limit"])})`;
    case "maxLength":
      return `string "${String(data)}" is too long (length: ${[...String(data)].length}, maximum allowed: ${String(p["limit"])})`;
    case "pattern":
      return `ECMA 262 regex "${String(p["pattern"])}" does not match input string "${String(data)}"`;
    case "minItems":
      return `array is too short: must have at least ${String(p["limit"])} elements but instance has ${(data as unknown[]).length} elements`;
    case "maxItems":
      return `array is too long: must have at most ${String(p["limit"])} elements but instance has ${(data as unknown[]).length} elements`;
    case "uniqueItems":
      return "array must not contain duplicate elements";
    case "additionalItems":
      return `schema only allows ${String(p["limit"])} elements in array but instance has ${(data as unknown[]).length} elements`;
    case "minProperties":
      return `object has too few properties (found ${Object.keys(data as object).length} but schema requires at least ${String(p["limit"])})`;
    case "maxProperties":
      return `object has too many properties (found ${Object.keys(data as object).length} but schema requires at most ${String(p["limit"])})`;
    case "dependencies": {
      const deps = String(p["deps"]).split(", ");
      const present = new Set(Object.keys(data as object));
      return `property "${String(p["property"])}" of object has missing property dependencies (schema requires ${json(deps)}; missing: ${json(deps.filter((d) => !present.has(d)))})`;
    }
    case "anyOf":
      return `instance failed to match at least one required schema among ${(error.schema as unknown[]).length}`;
    case "oneOf": {
      const passing = p["passingSchemas"];
      return `instance failed to match exactly one schema (matched ${Array.isArray(passing) ? passing.length : 0} out of ${(error.schema as unknown[]).length})`;
    }
    case "not":
      return "instance matched a schema which it should not have";
    case "format":
      return formatMessage(String(p["format"]), String(data));
    default:
      return error.message ?? error.keyword;
  }
}

function formatMessage(format: string, value: string): string {
  switch (format) {
    case "email":
      return `string "${value}" is not a valid email address`;
    case "hostname":
      return `string "${value}" is not a valid hostname`;
    case "ipv4":
      return `string "${value}" is not a valid IPv4 address`;
    case "ipv6":
      return `string "${value}" is not a valid IPv6 address`;
    case "regex":
      return `string "${value}" is not a valid ECMA 262 regular expression`;
    case "uri":
      return `string "${value}" is not a valid URI`;
    default:
      // date-time, the one other format validate.ts registers. fge's DateTimeAttribute names the Joda patterns it
      // parses with, not the keyword (json-schema-validator format/common/DateTimeAttribute.java, FORMATS).
      return `string "${value}" is invalid against requested date format(s) [yyyy-MM-dd'T'HH:mm:ssZ, yyyy-MM-dd'T'HH:mm:ss.[0-9]{1,12}Z]`;
  }
}
