import { jsonLists, type V } from "./values.ts";

/**
 * The JSONPath subset mapping templates use, evaluated as Jayway JSONPath does (models-mappings.md: "JSONPath
 * (Goessner)"; API Gateway runs Jayway): `$`, `.name`, `['name']`, `["a","b"]`, `[0]`, `[-1]`, `[0,2]`, `[1:3]`,
 * `[*]`, `.*`, `..name`, `..*`. A path that does not start with `$` gets `$.` in front (Jayway does the same).
 *
 * A *definite* path (only names and single indexes) yields one value, or `undefined` when it leads nowhere; an
 * indefinite one (wildcards, deep scan, unions, slices) yields a JSON list of every match, possibly empty.
 * Filters (`[?(…)]`) and functions are not supported: {@link JsonPathError}.
 */
export class JsonPathError extends Error {}

type Step =
  | { kind: "name"; names: string[]; scan: boolean }
  | { kind: "index"; indexes: number[] }
  | { kind: "slice"; start?: number; end?: number; step: number }
  | { kind: "wildcard"; scan: boolean };

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
    if (inner.startsWith("?") || inner.startsWith("(")) fail("filters and script expressions are not supported");
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
      for (const step of steps) current = apply(step, current);
      if (definite) return current.length ? current[0] : undefined;
      jsonLists.add(current);
      return current;
    },
  };
}

function findClose(text: string, open: number): number {
  let quote: string | undefined;
  for (let j = open + 1; j < text.length; j++) {
    const c = text[j];
    if (quote) {
      if (c === "\\") j++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "]") return j;
  }
  return -1;
}

function children(node: V): V[] {
  if (node instanceof Map) return [...node.values()];
  if (Array.isArray(node)) return node;
  return [];
}

function apply(step: Step, nodes: V[]): V[] {
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
