/**
 * The values a template works with, modelled on the Java objects API Gateway's Velocity engine sees:
 *
 * - `null`, `string`, `boolean`;
 * - integers (`number` holding an integer, or `bigint` past 2^53) — Java Integer/Long/BigInteger;
 * - {@link JDouble} — a Java Double (JSON numbers written with a fraction or exponent, decimal literals);
 * - lists (`V[]`); lists parsed from JSON are marked in {@link jsonLists} and print as JSON (json-smart JSONArray);
 * - maps (`Map<string, V>`, Java LinkedHashMap; print as `{a=1, b=2}`);
 * - {@link Host} objects (`$input`, `$util`, `$foreach`, map entries) with a fixed table of members.
 *
 * Templates never touch a JavaScript object's properties: every member access goes through these tables, so the
 * prototype chain (`constructor`, `__proto__`, …) is unreachable by construction.
 */
export type V = null | string | boolean | number | bigint | JDouble | V[] | Map<string, V> | Host;

export class JDouble {
  constructor(readonly value: number) {}
}

/** Lists that came from JSON (json-smart JSONArray): their toString is compact JSON, not `[a, b]`. */
export const jsonLists = new WeakSet<V[]>();

export type HostMethod = (args: V[]) => V;

/** A host object: named properties and methods, nothing else. */
export class Host {
  constructor(
    readonly name: string,
    readonly props: ReadonlyMap<string, () => V> = new Map(),
    readonly methods: ReadonlyMap<string, HostMethod> = new Map(),
  ) {}
}

export const isMap = (v: V): v is Map<string, V> => v instanceof Map;
export const isList = (v: V): v is V[] => Array.isArray(v);
export const isInteger = (v: V): v is number | bigint => typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v));
export const isNumber = (v: V): v is number | bigint | JDouble => typeof v === "number" || typeof v === "bigint" || v instanceof JDouble;

export function numberOf(v: number | bigint | JDouble): number {
  return v instanceof JDouble ? v.value : Number(v);
}

/** Java's Double.toString: plain decimal in [1e-3, 1e7), else computerized scientific notation (`1.0E10`). */
export function javaDouble(d: number): string {
  if (Number.isNaN(d)) return "NaN";
  if (!Number.isFinite(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d === 0) return Object.is(d, -0) ? "-0.0" : "0.0";
  const abs = Math.abs(d);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(d);
    return s.includes(".") ? s : `${s}.0`;
  }
  const [mantissa, exponent] = d.toExponential().split("e") as [string, string];
  return `${mantissa.includes(".") ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/** Java's String.valueOf for a template value (null → "null", as inside collections). */
export function javaString(v: V): string {
  if (v === null) return "null";
  if (typeof v === "string") return v;
  if (typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (typeof v === "number") return Number.isInteger(v) ? (Object.is(v, -0) ? "0" : BigInt(v).toString()) : javaDouble(v);
  if (v instanceof JDouble) return javaDouble(v.value);
  if (Array.isArray(v)) return jsonLists.has(v) ? toJson(v) : `[${v.map(javaString).join(", ")}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${k}=${javaString(x)}`).join(", ")}}`;
  return "";
}

/** Java's String.trim: strips code units <= U+0020 at both ends. */
export function javaTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) <= 0x20) start++;
  while (end > start && s.charCodeAt(end - 1) <= 0x20) end--;
  return s.slice(start, end);
}

/** What a reference renders as: API Gateway prints null (and undefined references) as empty text. */
export function renderValue(v: V | undefined): string {
  return v === null || v === undefined ? "" : javaString(v);
}

/** json-smart's string escaping (JSONStyle without web protection): quotes, backslash, controls, U+007F–U+009F, U+2000–U+20FF. */
export function jsonQuote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (c <= 0x1f || (c >= 0x7f && c <= 0x9f) || (c >= 0x2000 && c <= 0x20ff)) out += `\\u${c.toString(16).toUpperCase().padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Compact JSON, as json-smart writes it (Double via Double.toString, so `1.0E10`). */
export function toJson(v: V): string {
  if (v === null) return "null";
  if (typeof v === "string") return jsonQuote(v);
  if (typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (typeof v === "number") return Number.isFinite(v) ? javaString(v) : "null";
  if (v instanceof JDouble) return Number.isFinite(v.value) ? javaDouble(v.value) : "null";
  if (Array.isArray(v)) return `[${v.map(toJson).join(",")}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${jsonQuote(k)}:${toJson(x)}`).join(",")}}`;
  return jsonQuote(javaString(v));
}

/** Deep conversion of plain data (scope.context, parameters) into template values. Functions and symbols vanish. */
export function fromPlain(value: unknown, depth = 0): V {
  if (value === null || value === undefined || depth > 64) return null;
  switch (typeof value) {
    case "string":
    case "boolean":
    case "bigint":
      return value;
    case "number":
      return Number.isInteger(value) ? value : new JDouble(value);
    case "object": {
      if (Array.isArray(value)) return value.map((item) => fromPlain(item, depth + 1));
      if (value instanceof Map) return new Map([...value].map(([k, x]) => [String(k), fromPlain(x, depth + 1)]));
      const map = new Map<string, V>();
      for (const key of Object.keys(value)) map.set(key, fromPlain((value as Record<string, unknown>)[key], depth + 1));
      return map;
    }
    default:
      return null;
  }
}

/** Velocity 1.7 #if truthiness: null and false are false; everything else (empty string, 0, empty list) is true. */
export function truthy(v: V | undefined): boolean {
  return !(v === null || v === undefined || v === false);
}

/** Java equals() for template values (numbers compare by value across integer/double; collections deeply). */
export function javaEquals(a: V, b: V): boolean {
  if (a === null || b === null) return a === b;
  if (isNumber(a) && isNumber(b)) return numberOf(a) === numberOf(b);
  if (typeof a === "string" || typeof a === "boolean") return a === b;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => javaEquals(x, b[i]!));
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, x] of a) if (!b.has(k) || !javaEquals(x, b.get(k)!)) return false;
    return true;
  }
  return a === b;
}
