import { javaMatches } from "./java-regex.ts";
import { isNumber, JDouble, javaEquals, jsonLists, numberOf, type V } from "./values.ts";

/**
 * The JSONPath subset mapping templates use, evaluated as Jayway JSONPath does (models-mappings.md: "JSONPath
 * (Goessner)"; API Gateway runs Jayway): `$`, `.name`, `['name']`, `["a","b"]`, `[0]`, `[-1]`, `[0,2]`, `[1:3]`,
 * `[*]`, `.*`, `..name`, `..*`, and filters `[?(<expression>)]` (see {@link compileFilter}). A path that does not start
 * with `$` gets `$.` in front (Jayway does the same).
 *
 * A *definite* path (only names and single indexes) yields one value, or `undefined` when it leads nowhere; an
 * indefinite one (wildcards, deep scan, unions, slices) yields a JSON list of every match, possibly empty.
 * Script expressions (`[(…)]`), functions and a deep scan into a filter are not supported: {@link JsonPathError}.
 */
export class JsonPathError extends Error {}

type Step =
  | { kind: "name"; names: string[]; scan: boolean }
  | { kind: "index"; indexes: number[] }
  | { kind: "slice"; start?: number; end?: number; step: number }
  | { kind: "wildcard"; scan: boolean }
  | { kind: "filter"; test: Filter };

/** A filter predicate: the candidate node (`@`) and the document root (`$`). */
type Filter = (node: V, root: V) => boolean;

export interface CompiledPath {
  definite: boolean;
  evaluate(root: V): V | undefined;
}

const cache = new Map<string, CompiledPath>();

export function compileJsonPath(path: string): CompiledPath {
  const hit = cache.get(path);
  if (hit) return hit;
  const compiled = compile(path);
  if (cache.size > 1000) cache.clear();
  cache.set(path, compiled);
  return compiled;
}

