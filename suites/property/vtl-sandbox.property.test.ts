/**
 * VTL sandbox escapes as properties, through a real gateway route (the unit suite suites/unit/vtl/sandbox.test.ts has
 * the hand-written cases). Generated templates combine constructor chains, __proto__/prototype, .call/.apply/.bind,
 * Java reflection names (getClass, forName, getRuntime, exec, getMethod, invoke, newInstance), #set into prototypes,
 * #foreach/#macro/#define/#evaluate and $util with hostile input, over a body whose keys are __proto__/constructor.
 * They are rendered (1) by a MOCK route whose response template is `#evaluate` of the body's `t`, so fast-check can
 * shrink, and (2) as the route templates themselves, loaded by a gateway of their own. Properties:
 *   - no host code runs: the JavaScript payload inside the templates sets a canary global and a canary environment
 *     variable (it does both when run as JavaScript: checked below, so the property can fail); neither ever happens;
 *   - no gateway state changes: Object/Array/Function prototypes keep their keys and a fixed baseline route renders
 *     the same before and after, and the same request renders the same twice;
 *   - every answer is AWS-shaped: 200 with the rendered body, or a gateway error with a JSON `message`.
 * The routes are HTTP integrations to the echo backend with the template as request template, so the rendered text
 * is what the backend received (a MOCK's response template would see the empty integration response as $input).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { vtlEngine } from "../../reference-gateway/vtl/index.ts";
import { features } from "../harness/conformance.ts";
import { startEchoBackend, type EchoBackend } from "../harness/echo-backend.ts";
import { fuzzRuns, fuzzSeed } from "../robustness/harness.ts";

const dir = mkdtempSync(join(tmpdir(), "gateproof-vtl-sandbox-"));
const CANARY = "__gateproofVtlCanary";
/**
 * JavaScript that marks a canary global and a canary environment variable if it ever runs as host code (the gateway
 * renders in this process). No `$` and no single quote: it sits in VTL '…' literals.
 */
const PAYLOAD = `globalThis.${CANARY} = 1; process.env.${CANARY} = "ran"; return process`;

/** Written out: in an object literal `__proto__` would set the prototype instead of being a key. */
const hostileBody = (t: string) => `{"t":${JSON.stringify(t)},"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"a":{"b":[1,"x"]}}`;

// --- the template grammar -------------------------------------------------------------------------------------

// Method calls go on references only: a call on a literal (`{}.size()`) is not VTL, and the loader refuses it.
const root = fc.constantFrom("$input.path('$')", "$input.path('$.a')", "$input.path('$.__proto__')", "$input.json('$')", "$input.params()", "$input.body", "$input", "$util", "$context", "$stageVariables", "$a", "$i", "$foreach", "$velocityCount", "$process", "$globalThis", "$this", "$class", "$Function", "$require");
const hostileString = fc.constantFrom(`'${PAYLOAD}'`, "'{\"__proto__\":{\"polluted\":1},\"constructor\":{\"prototype\":{\"polluted\":1}}}'", "'%ZZ%'", "'java.lang.Runtime'", "'__proto__'", "'constructor'", "'prototype'", "$input.body", `'${"A".repeat(3000)}'`, "'\\u0000'", "''");
const step = fc.constantFrom(
  ".constructor", ".__proto__", ".prototype", ".class", ".getClass()", ".getClass().forName('java.lang.Runtime')", ".forName('java.lang.Runtime')", ".getRuntime()", ".exec('touch /tmp/x')",
  ".getMethod('exec')", ".getDeclaredMethods()", ".invoke(null)", ".newInstance()", ".getClassLoader()", ".call()", ".call(null)", ".apply(null)", ".bind(null)", `.constructor('${PAYLOAD}')`,
  ".valueOf()", ".toString()", ".get('__proto__')", ".get('constructor')", ".put('__proto__', 1)", ".hasOwnProperty('t')", ".__defineGetter__('x', 'y')", ".__lookupGetter__('t')", ".size()", ".keySet()", ".entrySet()", ".name", ".length",
);
const chain = fc.tuple(root, fc.array(step, { minLength: 1, maxLength: 5 })).map(([r, steps]) => r + steps.join(""));
const utilCall = fc.tuple(fc.constantFrom("escapeJavaScript", "parseJson", "urlEncode", "urlDecode", "base64Encode", "base64Decode", "toJson", "qr", "constructor", "__proto__"), fc.oneof(hostileString, chain))
  .map(([fn, arg]) => `$util.${fn}(${arg})`);
