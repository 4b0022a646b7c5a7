import { describe, expect, it } from "vitest";
import {
  compileSubstitution,
  inputParam,
  mediaType,
  selectRequestTemplate,
  selectResponseTemplate,
  type TemplateScope,
} from "../../reference-gateway/templates/index.ts";

const scope = (overrides: Partial<TemplateScope> = {}): TemplateScope => ({
  context: { stage: "test", requestId: "rid-1", identity: { sourceIp: "10.0.0.1", user: null }, error: { messageString: '"Boom"' } },
  stageVariables: { greeting: "hello", other_var: "x1" },
  input: {
    body: '{"a":1}',
    params: { path: { id: "p-id" }, querystring: { id: "q-id", q: "q-only" }, header: { "X-Header": "h-val", id: "h-id", q: "h-q" } },
  },
  ...overrides,
});

const render = (text: string, s: TemplateScope = scope()) => compileSubstitution(text)(s);

describe("substitution syntaxes", () => {
  it("$context.a and $context.a.b", () => {
    // spec §1.4: $context.stage, $context.identity.sourceIp.
    expect(render('{"s":"$context.stage","ip":"$context.identity.sourceIp"}')).toBe('{"s":"test","ip":"10.0.0.1"}');
  });

  it("${context.a} and ${context.a.b} (formal references)", () => {
    expect(render("${context.stage}/${context.identity.sourceIp}")).toBe("test/10.0.0.1");
  });

  it("$stageVariables.x, $stageVariables['x'], ${stageVariables['x']}, ${stageVariables.x}", () => {
    // spec §1.3: the three documented syntaxes (plus ${stageVariables.x}, aws-api-gateway-stage-variables-reference).
    expect(render("$stageVariables.greeting|$stageVariables['greeting']|${stageVariables['greeting']}|${stageVariables.other_var}")).toBe(
      "hello|hello|hello|x1",
    );
  });

  it("missing and null values render as empty text", () => {
    expect(render("[$stageVariables.nope][$context.nope.deeper][$context.identity.user][$input.params('nope')]")).toBe("[][][][]");
  });

  it("$input.body is the raw payload", () => {
    expect(render('{"payload":$input.body}')).toBe('{"payload":{"a":1}}');
  });

  it("a quoted messageString is inserted as is (gateway-response default template)", () => {
    expect(render('{"message":$context.error.messageString}')).toBe('{"message":"Boom"}');
  });

  it("text around references is kept byte for byte, including $ not followed by a known root", () => {
    expect(render("price: $5 and $other.thing, ${unknown}")).toBe("price: $5 and $other.thing, ${unknown}");
  });

  it("renders per scope: one compile, many requests", () => {
    const compiled = compileSubstitution("$context.requestId");
    expect(compiled(scope())).toBe("rid-1");
    expect(compiled({ ...scope(), context: { requestId: "rid-2" } })).toBe("rid-2");
  });
});

describe("$input.params(x): path, then query string, then header (spec §1.1)", () => {
  it("path wins over query string and header", () => {
    expect(render("$input.params('id')")).toBe("p-id");
  });

  it("query string wins over header", () => {
    expect(render("$input.params('q')")).toBe("q-only");
  });

  it("header lookup is case-insensitive", () => {
    expect(render("$input.params('x-header')|$input.params('X-HEADER')")).toBe("h-val|h-val");
    expect(inputParam(scope(), "x-HeAdEr")).toBe("h-val");
  });

  it("path and query string lookups are case-sensitive", () => {
    // spec §10: query parameters are processed case-sensitively.
    // "ID"/"Q" miss the path id and the query q, and fall through to the (case-insensitive) headers id and q.
    expect(inputParam(scope(), "ID")).toBe("h-id");
    expect(inputParam(scope(), "Q")).toBe("h-q");
    const noHeaders = scope({ input: { body: "", params: { path: { id: "p" }, querystring: { q: "v" }, header: {} } } });
    expect(inputParam(noHeaders, "ID")).toBeUndefined();
    expect(inputParam(noHeaders, "Q")).toBeUndefined();
  });

  it("undefined when nowhere", () => {
    expect(inputParam(scope(), "absent")).toBeUndefined();
  });
});

describe("gateway-response templates are not VTL (spec §2.1)", () => {
  it("a # that is not a directive is plain text", () => {
    expect(render('{"tag":"#1","color":"#fff"}')).toBe('{"tag":"#1","color":"#fff"}');
  });

  it("directives are plain text", () => {
    expect(render("#set($a = 1) $context.stage")).toBe("#set($a = 1) test");
  });
});

describe("template selection (spec §1.7)", () => {
  const templates = { "application/json": "J", "application/xml": "X" };

  it("mediaType: parameters ignored, case folded, missing → application/json, first of a list", () => {
    expect(mediaType("application/json; charset=UTF-8")).toBe("application/json");
    expect(mediaType("Application/XML")).toBe("application/xml");
    expect(mediaType(undefined)).toBe("application/json");
    expect(mediaType("")).toBe("application/json");
    expect(mediaType("text/html, application/json")).toBe("text/html");
  });

  it("request: Content-Type with a charset selects by MIME type", () => {
    expect(selectRequestTemplate(templates, "application/xml;charset=utf-8")).toBe("X");
  });

  it("request: no Content-Type means application/json", () => {
    expect(selectRequestTemplate(templates, undefined)).toBe("J");
  });

  it("request: no template for the type → undefined (passthrough rules decide)", () => {
    expect(selectRequestTemplate(templates, "text/plain")).toBeUndefined();
    expect(selectRequestTemplate({}, undefined)).toBeUndefined();
  });

  it("response: the first Accept type only", () => {
    expect(selectResponseTemplate(templates, "application/xml, application/json")).toEqual({ contentType: "application/xml", template: "X" });
    // The second type has a template, but only the first counts: fallback to the first template.
    expect(selectResponseTemplate({ "application/xml": "X", "text/plain": "T" }, "text/html, text/plain")).toEqual({
      contentType: "application/xml",
      template: "X",
    });
  });

  it("response: no Accept means application/json", () => {
    expect(selectResponseTemplate({ "application/xml": "X", "application/json": "J" }, undefined)).toEqual({ contentType: "application/json", template: "J" });
  });

  it("response: no template for the Accept type → the first template defined", () => {
    expect(selectResponseTemplate({ "text/plain": "T", "application/json": "J" }, "image/png")).toEqual({ contentType: "text/plain", template: "T" });
  });

  it("response: no templates at all → undefined (payload passes through)", () => {
    expect(selectResponseTemplate({}, "application/json")).toBeUndefined();
  });
});
