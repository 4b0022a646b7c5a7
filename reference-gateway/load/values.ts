/** Small validators shared by the loaders: every failure is a LoadError naming file and JSON path. */
import { fail } from "./errors.ts";
import { child } from "./json-path.ts";
import { isObject } from "./detect.ts";

export { isObject };

export function str(v: unknown, file: string, path: string, what: string): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return fail(file, path, `${what} must be a string`);
}

export function optStr(v: unknown, file: string, path: string, what: string): string | undefined {
  return v === undefined || v === null ? undefined : str(v, file, path, what);
}

export function obj(v: unknown, file: string, path: string, what: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) fail(file, path, `${what} must be an object`);
  return v;
}

export function list(v: unknown, file: string, path: string, what: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(file, path, `${what} must be a list`);
  return v;
}

/** `{key: string}` with numbers/booleans turned into strings. */
export function stringMap(v: unknown, file: string, path: string, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v, file, path, what))) out[k] = str(x, file, child(path, k), `${what} value`);
  return out;
}

export function boolMap(v: unknown, file: string, path: string, what: string): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const [k, x] of Object.entries(obj(v, file, path, what))) out[k] = bool(x, file, child(path, k), `${what} value`);
  return out;
}

export function bool(v: unknown, file: string, path: string, what: string): boolean {
  if (v === true || v === "true") return true;
  if (v === false || v === "false" || v === undefined || v === null) return false;
  return fail(file, path, `${what} must be a boolean`);
}

export function int(v: unknown, file: string, path: string, what: string, min: number, max: number): number {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n)) return fail(file, path, `${what} must be an integer`);
  if (n < min || n > max) fail(file, path, `${what} ${n} is outside ${min}..${max}`);
  return n;
}

const VAR_KEY = /^[A-Za-z0-9_]{1,64}$/;
const VAR_VALUE = /^[A-Za-z0-9\-._~:/?#&=,]{1,512}$/;
const STAGE_NAME = /^[A-Za-z0-9_-]{1,128}$/;

/** Stage variables, validated per spec §10. */
export function stageVariables(v: unknown, file: string, path: string): Record<string, string> {
  const vars = stringMap(v, file, path, "stage Variables");
  const keys = Object.keys(vars);
  if (keys.length > 100) fail(file, path, `a stage has at most 100 variables, got ${keys.length}`);
  for (const [k, value] of Object.entries(vars)) {
    if (!VAR_KEY.test(k)) fail(file, child(path, k), `stage variable name "${k}" must be 1-64 characters of [A-Za-z0-9_]`);
    if (!VAR_VALUE.test(value)) fail(file, child(path, k), `stage variable "${k}" value must be 1-512 characters of [A-Za-z0-9-._~:/?#&=,]`);
  }
  return vars;
}

export function stageName(v: unknown, file: string, path: string): string {
  const name = str(v, file, path, "StageName");
  if (!STAGE_NAME.test(name)) fail(file, path, `stage name "${name}" must be 1-128 characters of [A-Za-z0-9_-]`);
  return name;
}

/** Refuses keys that are not in `allowed`; `reasons` gives specific messages for known-but-refused keys. */
export function checkKeys(
  o: Record<string, unknown>,
  allowed: ReadonlySet<string>,
  file: string,
  path: string,
  what: string,
  reasons: Record<string, string> = {},
): void {
  for (const k of Object.keys(o)) {
    if (allowed.has(k)) continue;
    fail(file, child(path, k), reasons[k] ?? `${what} property ${k} is not supported yet`);
  }
}

