import type { HeaderList } from "../exchange.ts";
import { formatLocation, headerPath, type Location, type Segment } from "./paths.ts";

/** What one side answered, as far as it is known: undefined headers or body are not compared. */
export interface Answer {
  status: number;
  headers: HeaderList | undefined;
  body: Buffer | undefined;
  error?: string;
}

export interface Difference {
  location: Location;
  path: string;
  /** Short JSON renderings of each side's value; undefined = absent on that side. */
  baseline: string | undefined;
  candidate: string | undefined;
}

/**
 * Receives each difference as found: where, and each side's value as it was met (a status or error text, a header
 * value, a body's bytes or a JSON value; undefined = absent). Rendering a value is left to `renderSide`, so a
 * difference that is only counted (noise, or a path with its examples already kept) costs no string building.
 */
export type DifferenceSink = (location: Location, path: string, baseline: unknown, candidate: unknown) => void;

const MAX_DIFFERENCES = 100;
const PREVIEW = 200;

const preview = (value: unknown): string | undefined => {
  if (value === undefined) return undefined;
  const text = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > PREVIEW ? `${text.slice(0, PREVIEW)}…` : text;
};

/** A side's value as a report shows it: status lines as they are, bodies as (JSON-quoted) text, the rest as JSON. */
export function renderSide(location: Location, value: unknown): string | undefined {
  if (location.root === "status") return value as string;
  return preview(Buffer.isBuffer(value) ? value.toString("utf8") : value);
}

/** Header locations and paths, made once per name: every replayed answer repeats the same few headers. */
const headerLocations = new Map<string, { location: Location; path: string }>();
const HEADER_LOCATIONS_KEPT = 4096;

function headerLocation(name: string): { location: Location; path: string } {
  let known = headerLocations.get(name);
  if (!known) {
    known = { location: { root: "header", name }, path: headerPath(name) };
    // Bounded: a server that invents header names per answer must not grow this without end.
    if (headerLocations.size < HEADER_LOCATIONS_KEPT) headerLocations.set(name, known);
  }
  return known;
}

/**
 * A header list made comparable: names lower-cased, a repeated name's values joined in order. Lists are a handful of
 * headers, so scanning beats a Map. One per side is reused by every comparison, its arrays overwritten up to `count`
 * and never shrunk (V8 frees an array's storage when its length is set to 0): two fresh arrays per answer were a
 * tenth of what a --speed max replay allocated per request. The sink is handed values, never these.
 */
class NormalisedHeaders {
  readonly names: string[] = [];
  readonly values: string[] = [];
  count = 0;

  fill(headers: HeaderList): this {
    this.count = 0;
    for (let i = 0; i < headers.length; i++) {
      const [name, value] = headers[i]!;
      const key = name.toLowerCase();
      const at = this.indexOf(key);
      if (at >= 0) this.values[at] = `${this.values[at]}, ${value}`;
      else {
        this.names[this.count] = key;
        this.values[this.count] = value;
        this.count++;
      }
    }
    return this;
  }

  indexOf(name: string): number {
    for (let i = 0; i < this.count; i++) if (this.names[i] === name) return i;
    return -1;
  }
}

const baselineHeaders = new NormalisedHeaders();
const candidateHeaders = new NormalisedHeaders();

/** `list` holds the same names and values, in the same order, as `copy` (flat: name, value, name, value, …). */
function sameList(list: HeaderList, copy: string[]): boolean {
  if (copy.length !== list.length * 2) return false;
  for (let i = 0; i < list.length; i++) {
    const header = list[i]!;
    if (header[0] !== copy[2 * i] || header[1] !== copy[2 * i + 1]) return false;
  }
  return true;
}

function copyList(list: HeaderList, copy: string[]): void {
  copy.length = list.length * 2;
  for (let i = 0; i < list.length; i++) {
    copy[2 * i] = list[i]![0];
    copy[2 * i + 1] = list[i]![1];
  }
}

interface HeaderDifference {
  location: Location;
  path: string;
  baseline: string | undefined;
  candidate: string | undefined;
}

