import { TemplateRenderError } from "../templates/scope.ts";
import { javaMatches, javaReplaceAll, javaSplit } from "./java-regex.ts";
import { Host, isInteger, isNumber, JDouble, javaEquals, javaString, javaTrim, numberOf, type V } from "./values.ts";

/**
 * Member access as Velocity's introspector does it, over a whitelist: java.lang.String, java.util.Map, java.util.List,
 * numbers and booleans, and the {@link Host} tables. Nothing else is callable; an unknown member is `undefined`
 * (Velocity: the reference is null, which API Gateway prints as nothing).
 */

type Method = (self: never, args: V[]) => V | undefined;

const str = (v: V | undefined): string | undefined => (typeof v === "string" ? v : undefined);
const int = (v: V | undefined): number | undefined => (v !== undefined && v !== null && isInteger(v) ? Number(v) : undefined);

function outOfBounds(what: string): never {
  throw new TemplateRenderError(`${what}: index out of range`);
}

const STRING: Record<string, (s: string, args: V[]) => V | undefined> = {
  length: (s) => s.length,
  isEmpty: (s) => s.length === 0,
  toString: (s: string) => s,
  trim: (s) => javaTrim(s),
  toLowerCase: (s) => s.toLowerCase(),
  toUpperCase: (s) => s.toUpperCase(),
  contains: (s, [a]) => (str(a) === undefined ? undefined : s.includes(str(a)!)),
  startsWith: (s, [a, b]) => (str(a) === undefined ? undefined : s.startsWith(str(a)!, int(b) ?? 0)),
  endsWith: (s, [a]) => (str(a) === undefined ? undefined : s.endsWith(str(a)!)),
  equals: (s, [a]) => a === s,
  equalsIgnoreCase: (s, [a]) => typeof a === "string" && a.toLowerCase() === s.toLowerCase(),
  indexOf: (s, [a, from]) => (str(a) !== undefined ? s.indexOf(str(a)!, int(from) ?? 0) : undefined),
  lastIndexOf: (s, [a, from]) => (str(a) !== undefined ? s.lastIndexOf(str(a)!, int(from) ?? Infinity) : undefined),
  charAt: (s, [i]) => {
    const at = int(i);
    if (at === undefined) return undefined;
    if (at < 0 || at >= s.length) outOfBounds("String.charAt");
    return s[at]!;
  },
  substring: (s, [a, b]) => {
    const begin = int(a);
    const end = b === undefined ? s.length : int(b);
    if (begin === undefined || end === undefined) return undefined;
    if (begin < 0 || end > s.length || begin > end) outOfBounds("String.substring");
    return s.slice(begin, end);
  },
  concat: (s, [a]) => (str(a) === undefined ? undefined : s + str(a)!),
  replace: (s, [a, b]) => {
    if (typeof a === "string" && typeof b === "string") return s.split(a).join(b);
    return undefined;
  },
  replaceAll: (s, [a, b]) => (typeof a === "string" && typeof b === "string" ? javaReplaceAll(s, a, b) : undefined),
  replaceFirst: (s, [a, b]) => (typeof a === "string" && typeof b === "string" ? javaReplaceAll(s, a, b, true) : undefined),
  matches: (s, [a]) => (typeof a === "string" ? javaMatches(s, a) : undefined),
  split: (s, [a]) => (typeof a === "string" ? javaSplit(s, a) : undefined),
  compareTo: (s, [a]) => (typeof a === "string" ? (s < a ? -1 : s > a ? 1 : 0) : undefined),
  hashCode: (s) => {
    let h = 0;
    for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
    return h;
  },
};

const LIST: Record<string, (l: V[], args: V[]) => V | undefined> = {
  size: (l) => l.length,
  // `.length()` and `.count()` are not java.util.List methods, but the mapping-template docs use them on
  // $input.path results (spec §1.1: `$input.path('$.pets').count()`).
  length: (l) => l.length,
  count: (l) => l.length,
  isEmpty: (l) => l.length === 0,
  get: (l, [i]) => {
    const at = int(i);
    if (at === undefined) return undefined;
    if (at < 0 || at >= l.length) outOfBounds("List.get");
    return l[at]!;
  },
  contains: (l, [v]) => l.some((x) => javaEquals(x, v ?? null)),
  indexOf: (l, [v]) => l.findIndex((x) => javaEquals(x, v ?? null)),
  add: (l, args) => {
    if (args.length === 2) {
      const at = int(args[0]);
      if (at === undefined || at < 0 || at > l.length) return outOfBounds("List.add");
      l.splice(at, 0, args[1]!);
      return null;
    }
    l.push(args[0] ?? null);
    return true;
  },
  addAll: (l, [v]) => (Array.isArray(v) ? (l.push(...v), v.length > 0) : undefined),
  set: (l, [i, v]) => {
    const at = int(i);
    if (at === undefined || at < 0 || at >= l.length) return outOfBounds("List.set");
    const previous = l[at]!;
    l[at] = v ?? null;
    return previous;
  },
  remove: (l, [v]) => {
    const at = int(v);
    if (at !== undefined) {
      if (at < 0 || at >= l.length) outOfBounds("List.remove");
      return l.splice(at, 1)[0]!;
    }
    const found = l.findIndex((x) => javaEquals(x, v ?? null));
    if (found >= 0) l.splice(found, 1);
    return found >= 0;
  },
  subList: (l, [a, b]) => {
    const from = int(a);
    const to = int(b);
    if (from === undefined || to === undefined) return undefined;
    if (from < 0 || to > l.length || from > to) outOfBounds("List.subList");
    return l.slice(from, to);
  },
  toString: (l: V[]) => javaString(l),
  equals: (l, [v]) => javaEquals(l, v ?? null),
};