const expression = fc.oneof(chain, utilCall, hostileString, fc.constantFrom("{}", "[]", "[1..3]", '{"k": 1}'));
const directive = fc.oneof(
  fc.tuple(fc.constantFrom("$a", "$__proto__", "$constructor", "$prototype"), expression).map(([v, e]) => `#set(${v} = ${e})`),
  fc.tuple(fc.constantFrom("$a", "$input", "$util", "$context", "$stageVariables", "$foreach"), fc.constantFrom(".__proto__.polluted", ".constructor.prototype.polluted", "['__proto__']['polluted']", ".prototype.polluted"))
    .map(([v, path]) => `#set(${v}${path} = 1)`),
  fc.tuple(fc.constantFrom("$i", "$__proto__"), expression).map(([v, e]) => `#foreach(${v} in ${e})${v}${v}.constructor#end`),
  expression.map((e) => `#if(${e})yes#{else}no#end`),
  fc.oneof(expression, fc.constant(`"#set($a = $input.constructor)$a.constructor('${PAYLOAD}').call()"`)).map((e) => `#evaluate(${e})`),
  fc.constantFrom("#macro(__proto__)x#end#__proto__()", "#macro(constructor $p)$p.constructor#end#constructor($util)", "#define($__proto__)$input.constructor#end$__proto__"),
  fc.constantFrom("$context.requestOverride.header.put('__proto__', 'x')", "#set($context.responseOverride.header.constructor = 'y')", "#set($context.responseOverride.status = 299)"),
);
const template = fc.array(fc.oneof(expression, directive), { minLength: 1, maxLength: 6 }).map((parts) => parts.join(" "));

// --- the gateway and the checks -------------------------------------------------------------------------------

const BASELINE = `#set($m = {})$m.size() $input.json('$.a') $util.escapeJavaScript("it's") $util.parseJson('{"a":[1]}').a #foreach($i in [1..3])$i#end $input.params().header.get('x-same') {}`;

/**
 * An OpenAPI definition: /baseline, /render (#evaluate of the body's t) and one route per extra template, each an HTTP
 * integration whose request template is the template: the echo backend answers with what it rendered.
 */
