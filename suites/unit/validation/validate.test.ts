import { describe, expect, test } from "vitest";
import { GatewayError, errorContext, renderGatewayResponse } from "../../../reference-gateway/errors/index.ts";
import { BUILTIN_MODELS, MODEL_REF_BASE } from "../../../reference-gateway/load/models.ts";
import type { Method, RequestModel, RequestValidator, RestApi } from "../../../reference-gateway/model/types.ts";
import type { RoutedCall } from "../../../reference-gateway/rest/call.ts";
import { parseQuery } from "../../../reference-gateway/rest/query.ts";
import { headerMaps } from "../../../reference-gateway/rest/request.ts";
import { compileValidation, createModelValidator, validateRequest } from "../../../reference-gateway/rest/validate.ts";

/** The validate step in isolation (spec §9); sources as cited in suites/scenario/validation.test.ts. */
const ALL: RequestValidator = { name: "all", validateRequestBody: true, validateRequestParameters: true };

function api(models: Record<string, Record<string, unknown>>): RestApi {
  const all: Record<string, RequestModel> = { ...BUILTIN_MODELS };
  for (const [name, schema] of Object.entries(models)) all[name] = { name, contentType: "application/json", schema };
  return { models: all, root: { path: "/", pathPart: "", id: "root", children: [], methods: {} }, location: { file: "/t.yaml", path: "$" } } as unknown as RestApi;
}

function methodWith(m: Partial<Method>): Method {
  return { httpMethod: "POST", requestParameters: {}, requestModels: {}, requestValidator: ALL, ...m } as Method;
}

function call(o: { headers?: Array<[string, string]>; query?: string; path?: Record<string, string>; body?: string }): RoutedCall {
  return {
    headers: headerMaps(o.headers ?? []),
    query: parseQuery(o.query),
    route: { pathParameters: o.path ?? {} },
    request: { body: Buffer.from(o.body ?? "") },
  } as unknown as RoutedCall;
}