const key = (v: V | undefined): string | undefined => (typeof v === "string" ? v : v === undefined || v === null ? undefined : javaString(v));

function entry(k: string, m: Map<string, V>): Host {
  return new Host(
    "entry",
    new Map<string, () => V>([
      ["key", () => k],
      ["value", () => m.get(k) ?? null],
    ]),
    new Map([
      ["getKey", () => k],
      ["getValue", () => m.get(k) ?? null],
      ["toString", () => `${k}=${javaString(m.get(k) ?? null)}`],
    ]),
  );
}

const MAP: Record<string, (m: Map<string, V>, args: V[]) => V | undefined> = {
  size: (m) => m.size,
  length: (m) => m.size,
  count: (m) => m.size,
  isEmpty: (m) => m.size === 0,
  get: (m, [k]) => (typeof k === "string" ? (m.get(k) ?? null) : null),
  getOrDefault: (m, [k, d]) => (typeof k === "string" && m.has(k) ? m.get(k)! : (d ?? null)),
  containsKey: (m, [k]) => typeof k === "string" && m.has(k),
  containsValue: (m, [v]) => [...m.values()].some((x) => javaEquals(x, v ?? null)),
  put: (m, [k, v]) => {
    const name = key(k);
    if (name === undefined) return undefined;
    const previous = m.get(name) ?? null;
    m.set(name, v ?? null);
    return previous;
  },
  putAll: (m, [o]) => {
    if (!(o instanceof Map)) return undefined;
    for (const [k, v] of o) m.set(k, v);
    return null;
  },
  remove: (m, [k]) => {
    if (typeof k !== "string") return null;
    const previous = m.get(k) ?? null;
    m.delete(k);
    return previous;
  },
  keySet: (m) => [...m.keys()],
  values: (m) => [...m.values()],
  entrySet: (m) => [...m.keys()].map((k) => entry(k, m)),
  toString: (m: Map<string, V>) => javaString(m),
  equals: (m, [v]) => javaEquals(m, v ?? null),
};

const NUMBER: Record<string, (n: number | bigint | JDouble, args: V[]) => V | undefined> = {
  toString: (n: number | bigint | JDouble) => javaString(n),
  intValue: (n) => Math.trunc(numberOf(n)) | 0,
  longValue: (n) => (typeof n === "bigint" ? n : Math.trunc(numberOf(n))),
  doubleValue: (n) => new JDouble(numberOf(n)),
  equals: (n, [v]) => v !== undefined && v !== null && isNumber(v) && isInteger(v) === isInteger(n) && numberOf(v) === numberOf(n),
  compareTo: (n, [v]) => (v !== undefined && v !== null && isNumber(v) ? Math.sign(numberOf(n) - numberOf(v)) : undefined),
};

const BOOLEAN: Record<string, (b: boolean, args: V[]) => V | undefined> = {
  toString: (b: boolean) => String(b),
  booleanValue: (b) => b,
  equals: (b, [v]) => v === b,
};

const own = <T>(table: Record<string, T>, name: string): T | undefined => (Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined);

/** `$x.name(args)`; undefined when x has no such method. */
export function callMethod(target: V, name: string, args: V[]): V | undefined {
  if (typeof target === "string") return own(STRING, name)?.(target, args);
  if (Array.isArray(target)) return own(LIST, name)?.(target, args);
  if (target instanceof Map) return own(MAP, name)?.(target, args);
  if (target instanceof Host) {
    const method = target.methods.get(name);
    return method ? method(args) : undefined;
  }
  if (typeof target === "boolean") return own(BOOLEAN, name)?.(target, args);
  if (target !== null && isNumber(target)) return own(NUMBER, name)?.(target, args);
  return undefined;
}

/**
 * `$x.name`: a Map answers get("name"); anything else tries the JavaBean getters `getName()` / `isName()`
 * (Velocity's property lookup order), then the name itself for host objects.
 */
export function getProperty(target: V, name: string): V | undefined {
  if (target instanceof Map) return target.has(name) ? target.get(name)! : null;
  if (target instanceof Host) {
    const prop = target.props.get(name);
    if (prop) return prop();
  }
  const cap = name.charAt(0).toUpperCase() + name.slice(1);
  const got = callMethod(target, `get${cap}`, []);
  if (got !== undefined) return got;
  return callMethod(target, `is${cap}`, []);
}

/** `$x[i]` (Velocity 1.7 index notation): list positions, map keys. */
export function getIndex(target: V, index: V): V | undefined {
  if (Array.isArray(target)) {
    const at = int(index);
    if (at === undefined) return undefined;
    if (at < 0 || at >= target.length) outOfBounds("List index");
    return target[at]!;
  }
  if (target instanceof Map) return typeof index === "string" ? (target.get(index) ?? null) : null;
  return undefined;
}

export type { Method };
