import { describe, expect, it } from "vitest";
import { TemplateCompileError, TemplateRenderError, type TemplateScope } from "../../../reference-gateway/templates/index.ts";
import { LIMITS, vtlEngine } from "../../../reference-gateway/vtl/index.ts";
import { render, scopeOf } from "./helpers.ts";

// Overrides: apigateway-override-request-response-parameters.md (spec §1.5). Limits: limits.md and
// api-gateway-known-issues.md (spec §1.9).

describe("request and response overrides", () => {
  it("fills the sink with request header/path/querystring and response status/header", () => {
    const scope = scopeOf({ header: { "x-in": "a" } });
    const out = vtlEngine.compile(
      [
        '#set($context.requestOverride.header.header1 = "h1")',
        "#set($context.requestOverride.path.petId = 'p7')",
        '#set($context.requestOverride.querystring.q = "q1")',
        "#set($context.responseOverride.status = 400)",
        '#set($context.responseOverride.header.X-Custom = "v")',
        "body",
      ].join("\n"),
    )(scope);
    expect(out).toBe("body");
    expect({ ...scope.overrides.request.header }).toEqual({ header1: "h1" });
    expect({ ...scope.overrides.request.path }).toEqual({ petId: "p7" });
    expect({ ...scope.overrides.request.querystring }).toEqual({ q: "q1" });
    expect(scope.overrides.response.status).toBe(400);
    expect({ ...scope.overrides.response.header }).toEqual({ "X-Custom": "v" });
  });

  it("a list value is sent comma-joined (doc: multivalueheader=[$a, $b] → foo,header1Valheader2Val)", () => {
    const scope = scopeOf({ header: { header1: "header1Val", header2: "header2Val" } });
    vtlEngine.compile(
      '#set($a = "foo")#set($b = "$input.params(\'header1\')$input.params(\'header2\')")#set($context.requestOverride.header.multivalueheader = [$a, $b])',
    )(scope);
    expect(scope.overrides.request.header.multivalueheader).toBe("foo,header1Valheader2Val");
  });

  it("status may come from a string, via .put, or an index set; overrides read back in the template", () => {
    const scope = scopeOf({ body: '{"statusCode":"418","headers":{"a":"1","b":"2"}}' });
    const out = vtlEngine.compile(
      "#set($r = $input.path('$'))#set($context.responseOverride.status = $r.statusCode)#foreach($h in $r.headers.keySet())#set($context.responseOverride.header[$h] = $r.headers.get($h))#end$context.responseOverride.header.put('c', '3')$context.responseOverride.status",
    )(scope);
    expect(out).toBe("418");
    expect(scope.overrides.response.status).toBe(418);
    expect({ ...scope.overrides.response.header }).toEqual({ a: "1", b: "2", c: "3" });
  });

  it("overriding the same parameter twice is a render error (doc: 'produces 5XX')", () => {
    const twice = '#set($context.responseOverride.header.X = "1")#set($context.responseOverride.header.X = "2")';
    expect(() => render(twice)).toThrow(TemplateRenderError);
    try {
      render("#set($context.responseOverride.status = 400)#set($context.responseOverride.status = 500)");
      expect.unreachable();
    } catch (error) {
      expect((error as TemplateRenderError).kind).toBe("override-conflict");
    }
  });

  it("a scope without a sink renders all the same; the sink is untouched when nothing is overridden", () => {
    const scope: TemplateScope = { ...scopeOf(), overrides: undefined };
    expect(vtlEngine.compile('#set($context.responseOverride.status = 201)ok')(scope)).toBe("ok");
    const quiet = scopeOf();
    vtlEngine.compile("nothing")(quiet);
    expect(quiet.overrides.response.status).toBeUndefined();
    expect(Object.keys(quiet.overrides.request.header)).toEqual([]);
  });
});

describe("limits", () => {
  it("a template over 300 KB is refused at load", () => {
    expect(() => vtlEngine.compile("x".repeat(LIMITS.templateBytes + 1))).toThrow(TemplateCompileError);
    expect(vtlEngine.compile("x".repeat(LIMITS.templateBytes))(scopeOf()).length).toBe(LIMITS.templateBytes);
  });

  it("a VTL syntax error is refused at load, including a stray or missing #end", () => {
    expect(() => vtlEngine.compile("#if($a")).toThrow(TemplateCompileError);
    expect(() => vtlEngine.compile("a#end b")).toThrow(/#end without/);
    expect(() => vtlEngine.compile("#if(true)x")).toThrow(/missing #end/);
    expect(() => vtlEngine.compile("#foreach($a in [1])x#end#end tail")).toThrow(TemplateCompileError);
    expect(() => vtlEngine.compile('#set($a = )')).toThrow(/VTL syntax error/);
  });

  it("#foreach stops after 1000 iterations (Velocity directive.foreach.maxloops)", () => {
    const body = JSON.stringify({ items: Array.from({ length: 1500 }, (_, i) => i) });
    expect(render("#foreach($i in $input.path('$.items'))x#end", { body }).length).toBe(1000);
    expect(render("#foreach($i in $input.path('$.items'))#if($foreach.count == 1000)last=$i hasNext=$foreach.hasNext#end#end", { body })).toBe(
      "last=999 hasNext=true",
    );
    expect(render("#foreach($i in [1..1001])#end$velocityCount|#foreach($i in [1..1001])$velocityCount#end", {}).endsWith("9991000")).toBe(true);
  });

  it("a render that runs too long is stopped", () => {
    const start = Date.now();
    expect(() => render("#foreach($i in [1..1000])#foreach($j in [1..1000])#foreach($k in [1..1000])#end#end#end")).toThrow(TemplateRenderError);
    expect(Date.now() - start).toBeLessThan(LIMITS.renderMillis + 1500);
  });

  it("output and string size are bounded", () => {
    expect(() => render('#set($s = "0123456789")#foreach($i in [1..30])#set($s = "$s$s")#end')).toThrow(/limit/);
    expect(() => render("#set($s = 'x')#foreach($i in [1..30])#set($s = $s + $s)#end")).toThrow(/limit/);
  });

  it("macro recursion and huge ranges are bounded", () => {
    expect(() => render("#macro(r)#r()#end#r()")).toThrow(/nesting/);
    expect(() => render("#foreach($i in [1..100000000])#end")).toThrow(/too large/);
  });

  it("an unparseable body fails $input.json/$input.path with kind invalid-json (AWS: 400 'Could not parse request body into json')", () => {
    try {
      render("$input.json('$')", { body: "{not json" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TemplateRenderError);
      expect((error as TemplateRenderError).kind).toBe("invalid-json");
    }
    // $input.body alone never parses it.
    expect(render("$input.body", { body: "{not json" })).toBe("{not json");
  });
});
