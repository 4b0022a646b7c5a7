/**
 * Route selection (spec §12.1; apigateway-websocket-api-selection-expressions.md):
 *   - `$request.body.{jsonpath}`, or a template of `${request.body.{jsonpath}}` parts and static text
 *     (`${request.body.service}/${request.body.action}` → `chat/join`); `\$` is a literal `$`.
 *   - a missing path resolves to "" (`${request.body.action}-${request.body.invalidPath}` → `join-`);
 *   - arrays and objects are stringified, the docs' example being `[item1, item2]` (Java's List.toString; objects
 *     follow Java's Map.toString `{k=v, k2=v2}` — inferred from the same source, not shown there);
 *   - evaluated once, no recursion; non-JSON messages and keys without a route go to `$default`.
 * Compiled once per API; per message it is one JSON.parse and a few property reads.
 */

type Part = { literal: string } | { path: Array<string | number> };

/** `a.b[0]['c d']` → ["a", "b", 0, "c d"]. */
function parsePath(text: string): Array<string | number> {
  const out: Array<string | number> = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(m[3] ?? m[4] ?? "");
  }
  return out;
}

export function compileExpression(expression: string): Part[] {
  const plain = /^\$request\.body\.(.+)$/.exec(expression);
  if (plain && !expression.includes("${")) return [{ path: parsePath(plain[1]!) }];
  const parts: Part[] = [];
  const re = /\$\{request\.body\.([^}]+)\}/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(expression)) !== null) {
    if (m.index > last) parts.push({ literal: expression.slice(last, m.index).replace(/\\\$/g, "$") });
    parts.push({ path: parsePath(m[1]!) });
    last = m.index + m[0].length;
  }
  if (last < expression.length) parts.push({ literal: expression.slice(last).replace(/\\\$/g, "$") });
  return parts;
}

/** How a selected value becomes text (see the header). */
export function stringify(value: unknown): string {
  if (value === undefined) return "";
  if (value === null) return "null";
  if (Array.isArray(value)) return `[${value.map(stringify).join(", ")}]`;
  if (typeof value === "object") return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}=${stringify(v)}`).join(", ")}}`;
  return String(value);
}

function select(body: unknown, path: Array<string | number>): unknown {
  let cur: unknown = body;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = Object.hasOwn(cur, key) ? (cur as Record<string | number, unknown>)[key] : undefined;
  }
  return cur;
}

export interface RouteSelector {
  /** The route key a message selects: an existing route, else `$default` (which may not exist). */
  (message: string): string;
}

/** `routes` are the API's route keys; `message` is a text frame's payload (binary frames never reach routing). */
export function routeSelector(expression: string, routes: Iterable<string>): RouteSelector {
  const parts = compileExpression(expression);
  const keys = new Set([...routes].filter((k) => k !== "$connect" && k !== "$disconnect"));
  return (message) => {
    let body: unknown;
    try {
      body = JSON.parse(message);
    } catch {
      return "$default";
    }
    const key = parts.map((p) => ("literal" in p ? p.literal : stringify(select(body, p.path)))).join("");
    return keys.has(key) ? key : "$default";
  };
}
