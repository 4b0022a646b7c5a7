/**
 * Route selection (spec §12.1): for any JSON message, the route the expression names is taken when it exists
 * (matching is exact), otherwise $default; templates join their parts with missing paths as ""; anything that is
 * not JSON goes to $default. Bounded runs over the compiled selector the WebSocket server uses.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { routeSelector, stringify } from "../../reference-gateway/websocket/route-selection.ts";
import { features } from "../harness/conformance.ts";

const key = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !k.startsWith("$"));
const json = fc.jsonValue({ maxDepth: 3 });

describe("WebSocket route selection", features("websocket.routing"), () => {
  it("$request.body.action: the named route when it exists, else $default", () => {
    fc.assert(
      fc.property(fc.uniqueArray(key, { maxLength: 6 }), key, json, fc.boolean(), (routes, action, rest, known) => {
        const chosen = known && routes.length > 0 ? routes[0]! : action;
        const select = routeSelector("$request.body.action", ["$connect", "$disconnect", "$default", ...routes]);
        const message = JSON.stringify({ payload: rest, action: chosen });
        expect(select(message)).toBe(routes.includes(chosen) ? chosen : "$default");
      }),
      { numRuns: 300 },
    );
  });

  it("nested paths select the nested value", () => {
    fc.assert(
      fc.property(key, key, (outer, action) => {
        const select = routeSelector(`$request.body.meta.route`, [action]);
        expect(select(JSON.stringify({ meta: { route: action }, outer }))).toBe(action);
        expect(select(JSON.stringify({ meta: {}, route: action }))).toBe("$default");
      }),
      { numRuns: 200 },
    );
  });

  it("templates join their parts; a missing part is the empty string", () => {
    fc.assert(
      fc.property(key, key, fc.boolean(), (service, action, dropAction) => {
        const body = dropAction ? { service } : { service, action };
        const expected = `${service}/${dropAction ? "" : action}`;
        const select = routeSelector("${request.body.service}/${request.body.action}", [expected]);
        expect(select(JSON.stringify(body))).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });

  it("non-string values are stringified before matching (arrays as [a, b])", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.integer(), { maxLength: 3 })), (value) => {
        const name = stringify(value);
        const select = routeSelector("$request.body.action", [name]);
        expect(select(JSON.stringify({ action: value }))).toBe(name);
      }),
      { numRuns: 200 },
    );
    expect(stringify(["item1", "item2"])).toBe("[item1, item2]"); // the example of the selection-expression docs
  });

  it("anything that is not JSON goes to $default", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        let isJson = true;
        try {
          JSON.parse(text);
        } catch {
          isJson = false;
        }
        fc.pre(!isJson);
        expect(routeSelector("$request.body.action", [text])(text)).toBe("$default");
      }),
      { numRuns: 200 },
    );
  });
});
