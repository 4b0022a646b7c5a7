import { afterAll, describe, expect, it } from "vitest";
import { TemplateCompileError, TemplateRenderError } from "../../../reference-gateway/templates/index.ts";
import { render } from "./helpers.ts";

// A template reaches only what API Gateway exposes ($input, $util, $context, $stageVariables and the values they
// return). Values are closed template types (Map, list, string, number, boolean, host tables); no JavaScript
// object, function or prototype is reachable, so every attempt below renders nothing or is refused.

const protoKeysBefore = Object.getOwnPropertyNames(Object.prototype).sort();
const arrayProtoBefore = Object.getOwnPropertyNames(Array.prototype).sort();
const functionProtoBefore = Object.getOwnPropertyNames(Function.prototype).sort();

const body = '{"a":{"b":1},"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}';

const escapes: Array<[string, string]> = [
  ["$input.path('$').constructor.constructor('return process')", ""],
  ["$input.path('$.a').constructor.constructor('return process').call() $input.body.constructor.constructor('return 1')", " "],
  ["$input.constructor $input.__proto__ $input.prototype $input.toString $input.hasOwnProperty('body')", "    "],
  ["$util.class $util.getClass() $util.constructor $util.escapeJavaScript.call $util.escapeJavaScript.apply $util.escapeJavaScript.bind", "     "],
  ["#set($a = {})$a.constructor $a.constructor.name $a.__proto__ $a.__defineGetter__ $a.valueOf()", "    "],
  ["#set($l = [])$l.constructor $l.push(1) $l.map $l.join(',') $l.__proto__", "    "],
  ["#set($s = 'x')$s.constructor $s.constructor.fromCharCode(65) $s.__proto__ $s.at(0) $s.normalize()", "    "],
  ["$context.constructor $context.__proto__ $stageVariables.constructor $foreach.constructor $velocityCount.constructor", "    "],
  ["$process $require $globalThis $global $Function $this $eval", "      "],
  ["#foreach($i in [1])$foreach.constructor $foreach.parent.constructor#end", " "],
  ["$input.params().constructor $input.params().header.__proto__ $input.params('__proto__') $input.params('constructor')", "   "],
  ["$util.parseJson('{\"__proto__\":{\"polluted\":1}}').polluted $util.parseJson('{\"__proto__\":{\"polluted\":1}}').get('__proto__')", " {polluted=1}"],
  ["$input.path('$.__proto__.polluted') $input.path('$.constructor.prototype.polluted') $input.json('$.__proto__')", 'yes yes {"polluted":"yes"}'],
  ["#evaluate('$input.constructor.constructor')", ""],
];

const pollution = [
  "#set($x.__proto__.polluted = 1)",
  "#set($a = {})#set($a.__proto__.polluted = 1)#set($a['__proto__']['polluted'] = 1)",
  "#set($a = {})#set($a.constructor.prototype.polluted = 1)",
  "#set($context.constructor.prototype.polluted = 1)#set($context.__proto__.polluted = 1)",
  "#set($input.__proto__.polluted = 1)#set($util.constructor.prototype.polluted = 1)",
  "#set($l = [])#set($l.__proto__.polluted = 1)#set($l.constructor.prototype.polluted = 1)",
  "#set($s = 'x')#set($s.__proto__.polluted = 1)",
  "#set($m = $input.path('$'))#set($m.__proto__.polluted = 1)$m.put('__proto__', 1)$m.put('constructor', 1)",
  '#set($m = {"__proto__": {"polluted": 1}})#set($n = {"constructor": {"prototype": {"polluted": 1}}})',
  "#set($__proto__ = 1)#set($constructor = 1)#set($prototype = 1)#set($hasOwnProperty = 1)",
  "#macro(__proto__)x#end#macro(constructor)y#end#macro(toString)z#end#__proto__()#constructor()#toString()",
  "#define($__proto__)x#end$__proto__",
  "#foreach($__proto__ in [1, 2])$__proto__#end",
  "$context.requestOverride.header.put('__proto__', 'x')#set($context.responseOverride.header.constructor = 'y')",
];

describe("sandbox", () => {
  for (const [template, expected] of escapes)
    it(`escape attempt renders harmlessly: ${template}`, () => {
      expect(render(template, { body })).toBe(expected);
    });

  for (const template of pollution)
    it(`pollution attempt leaves prototypes alone: ${template}`, () => {
      render(template, { body });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
    });

  it("#parse and #include are refused at render (API Gateway templates have no other templates to read)", () => {
    for (const template of ['#parse("/etc/passwd")', '#include("package.json")', "#set($f = '/etc/hosts')#include($f)"]) {
      try {
        render(template);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(TemplateRenderError);
        expect((error as TemplateRenderError).kind).toBe("refused");
      }
    }
  });

  it("override names that are prototype keys are plain keys of the sink", () => {
    const { scopeOf } = helpers;
    const scope = scopeOf();
    // eslint-disable-next-line
    const { vtlEngine } = engine;
    vtlEngine.compile("#set($context.requestOverride.header.__proto__ = 'x')#set($context.responseOverride.header.constructor = 'y')")(scope);
    expect(Object.getOwnPropertyDescriptor(scope.overrides.request.header, "__proto__")?.value).toBe("x");
    expect(Object.getOwnPropertyDescriptor(scope.overrides.response.header, "constructor")?.value).toBe("y");
  });

  it("calling a call result, `(…)()`, is not VTL: refused at load", () => {
    expect(() => render("$input.path('$').constructor.constructor('return process')()")).toThrow(TemplateCompileError);
    expect(() => render("$input.path('$.a').constructor.constructor('return process')().exit(1)")).toThrow(TemplateCompileError);
  });

  afterAll(() => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeysBefore);
    expect(Object.getOwnPropertyNames(Array.prototype).sort()).toEqual(arrayProtoBefore);
    expect(Object.getOwnPropertyNames(Function.prototype).sort()).toEqual(functionProtoBefore);
    expect(Object.prototype.toString.call({})).toBe("[object Object]");
  });
});

import * as helpers from "./helpers.ts";
import * as engine from "../../../reference-gateway/vtl/index.ts";