/**
 * The header differences of the last pair of lists compared, with a copy of both lists. A replay compares equal
 * lists over and over (each recording's headers, an answer head repeated by the server), and an equal pair has the
 * same differences: they are handed to the sink again without normalising and searching both lists.
 */
class HeaderComparison {
  private readonly baseline: string[] = [];
  private readonly candidate: string[] = [];
  private readonly differences: HeaderDifference[] = [];
  /** False while the copies and the differences are being rewritten (a sink may throw half-way). */
  private valid = false;

  /** Reports every header difference to `found`; returns how many there were. */
  visit(baseline: HeaderList, candidate: HeaderList, found: DifferenceSink): number {
    const differences = this.differences;
    if (!this.valid || !sameList(baseline, this.baseline) || !sameList(candidate, this.candidate)) {
      this.valid = false;
      differences.length = 0;
      const a = baselineHeaders.fill(baseline);
      const b = candidateHeaders.fill(candidate);
      for (let i = 0; i < a.count; i++) {
        const at = b.indexOf(a.names[i]!);
        const other = at < 0 ? undefined : b.values[at];
        if (other !== a.values[i]) differences.push({ ...headerLocation(a.names[i]!), baseline: a.values[i], candidate: other });
      }
      for (let i = 0; i < b.count; i++) {
        if (a.indexOf(b.names[i]!) < 0) differences.push({ ...headerLocation(b.names[i]!), baseline: undefined, candidate: b.values[i] });
      }
      copyList(baseline, this.baseline);
      copyList(candidate, this.candidate);
      this.valid = true;
    }
    for (let i = 0; i < differences.length; i++) {
      const { location, path, baseline: a, candidate: b } = differences[i]!;
      found(location, path, a, b);
    }
    return differences.length;
  }
}

const lastHeaders = new HeaderComparison();

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  const first = body.find((byte) => byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09);
  // Only objects and arrays are compared structurally; a bare scalar body compares as bytes.
  if (first !== 0x7b && first !== 0x5b) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(body.toString("utf8")) };
  } catch {
    return { ok: false };
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** `count`: differences reported so far for this pair of answers (at most MAX_DIFFERENCES are); returns the new count. */
function diffValues(a: unknown, b: unknown, segments: Segment[], found: DifferenceSink, count: number): number {
  if (count >= MAX_DIFFERENCES) return count;
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) count = diffValues(Object.hasOwn(a, key) ? a[key] : undefined, Object.hasOwn(b, key) ? b[key] : undefined, [...segments, key], found, count);
    return count;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) count = diffValues(a[i], b[i], [...segments, i], found, count);
    return count;
  }
  if (a === b) return count;
  const location: Location = { root: "body", segments };
  found(location, formatLocation(location), a, b);
  return count + 1;
}

const STATUS: Location = { root: "status" };
const WHOLE_BODY: Location = { root: "body", segments: [] };
const show = (answer: Answer) => (answer.error ? `error: ${answer.error}` : String(answer.status));

/** Status, then every header by name, then the body: structurally (per JSON path) when both sides are JSON. */
export function visitDifferences(baseline: Answer, candidate: Answer, found: DifferenceSink): void {
  let count = 0;
  if (baseline.status !== candidate.status || baseline.error !== candidate.error) {
    found(STATUS, "status", show(baseline), show(candidate));
    count++;
  }
  if (baseline.error || candidate.error) return;
  if (baseline.headers && candidate.headers) count += lastHeaders.visit(baseline.headers, candidate.headers, found);
  if (baseline.body && candidate.body && !baseline.body.equals(candidate.body)) {
    const a = parseJson(baseline.body);
    const b = parseJson(candidate.body);
    if (a.ok && b.ok) diffValues(a.value, b.value, [], found, count);
    else found(WHOLE_BODY, "body", baseline.body, candidate.body);
  }
}

/** Every difference as a list, each side rendered. */
export function diffAnswers(baseline: Answer, candidate: Answer): Difference[] {
  const out: Difference[] = [];
  visitDifferences(baseline, candidate, (location, path, a, b) => out.push({ location, path, baseline: renderSide(location, a), candidate: renderSide(location, b) }));
  return out;
}