function compile(source: string): CompiledPath {
  let text = source.trim();
  if (!text.startsWith("$")) text = text.startsWith("[") ? `$${text}` : `$.${text}`;
  const steps: Step[] = [];
  let i = 1;
  const fail = (why: string): never => {
    throw new JsonPathError(`invalid JSONPath ${JSON.stringify(source)}: ${why}`);
  };
  const readName = (): string => {
    const start = i;
    while (i < text.length && text[i] !== "." && text[i] !== "[") i++;
    if (i === start) fail("empty property name");
    return text.slice(start, i);
  };
  const readBracket = (scan: boolean): Step => {
    const close = findClose(text, i);
    if (close < 0) fail("unclosed [");
    const inner = text.slice(i + 1, close).trim();
    i = close + 1;
    if (inner === "*") return { kind: "wildcard", scan };
    if (inner.startsWith("?(") && inner.endsWith(")") && !scan) return { kind: "filter", test: compileFilter(inner.slice(2, -1), source) };
    if (inner.startsWith("?") || inner.startsWith("(")) fail("script expressions and deep scans into a filter are not supported");
    if (/^['"]/.test(inner)) {
      const names: string[] = [];
      const re = /\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*(,|$)/y;
      let m: RegExpExecArray | null;
      let at = 0;
      while (at < inner.length && (re.lastIndex = at, (m = re.exec(inner)))) {
        names.push((m[1] ?? m[2] ?? "").replace(/\\(.)/g, "$1"));
        at = re.lastIndex;
        if (m[3] === "") break;
      }
      if (at < inner.length || names.length === 0) fail("bad quoted name list");
      return { kind: "name", names, scan };
    }
    if (scan) fail("deep scan with an index is not supported");
    const slice = /^(-?\d*)\s*:\s*(-?\d*)(?:\s*:\s*(-?\d+))?$/.exec(inner);
    if (slice) {
      const step = slice[3] ? Number(slice[3]) : 1;
      if (step <= 0) fail("slice step must be positive");
      return { kind: "slice", start: slice[1] ? Number(slice[1]) : undefined, end: slice[2] ? Number(slice[2]) : undefined, step };
    }
    if (/^-?\d+(\s*,\s*-?\d+)*$/.test(inner)) return { kind: "index", indexes: inner.split(",").map((s) => Number(s.trim())) };
    return fail(`unsupported selector [${inner}]`);
  };
  while (i < text.length) {
    const c = text[i];
    if (c === ".") {
      const scan = text[i + 1] === ".";
      i += scan ? 2 : 1;
      if (text[i] === "*") {
        i++;
        steps.push({ kind: "wildcard", scan });
      } else if (text[i] === "[") {
        if (!scan) fail("'.[' is not valid");
        steps.push(readBracket(true));
      } else steps.push({ kind: "name", names: [readName()], scan });
    } else if (c === "[") steps.push(readBracket(false));
    else fail(`unexpected '${c}'`);
  }
  const definite = steps.every((s) => (s.kind === "name" && !s.scan && s.names.length === 1) || (s.kind === "index" && s.indexes.length === 1));
  return {
    definite,
    evaluate(root) {
      let current: V[] = [root];
      for (const step of steps) current = apply(step, current, root);
      if (definite) return current.length ? current[0] : undefined;
      jsonLists.add(current);
      return current;
    },
  };
}

/** The `]` closing the bracket at `open`, past quoted text and nested brackets (a filter's `@.a[0]`). */
function findClose(text: string, open: number): number {
  let quote: string | undefined;
  let depth = 0;
  for (let j = open + 1; j < text.length; j++) {
    const c = text[j];
    if (quote) {
      if (c === "\\") j++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "[") depth++;
    else if (c === "]" && depth-- === 0) return j;
  }
  return -1;
}

function children(node: V): V[] {
  if (node instanceof Map) return [...node.values()];
  if (Array.isArray(node)) return node;
  return [];
}

function apply(step: Step, nodes: V[], root: V): V[] {
  const out: V[] = [];
  for (const node of nodes) {
    switch (step.kind) {
      case "name":
        if (step.scan) scanNames(node, step.names, out);
        else if (node instanceof Map) for (const name of step.names) if (node.has(name)) out.push(node.get(name)!);
        break;
      case "wildcard":
        if (step.scan) scanAll(node, out);
        else out.push(...children(node));
        break;
      case "index":
        if (Array.isArray(node))
          for (const index of step.indexes) {
            const at = index < 0 ? node.length + index : index;
            if (at >= 0 && at < node.length) out.push(node[at]!);
          }
        break;
      case "filter":
        // Jayway PredicatePathToken: an array's elements that pass; an object is itself the candidate.
        if (Array.isArray(node)) {
          for (const item of node) if (step.test(item, root)) out.push(item);
        } else if (node instanceof Map && step.test(node, root)) out.push(node);
        break;
      case "slice":
        if (Array.isArray(node)) {
          const len = node.length;
          const norm = (n: number) => (n < 0 ? Math.max(0, len + n) : Math.min(n, len));
          const start = step.start === undefined ? 0 : norm(step.start);
          const end = step.end === undefined ? len : norm(step.end);
          for (let k = start; k < end; k += step.step) out.push(node[k]!);
        }
        break;
    }
  }
  return out;
}

function scanNames(node: V, names: string[], out: V[]): void {
  if (node instanceof Map) for (const name of names) if (node.has(name)) out.push(node.get(name)!);
  for (const child of children(node)) scanNames(child, names, out);
}

function scanAll(node: V, out: V[]): void {
  for (const child of children(node)) {
    out.push(child);
    scanAll(child, out);
  }
}

type Operand = { kind: "path"; path: CompiledPath; fromRoot: boolean } | { kind: "value"; value: V } | { kind: "regex"; pattern: string };

/**
 * A filter expression, as JSONPath defines them (goessner.net/articles/JsonPath, the JSONPath the mapping-template
 * docs link; Jayway's README, "Filter Operators"): operands `@…` (the candidate) and `$…` (the root) paths, numbers,
 * quoted strings, true/false/null; `==` `!=` `<` `<=` `>` `>=`, `=~ /regex/` (a full match, flag i), `&&` `||` `!` and
 * parentheses; a path alone tests that it exists (`[?(@.isbn)]`). Numbers compare by value, strings by text; other
 * pairs are unequal and unordered; a missing path equals nothing (so `!=` holds).
 */
function compileFilter(text: string, source: string): Filter {
  let i = 0;
  const fail = (why: string): never => {
    throw new JsonPathError(`invalid JSONPath ${JSON.stringify(source)}: filter ${why}`);
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const quoted = (): string => {
    const quote = text[i]!;
    let out = "";
    for (i++; i < text.length && text[i] !== quote; i++) out += text[i] === "\\" ? text[++i] ?? "" : text[i];
    if (i >= text.length) fail("has an unclosed string");
    i++;
    return out;
  };
  const operand = (): Operand => {
    ws();
    const c = text[i];
    if (c === "@" || c === "$") {
      const start = ++i;
      let depth = 0;
      let quote: string | undefined;
      for (; i < text.length; i++) {
        const ch = text[i]!;
        if (quote) {
          if (ch === "\\") i++;
          else if (ch === quote) quote = undefined;
        } else if (ch === "'" || ch === '"') quote = ch;
        else if (ch === "[") depth++;
        else if (ch === "]") depth--;
        else if (depth === 0 && /[\s=!<>&|()]/.test(ch)) break;
      }
      return { kind: "path", path: compileJsonPath(`$${text.slice(start, i)}`), fromRoot: c === "$" };
    }
    if (c === "'" || c === '"') return { kind: "value", value: quoted() };
    if (c === "/") {
      const close = text.indexOf("/", i + 1);
      if (close < 0) fail("has an unclosed regular expression");
      const pattern = text.slice(i + 1, close);
      i = close + 1;
      const flags = /^[a-z]*/.exec(text.slice(i))![0];
      i += flags.length;
      return { kind: "regex", pattern: flags.includes("i") ? `(?i)${pattern}` : pattern };
    }
    const literal = /^(?:-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
    if (!literal) return fail(`expects a value at ${JSON.stringify(text.slice(i))}`);
    i += literal[0].length;
    const word = literal[0];
    if (word === "true" || word === "false") return { kind: "value", value: word === "true" };
    if (word === "null") return { kind: "value", value: null };
    return { kind: "value", value: literal[1] !== undefined || literal[2] !== undefined ? new JDouble(Number(word)) : Number(word) };
  };
  const valueOf = (o: Operand, node: V, root: V): V | undefined =>
    o.kind === "path" ? o.path.evaluate(o.fromRoot ? root : node) : o.kind === "value" ? o.value : o.pattern;
  const comparison = (): Filter => {
    const left = operand();
    ws();
    const op = /^(==|!=|<=|>=|<|>|=~)/.exec(text.slice(i))?.[1];
    if (op === undefined) {
      if (left.kind !== "path") return (node, root) => valueOf(left, node, root) === true;
      const { path } = left;
      return (node, root) => {
        const found = valueOf(left, node, root);
        return path.definite ? found !== undefined : Array.isArray(found) && found.length > 0;
      };
    }
    i += op.length;
    const right = operand();
    if (op === "=~") {
      if (right.kind !== "regex") fail("=~ expects /regex/");
      return (node, root) => {
        const value = valueOf(left, node, root);
        return typeof value === "string" && javaMatches(value, (right as { pattern: string }).pattern);
      };
    }
    return (node, root) => relation(op, valueOf(left, node, root), valueOf(right, node, root));
  };
  const unary = (): Filter => {
    ws();
    if (text[i] === "!") {
      i++;
      const inner = unary();
      return (node, root) => !inner(node, root);
    }
    if (text[i] === "(") {
      i++;
      const inner = or();
      ws();
      if (text[i] !== ")") fail("has an unclosed (");
      i++;
      return inner;
    }
    return comparison();
  };
  const joined = (operator: "&&" | "||", next: () => Filter): Filter => {
    let filter = next();
    for (;;) {
      ws();
      if (!text.startsWith(operator, i)) return filter;
      i += 2;
      const [a, b] = [filter, next()];
      filter = operator === "&&" ? (node, root) => a(node, root) && b(node, root) : (node, root) => a(node, root) || b(node, root);
    }
  };
  const and = (): Filter => joined("&&", unary);
  const or = (): Filter => joined("||", and);
  const filter = or();
  ws();
  if (i < text.length) fail(`has unexpected ${JSON.stringify(text.slice(i))}`);
  return filter;
}

function relation(op: string, a: V | undefined, b: V | undefined): boolean {
  if (a === undefined || b === undefined) return op === "!=";
  if (op === "==") return javaEquals(a, b);
  if (op === "!=") return !javaEquals(a, b);
  let order: number;
  if (a !== null && b !== null && isNumber(a) && isNumber(b)) order = numberOf(a) - numberOf(b);
  else if (typeof a === "string" && typeof b === "string") order = a < b ? -1 : a > b ? 1 : 0;
  else return false;
  return op === "<" ? order < 0 : op === "<=" ? order <= 0 : op === ">" ? order > 0 : order >= 0;
}