function failure(fn: () => void): GatewayError {
  try {
    fn();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("expected a GatewayError");
}

// An API with the built-in models only, validating no body: it starts no ajv (createModelValidator).
const builtinsOnly = await createModelValidator(api({}));
const withModels = await createModelValidator(
  api({
    Pet: { $schema: "http://json-schema.org/draft-04/schema#", type: "object", required: ["name"], properties: { name: { type: "string" }, tag: { $ref: `${MODEL_REF_BASE}Tag` } } },
    Tag: { type: "string", maxLength: 3 },
    Text: { type: "string" },
  }),
);

describe("parameters", () => {
  const m = methodWith({
    requestParameters: {
      "method.request.querystring.b": true,
      "method.request.querystring.a": true,
      "method.request.path.id": true,
      "method.request.header.X-Z": true,
      "method.request.header.x-a": true,
      "method.request.querystring.opt": false,
    },
  });
  const v = compileValidation(m, builtinsOnly)!;
  test("missing names: header, path, querystring, each sorted by name (LocalStack's AWS-validated ordering)", () => {
    const error = failure(() => validateRequest(v, call({})));
    expect(error.type).toBe("BAD_REQUEST_PARAMETERS");
    // ordinal sort of the full keys: "method.request.header.X-Z" < "method.request.header.x-a"
    expect(error.message).toBe("Missing required request parameters: [X-Z, x-a, id, a, b]");
  });
  test("blank values count as missing; present values pass", () => {
    expect(failure(() => validateRequest(v, call({ headers: [["x-z", "1"], ["X-A", " "]], query: "a=1&b=", path: { id: "7" } }))).message).toBe(
      "Missing required request parameters: [x-a, b]",
    );
    expect(() => validateRequest(v, call({ headers: [["x-z", "1"], ["X-A", "2"]], query: "a=1&b=2", path: { id: "7" } }))).not.toThrow();
  });
  test("a validator that checks nothing, or none, compiles to nothing", () => {
    expect(compileValidation(methodWith({ requestValidator: { name: "n", validateRequestBody: false, validateRequestParameters: false } }), builtinsOnly)).toBeUndefined();
    expect(compileValidation(methodWith({ requestValidator: undefined, requestParameters: { "method.request.querystring.a": true } }), builtinsOnly)).toBeUndefined();
  });
});

describe("body", () => {
  const compile = (requestModels: Record<string, string>) => compileValidation(methodWith({ requestModels }), withModels)!;

  test("the built-in BAD_REQUEST_BODY response is 400 {\"message\":\"Invalid request body\"} (spec §2.3)", () => {
    const error = failure(() => validateRequest(compile({ "application/json": "Pet" }), call({ body: "{}" })));
    expect(error.type).toBe("BAD_REQUEST_BODY");
    expect(error.validationErrorString).toBe('[object has missing required properties (["name"])]');
    const context = { error: errorContext(error.type, error.message, error.validationErrorString) };
    const rendered = renderGatewayResponse(error, {}, { context, stageVariables: {}, input: { body: "", params: { path: {}, querystring: {}, header: {} } } }, undefined);
    expect(rendered.status).toBe(400);
    expect(rendered.body).toBe('{"message":"Invalid request body"}');
    expect(context.error.validationErrorString).toBe('[object has missing required properties (["name"])]');
  });
  test("$ref to another model, and the report for it", () => {
    const error = failure(() => validateRequest(compile({ "application/json": "Pet" }), call({ body: '{"name":"a","tag":"long"}' })));
    expect(error.validationErrorString).toBe('[string "long" is too long (length: 4, maximum allowed: 3)]');
  });
  test("$default model applies to content types without their own [DOC]", () => {
    const v = compile({ "application/json": "Pet", $default: "Text" });
    expect(() => validateRequest(v, call({ headers: [["Content-Type", "text/csv"]], body: '"csv"' }))).not.toThrow();
    expect(failure(() => validateRequest(v, call({ headers: [["Content-Type", "text/csv"]], body: "1" }))).validationErrorString).toBe(
      '[instance type (integer) does not match any allowed primitive type (allowed: ["string"])]',
    );
  });
  test("model keys match the media type case-insensitively, parameters ignored", () => {
    const v = compile({ "Application/JSON": "Pet" });
    expect(failure(() => validateRequest(v, call({ headers: [["content-type", "APPLICATION/json; charset=UTF-8"]], body: "{}" }))).type).toBe("BAD_REQUEST_BODY");
  });
  test("not JSON → BAD_REQUEST_BODY with an empty validationErrorString", () => {
    const error = failure(() => validateRequest(compile({ "application/json": "Pet" }), call({ body: "nope" })));
    expect(error.type).toBe("BAD_REQUEST_BODY");
    expect(error.message).toBe("Invalid request body");
    expect(error.validationErrorString).toBe("");
  });
  test("Empty (built-in) accepts any object and rejects non-objects", () => {
    const v = compile({ "application/json": "Empty" });
    expect(() => validateRequest(v, call({ body: '{"a":1}' }))).not.toThrow();
    expect(failure(() => validateRequest(v, call({ body: "[]" }))).validationErrorString).toBe('[instance type (array) does not match any allowed primitive type (allowed: ["object"])]');
  });
  test("an invalid schema is a load error, even one no method validates against", async () => {
    // createModelValidator starts no ajv for an API with only the built-in models; a model of its own must not wait.
    await expect(createModelValidator(api({ Bad: { type: "object", properties: { a: { type: 5 } } } }))).rejects.toThrow(/model "Bad" is not a valid JSON Schema draft 4/);
  });
  test("a body validated against a built-in model, in an API with no models of its own, is validated", async () => {
    const empty = api({});
    const method = methodWith({ requestModels: { "application/json": "Empty" } });
    (empty.root.methods as Record<string, Method>)["POST"] = method;
    const v = compileValidation(method, await createModelValidator(empty))!;
    expect(failure(() => validateRequest(v, call({ body: "[]" }))).type).toBe("BAD_REQUEST_BODY");
  });
});

describe("validationErrorString wording (java-json-tools validation.properties)", () => {
  const report = async (schema: Record<string, unknown>, body: unknown): Promise<string | undefined> => {
    const v = compileValidation(methodWith({ requestModels: { "application/json": "M" } }), await createModelValidator(api({ M: schema })))!;
    try {
      validateRequest(v, call({ body: JSON.stringify(body) }));
      return undefined;
    } catch (error) {
      return (error as GatewayError).validationErrorString;
    }
  };
  test.each([
    [{ type: "number" }, "x", '[instance type (string) does not match any allowed primitive type (allowed: ["integer","number"])]'],
    [{ minimum: 5, exclusiveMinimum: true }, 5, "[numeric instance is not strictly greater than the required minimum 5]"],
    [{ maximum: 5 }, 6, "[numeric instance is greater than the required maximum (maximum: 5, found: 6)]"],
    [{ minLength: 2 }, "a", '[string "a" is too short (length: 1, required minimum: 2)]'],
    [{ pattern: "^a+$" }, "b", '[ECMA 262 regex "^a+$" does not match input string "b"]'],
    [{ minItems: 2 }, [1], "[array is too short: must have at least 2 elements but instance has 1 elements]"],
    [{ uniqueItems: true }, [1, 1], "[array must not contain duplicate elements]"],
    [{ additionalProperties: false, properties: { a: {} } }, { a: 1, c: 2, b: 3 }, '[object instance has properties which are not allowed by the schema: ["b","c"]]'],
    [{ multipleOf: 3 }, 7, "[remainder of division is not zero (7 / 3)]"],
    [{ maxProperties: 1 }, { a: 1, b: 2 }, "[object has too many properties (found 2 but schema requires at most 1)]"],
    [{ anyOf: [{ type: "string" }, { type: "boolean" }] }, 1, "[instance failed to match at least one required schema among 2]"],
    [{ oneOf: [{ type: "integer" }, { minimum: 0 }] }, 1, "[instance failed to match exactly one schema (matched 2 out of 2)]"],
    [{ not: { type: "integer" } }, 1, "[instance matched a schema which it should not have]"],
    [{ type: "string", format: "email" }, "nope", '[string "nope" is not a valid email address]'],
    // fge's DateTimeAttribute lists its two Joda patterns (json-schema-validator format/common/DateTimeAttribute.java;
    // the same text in public test suites that assert that validator's report: 'string "2017" is invalid against requested
    // date format(s) [yyyy-MM-dd'T'HH:mm:ssZ, yyyy-MM-dd'T'HH:mm:ss.[0-9]{1,12}Z]'). Was "[date-time]".
    [{ type: "string", format: "date-time" }, "2017", `[string "2017" is invalid against requested date format(s) [yyyy-MM-dd'T'HH:mm:ssZ, yyyy-MM-dd'T'HH:mm:ss.[0-9]{1,12}Z]]`],
    [{ required: ["b", "a"], properties: { x: { type: "string" } } }, { x: 1 }, '[object has missing required properties (["a","b"]), instance type (integer) does not match any allowed primitive type (allowed: ["string"])]'],
  ])("%j on %j", async (schema, body, expected) => {
    expect(await report(schema, body)).toBe(expected);
  });
  test("format uri takes relative references too, as fge's URIAttribute (java.net.URI) does; a space still fails", async () => {
    // json-schema-validator format/common/URIAttribute.java: "each and any URI is allowed. In particular, it is not
    // required that the URI be absolute or normalized."
    expect(await report({ type: "string", format: "uri" }, "/images/cat.png?size=2#top")).toBeUndefined();
    expect(await report({ type: "string", format: "uri" }, "https://example.com/a")).toBeUndefined();
    expect(await report({ type: "string", format: "uri" }, "a b")).toBe('[string "a b" is not a valid URI]');
  });
  test("format email takes a one-label domain, as fge's EmailAttribute (RFC 5322) does", async () => {
    // json-schema-validator format/common/EmailAttribute.java: "that domain part may consist of a single domain name
    // component. As such, foo@bar is considered valid."
    expect(await report({ type: "string", format: "email" }, "foo@bar")).toBeUndefined();
    expect(await report({ type: "string", format: "email" }, "a.b+c@mail.example.com")).toBeUndefined();
    expect(await report({ type: "string", format: "email" }, "foo@")).toBe('[string "foo@" is not a valid email address]');
  });
  test("unknown formats (int32/int64/decimal) are ignored, as AWS's validator only warns on them", async () => {
    expect(await report({ type: "integer", format: "int64" }, 5)).toBeUndefined();
  });
});