function definition(echoUrl: string, templates: string[]): string {
  const route = (requestTemplate: string) => ({
    post: {
      responses: { "200": { description: "ok" } },
      "x-amazon-apigateway-integration": {
        type: "http",
        httpMethod: "POST",
        uri: `${echoUrl}/render`,
        passthroughBehavior: "never",
        requestTemplates: { "application/json": requestTemplate },
        responses: { default: { statusCode: "200" } },
      },
    },
  });
  const paths: Record<string, unknown> = { "/baseline": route(BASELINE), "/render": route("#evaluate($input.path('$.t'))") };
  templates.forEach((t, i) => (paths[`/t${i}`] = route(t)));
  const file = join(dir, `api-${templates.length}-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify({ openapi: "3.0.1", info: { title: "vtl-sandbox", version: "1" }, paths }));
  return file;
}

/** POSTs the body; `rendered` is what the template rendered (the body the echo backend received). */
async function post(base: string, path: string, body: string): Promise<{ status: number; rendered: string }> {
  const response = await request(`${base}${path}`, { method: "POST", body, headers: { "content-type": "application/json", "x-same": "same" } });
  const text = await response.body.text();
  if (response.statusCode !== 200) {
    expect(response.statusCode, text).toBeGreaterThanOrEqual(400);
    expect(JSON.parse(text), text).toHaveProperty("message");
    return { status: response.statusCode, rendered: text };
  }
  return { status: 200, rendered: (JSON.parse(text) as { body: string }).body };
}

const prototypesBefore = [Object.prototype, Array.prototype, Function.prototype, String.prototype].map((p) => Object.getOwnPropertyNames(p).sort());
function untouched(): void {
  expect((globalThis as Record<string, unknown>)[CANARY], "host code ran: canary global set").toBeUndefined();
  expect(process.env[CANARY], "host code ran: canary environment variable set").toBeUndefined();
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect([Object.prototype, Array.prototype, Function.prototype, String.prototype].map((p) => Object.getOwnPropertyNames(p).sort())).toEqual(prototypesBefore);
}

describe("VTL sandbox escapes through a gateway route (generated)", features(["rest.vtl", "rest.mock"], { referenceOnly: true }), () => {
  let gateway: RunningGateway;
  let echo: EchoBackend;
  let base: string;
  let baseline: { status: number; rendered: string };
  beforeAll(async () => {
    echo = await startEchoBackend();
    gateway = await startGateway({ template: definition(echo.url, []), stage: "t", port: 0, log: () => {} });
    base = gateway.urls[0]!.url;
    baseline = await post(base, "/baseline", hostileBody(""));
    expect(baseline).toEqual({ status: 200, rendered: `0 {"b":[1,"x"]} it\\'s [1] 123 same {}` });
  });
  afterAll(async () => {
    await gateway?.close();
    await echo?.close();
  });

  it("the canary detects host code: the payload, run as JavaScript, sets both", () => {
    expect(new Function(PAYLOAD)()).toBe(process);
    expect((globalThis as Record<string, unknown>)[CANARY]).toBe(1);
    expect(process.env[CANARY]).toBe("ran");
    delete (globalThis as Record<string, unknown>)[CANARY];
    delete process.env[CANARY];
    untouched();
  });

  it("#evaluate of generated templates: no host code, no state change, same answer twice, AWS-shaped", { timeout: 120_000 }, async () => {
    const statuses: number[] = [];
    await fc.assert(
      fc.asyncProperty(template, async (t) => {
        const first = await post(base, "/render", hostileBody(t));
        statuses.push(first.status);
        untouched();
        expect(await post(base, "/render", hostileBody(t))).toEqual(first);
        expect(await post(base, "/baseline", hostileBody(""))).toEqual(baseline);
      }),
      { numRuns: fuzzRuns(150), seed: fuzzSeed, interruptAfterTimeLimit: Number(process.env.GATEPROOF_FUZZ_MS ?? 20_000) },
    );
    // Most generated templates render (a 500 is a render error); so the property is about rendering, not refusals.
    expect(statuses.filter((x) => x === 200).length).toBeGreaterThan(statuses.length / 2);
  });

  it("generated templates loaded as route templates: rendered harmlessly", { timeout: 120_000 }, async () => {
    // What the VTL parser refuses is refused at load with the template's JSON path (a LoadError, never served): those
    // are left out here, the rest are all routes of one gateway.
    const sampled = fc.sample(template, { numRuns: fuzzRuns(40), seed: fuzzSeed });
    const templates = sampled.filter((t) => {
      try {
        vtlEngine.compile(t);
        return true;
      } catch {
        return false;
      }
    });
    expect(templates.length).toBeGreaterThan(sampled.length / 2);
    const own = await startGateway({ template: definition(echo.url, templates), stage: "t", port: 0, log: () => {} });
    try {
      const ownBase = own.urls[0]!.url;
      const before = await post(ownBase, "/baseline", hostileBody(""));
      expect(before).toEqual(baseline);
      for (const [i, t] of templates.entries()) {
        const first = await post(ownBase, `/t${i}`, hostileBody(""));
        untouched();
        expect(await post(ownBase, `/t${i}`, hostileBody("")), t).toEqual(first);
      }
      expect(await post(ownBase, "/baseline", hostileBody(""))).toEqual(baseline);
    } finally {
      await own.close();
    }
  });
});
