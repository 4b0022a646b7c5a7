import type { HeaderList } from "../exchange.ts";
import { formatLocation, type Location, type Segment } from "./paths.ts";

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

const MAX_DIFFERENCES = 100;
const PREVIEW = 200;

const preview = (value: unknown): string | undefined => {
  if (value === undefined) return undefined;
  const text = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > PREVIEW ? `${text.slice(0, PREVIEW)}…` : text;
};

function headerMap(headers: HeaderList): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    const seen = map.get(key);
    map.set(key, seen === undefined ? value : `${seen}, ${value}`);
  }
  return map;
}

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

function diffValues(a: unknown, b: unknown, segments: Segment[], out: Difference[]): void {
  if (out.length >= MAX_DIFFERENCES) return;
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) diffValues(Object.hasOwn(a, key) ? a[key] : undefined, Object.hasOwn(b, key) ? b[key] : undefined, [...segments, key], out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) diffValues(a[i], b[i], [...segments, i], out);
    return;
  }
  if (a === b) return;
  const location: Location = { root: "body", segments };
  out.push({ location, path: formatLocation(location), baseline: preview(a), candidate: preview(b) });
}

function push(out: Difference[], location: Location, baseline: string | undefined, candidate: string | undefined): void {
  out.push({ location, path: formatLocation(location), baseline, candidate });
}

/** Status, then every header by name, then the body: structurally (per JSON path) when both sides are JSON. */
export function diffAnswers(baseline: Answer, candidate: Answer): Difference[] {
  const out: Difference[] = [];
  if (baseline.status !== candidate.status || baseline.error !== candidate.error) {
    const show = (answer: Answer) => (answer.error ? `error: ${answer.error}` : String(answer.status));
    push(out, { root: "status" }, show(baseline), show(candidate));
  }
  if (baseline.error || candidate.error) return out;
  if (baseline.headers && candidate.headers) {
    const a = headerMap(baseline.headers);
    const b = headerMap(candidate.headers);
    for (const [name, value] of a) if (b.get(name) !== value) push(out, { root: "header", name }, preview(value), preview(b.get(name)));
    for (const [name, value] of b) if (!a.has(name)) push(out, { root: "header", name }, undefined, preview(value));
  }
  if (baseline.body && candidate.body && !baseline.body.equals(candidate.body)) {
    const a = parseJson(baseline.body);
    const b = parseJson(candidate.body);
    if (a.ok && b.ok) diffValues(a.value, b.value, [], out);
    else push(out, { root: "body", segments: [] }, preview(baseline.body.toString("utf8")), preview(candidate.body.toString("utf8")));
  }
  return out;
}
