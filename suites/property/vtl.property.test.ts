import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { emptyOverrides } from "../../reference-gateway/templates/index.ts";
import { base64Decode, base64Encode, escapeJavaScript, urlDecode, urlEncode, vtlEngine } from "../../reference-gateway/vtl/index.ts";
import { features } from "../harness/conformance.ts";

/**
 * Properties of the VTL engine's $util functions and $input.json (no network). 200 runs each, seeded from
 * GATEPROOF_SEED like the other property suites.
 */
const seed = process.env.GATEPROOF_SEED ? Number(process.env.GATEPROOF_SEED) : 0x7e1;
const runs = { seed, numRuns: 200 };
// The JavaScript parser itself reads the literal back. The output was checked to be printable ASCII first, and the
// literal is only returned, never called.
const readJsLiteral = (literal: string): unknown => new Function(`"use strict"; return ${literal};`)();

// Well-formed text (no lone surrogates: Java would encode those as '?', losing them in any engine).
const text = fc.string({ unit: "grapheme", maxLength: 40 });

const renderWith = (template: string, body: string, querystring: Record<string, string> = {}) =>
  vtlEngine.compile(template)({ context: {}, stageVariables: {}, input: { body, params: { path: {}, querystring, header: {} } }, overrides: emptyOverrides() });

describe("$util properties", features(["rest.vtl"], { referenceOnly: true }), () => {
  it("urlDecode(urlEncode(s)) === s, and urlEncode matches java.net.URLEncoder's safe set", () => {
    fc.assert(
      fc.property(text, (s) => {
        const encoded = urlEncode(s);
        expect(encoded).toMatch(/^[A-Za-z0-9.*_+%-]*$/);
        expect(urlDecode(encoded)).toBe(s);
        // encodeURIComponent additionally keeps ! ' ( ) ~ and writes space as %20.
        const reference = encodeURIComponent(s)
          .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
          .replace(/%20/g, "+");
        expect(encoded).toBe(reference);
      }),
      runs,
    );
  });

  it("base64Decode(base64Encode(s)) === s", () => {
    fc.assert(
      fc.property(text, (s) => {
        const encoded = base64Encode(s);
        expect(encoded).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
        expect(base64Decode(encoded)).toBe(s);
      }),
      runs,
    );
  });

  it("escapeJavaScript output, quoted either way, reads back as the input in a JavaScript parser", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (s) => {
        const escaped = escapeJavaScript(s);
        expect(escaped).toMatch(/^[\x20-\x7e]*$/);
        expect(readJsLiteral(`"${escaped}"`)).toBe(s);
        expect(readJsLiteral(`'${escaped}'`)).toBe(s);
      }),
      runs,
    );
  });

  it("$util.escapeJavaScript in a template equals the function (via a query parameter)", () => {
    const compiled = vtlEngine.compile("$util.escapeJavaScript($input.params('s'))");
    fc.assert(
      fc.property(text.filter((s) => s.length > 0), (s) => {
        expect(compiled({ context: {}, stageVariables: {}, input: { body: "", params: { path: {}, querystring: { s }, header: {} } } })).toBe(escapeJavaScript(s));
      }),
      runs,
    );
  });
});

describe("$input.json properties", features(["rest.vtl"], { referenceOnly: true }), () => {
  const normalise = (json: string) => JSON.stringify(JSON.parse(json));

  it("any JSON body survives $input.json('$')", () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 4 }), (body) => {
        expect(normalise(renderWith("$input.json('$')", body))).toBe(normalise(body));
      }),
      runs,
    );
  });

  it("$util.parseJson($input.body) and $input.path('$') print the same value; parseJson($input.json('$')) round-trips", () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 3 }), (body) => {
        const viaPath = renderWith("$input.path('$')", body);
        expect(renderWith("$util.parseJson($input.body)", body)).toBe(viaPath);
        expect(renderWith("$util.parseJson($input.json('$'))", body)).toBe(viaPath);
      }),
      runs,
    );
  });
});
