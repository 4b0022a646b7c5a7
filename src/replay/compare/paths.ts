/**
 * The one path grammar of reports, ignore files and redaction rules:
 *   status | header.<name> | body | body.a.b[0] | body["odd key"]
 * Patterns may also use `*` (any one key or index: `body.items[*].id`, `body.*.id`) and `**` (any depth, including
 * none: `body.**.requestId`). A path printed in a report is a valid pattern matching exactly itself.
 */
export type Segment = string | number;
type PatternSegment = { key: string } | { index: number } | { any: true } | { deep: true };

export interface PathPattern {
  text: string;
  root: "status" | "header" | "body";
  /** Lower-cased; for `header.` patterns only. `*` matches every header. */
  header?: string;
  segments: PatternSegment[];
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

export function bodyPath(segments: readonly Segment[]): string {
  let out = "body";
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += IDENTIFIER.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
  }
  return out;
}

export const headerPath = (name: string): string => `header.${name.toLowerCase()}`;

export class PathSyntaxError extends Error {}

export function parsePattern(text: string): PathPattern {
  const source = text.trim();
  if (source === "status") return { text: source, root: "status", segments: [] };
  if (source.startsWith("header.")) {
    const header = source.slice("header.".length).toLowerCase();
    if (header === "" || /[\s:]/.test(header)) throw new PathSyntaxError(`${JSON.stringify(text)}: header.<name> needs a header name`);
    return { text: source, root: "header", header, segments: [] };
  }
  if (source !== "body" && !source.startsWith("body.") && !source.startsWith("body[")) {
    throw new PathSyntaxError(`${JSON.stringify(text)}: a path starts with status, header.<name> or body`);
  }
  const segments: PatternSegment[] = [];
  let i = 4;
  while (i < source.length) {
    const rest = source.slice(i);
    const dotted = /^\.(\*\*|\*|[A-Za-z_$][\w$]*)/.exec(rest);
    const indexed = /^\[(\d+|\*)\]/.exec(rest);
    const quoted = /^\[("(?:[^"\\]|\\.)*")\]/.exec(rest);
    if (dotted) {
      const name = dotted[1]!;
      segments.push(name === "**" ? { deep: true } : name === "*" ? { any: true } : { key: name });
      i += dotted[0].length;
    } else if (indexed) {
      segments.push(indexed[1] === "*" ? { any: true } : { index: Number(indexed[1]) });
      i += indexed[0].length;
    } else if (quoted) {
      segments.push({ key: JSON.parse(quoted[1]!) as string });
      i += quoted[0].length;
    } else {
      throw new PathSyntaxError(`${JSON.stringify(text)}: cannot read ${JSON.stringify(rest)} (expected .key, [n], ["key"], .* or .**)`);
    }
  }
  return { text: source, root: "body", segments };
}

function segmentsMatch(pattern: PatternSegment[], p: number, path: readonly Segment[], s: number): boolean {
  if (p === pattern.length) return s === path.length;
  const head = pattern[p]!;
  if ("deep" in head) {
    for (let skip = s; skip <= path.length; skip++) if (segmentsMatch(pattern, p + 1, path, skip)) return true;
    return false;
  }
  if (s === path.length) return false;
  const segment = path[s]!;
  const ok = "any" in head || ("key" in head ? head.key === segment : head.index === segment);
  return ok && segmentsMatch(pattern, p + 1, path, s + 1);
}

/** A concrete location, as the differ produces it. */
export type Location = { root: "status" } | { root: "header"; name: string } | { root: "body"; segments: readonly Segment[] };

export function formatLocation(location: Location): string {
  return location.root === "status" ? "status" : location.root === "header" ? headerPath(location.name) : bodyPath(location.segments);
}

export function matches(pattern: PathPattern, location: Location): boolean {
  if (pattern.root !== location.root) return false;
  if (location.root === "header") return pattern.header === "*" || pattern.header === location.name.toLowerCase();
  if (location.root === "body") return segmentsMatch(pattern.segments, 0, location.segments, 0);
  return true;
}
