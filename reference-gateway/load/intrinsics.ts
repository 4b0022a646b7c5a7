/**
 * CloudFormation template context: Parameters (+ overrides), Conditions, Mappings, and one resolver for the
 * intrinsic functions in their JSON long form (YAML short forms are converted by yaml-tags.ts).
 *
 * Resolution is lazy: loaders resolve only the properties they read, so e.g. an IAM role's `!GetAtt Role.Arn`
 * on a function never needs to be resolved.
 */
import { dirname, isAbsolute, resolve as resolvePath } from "node:path";
import { fail } from "./errors.ts";
import { child } from "./json-path.ts";
import { isObject, readDocument } from "./detect.ts";
import { partitionOf, stackId, urlSuffixOf } from "./ids.ts";

/** What `AWS::NoValue` resolves to; objects drop the key, lists drop the item. */
export const NO_VALUE: unique symbol = Symbol("AWS::NoValue");

export interface TemplateContext {
  file: string;
  stackName: string;
  region: string;
  accountId: string;
  parameterOverrides: Record<string, string>;
}

export interface ResourceEntry {
  logicalId: string;
  type: string;
  properties: Record<string, unknown>;
  metadata: Record<string, unknown>;
  /** `$.Resources.<logicalId>` */
  path: string;
}

/** Loader-specific meaning of `Ref` / `Fn::GetAtt` on resources. */
export interface ResourceHooks {
  /** Physical id for `Ref`; undefined → the logical id. */
  ref(entry: ResourceEntry, path: string): string | undefined;
  /** Attribute value; undefined → unsupported attribute (LoadError). */
  getAtt(entry: ResourceEntry, attribute: string, path: string): string | undefined;
}

type ParamValue = string | string[];

const PSEUDO = new Set([
  "AWS::Region",
  "AWS::AccountId",
  "AWS::StackName",
  "AWS::StackId",
  "AWS::Partition",
  "AWS::URLSuffix",
  "AWS::NoValue",
  "AWS::NotificationARNs",
]);

export class Template {
  readonly file: string;
  readonly dir: string;
  readonly ctx: TemplateContext;
  readonly doc: Record<string, unknown>;
  /** Resources whose Condition (if any) holds, in template order. */
  readonly resources = new Map<string, ResourceEntry>();
  hooks: ResourceHooks = { ref: () => undefined, getAtt: () => undefined };

  private readonly params = new Map<string, ParamValue>();
  private readonly conditionCache = new Map<string, boolean>();
  private readonly inProgress = new Set<string>();
  private readonly memo = new Map<string, unknown>();

  constructor(doc: Record<string, unknown>, ctx: TemplateContext) {
    this.doc = doc;
    this.ctx = ctx;
    this.file = ctx.file;
    this.dir = dirname(ctx.file);
    this.loadParameters();
    const resources = doc["Resources"];
    if (!isObject(resources)) fail(this.file, "$.Resources", "Resources must be an object");
    for (const [logicalId, raw] of Object.entries(resources)) {
      const path = child("$.Resources", logicalId);
      if (!isObject(raw)) fail(this.file, path, "resource must be an object");
      if (typeof raw["Type"] !== "string") fail(this.file, child(path, "Type"), "resource Type must be a string");
      if (raw["Condition"] !== undefined) {
        if (typeof raw["Condition"] !== "string") fail(this.file, child(path, "Condition"), "Condition must be a condition name");
        if (!this.condition(raw["Condition"], child(path, "Condition"))) continue;
      }
      const properties = raw["Properties"] ?? {};
      if (!isObject(properties)) fail(this.file, child(path, "Properties"), "Properties must be an object");
      const metadata = isObject(raw["Metadata"]) ? raw["Metadata"] : {};
      this.resources.set(logicalId, { logicalId, type: raw["Type"], properties, metadata, path });
    }
  }

  /** Resolves a path relative to the directory of the file that references it. */
  localPath(p: string, referencingFile = this.file): string {
    return isAbsolute(p) ? p : resolvePath(dirname(referencingFile), p);
  }

  /** Computes once per key; a key needed while it is being computed is a circular reference. */
  once<T>(key: string, path: string, compute: () => T): T {
    if (this.memo.has(key)) return this.memo.get(key) as T;
    if (this.inProgress.has(key)) fail(this.file, path, `circular reference while resolving ${key}`);
    this.inProgress.add(key);
    try {
      const value = compute();
      this.memo.set(key, value);
      return value;
    } finally {
      this.inProgress.delete(key);
    }
  }

  /** Resolves a resource property (undefined when absent or AWS::NoValue). */
  prop(entry: ResourceEntry, name: string): unknown {
    const raw = entry.properties[name];
    if (raw === undefined) return undefined;
    const v = this.resolve(raw, child(child(entry.path, "Properties"), name));
    return v === NO_VALUE ? undefined : v;
  }

  // ---------------------------------------------------------------- parameters

  private loadParameters(): void {
    const params = this.doc["Parameters"] ?? {};
    if (!isObject(params)) fail(this.file, "$.Parameters", "Parameters must be an object");
    for (const name of Object.keys(this.ctx.parameterOverrides)) {
      if (!(name in params)) fail(this.file, "$.Parameters", `parameter override "${name}" does not match any parameter in the template`);
    }
    for (const [name, def] of Object.entries(params)) {
      const path = child("$.Parameters", name);
      if (!isObject(def)) fail(this.file, path, "parameter definition must be an object");
      const override = this.ctx.parameterOverrides[name];
      let raw: string;
      if (override !== undefined) raw = override;
      else if (def["Default"] !== undefined && def["Default"] !== null) {
        raw = Array.isArray(def["Default"]) ? def["Default"].map(String).join(",") : String(def["Default"]);
      } else fail(this.file, path, `parameter "${name}" has no Default and no override was given`);
      const type = typeof def["Type"] === "string" ? def["Type"] : "String";
      const isList = type === "CommaDelimitedList" || type.startsWith("List<");
      const values = isList ? raw.split(",").map((s) => s.trim()) : [raw];
      const allowed = def["AllowedValues"];
      if (Array.isArray(allowed)) {
        for (const v of values) {
          if (!allowed.map(String).includes(v)) fail(this.file, path, `parameter "${name}" value "${v}" is not one of AllowedValues ${JSON.stringify(allowed.map(String))}`);
        }
      }
      if (typeof def["AllowedPattern"] === "string") {
        const re = new RegExp(`^(?:${def["AllowedPattern"]})$`);
        for (const v of values) {
          if (!re.test(v)) fail(this.file, path, `parameter "${name}" value "${v}" does not match AllowedPattern ${def["AllowedPattern"]}`);
        }
      }
      if (type === "Number" && !values.every((v) => v.trim() !== "" && Number.isFinite(Number(v)))) {
        fail(this.file, path, `parameter "${name}" value "${raw}" is not a Number`);
      }
      this.params.set(name, isList ? values : raw);
    }
  }

  // ---------------------------------------------------------------- conditions

  condition(name: string, path: string): boolean {
    const cached = this.conditionCache.get(name);
    if (cached !== undefined) return cached;
    const conditions = this.doc["Conditions"];
    if (!isObject(conditions) || !(name in conditions)) fail(this.file, path, `unknown condition "${name}"`);
    const value = this.once(`Condition:${name}`, path, () =>
      this.evalCondition(conditions[name], child("$.Conditions", name)),
    );
    this.conditionCache.set(name, value);
    return value;
  }

  private evalCondition(expr: unknown, path: string): boolean {
    if (typeof expr === "boolean") return expr;
    if (!isObject(expr) || Object.keys(expr).length !== 1) fail(this.file, path, "condition must be Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition");
    const [fn, arg] = Object.entries(expr)[0]!;
    const p = child(path, fn);
    switch (fn) {
      case "Condition":
        if (typeof arg !== "string") fail(this.file, p, "Condition takes a condition name");
        return this.condition(arg, p);
      case "Fn::Equals": {
        if (!Array.isArray(arg) || arg.length !== 2) fail(this.file, p, "Fn::Equals takes a list of two values");
        const [a, b] = arg.map((x, i) => this.resolve(x, child(p, i)));
        return canonical(a) === canonical(b);
      }
      case "Fn::Not":
        if (!Array.isArray(arg) || arg.length !== 1) fail(this.file, p, "Fn::Not takes a list of one condition");
        return !this.evalCondition(arg[0], child(p, 0));
      case "Fn::And":
      case "Fn::Or": {
        if (!Array.isArray(arg) || arg.length < 2 || arg.length > 10) fail(this.file, p, `${fn} takes a list of 2 to 10 conditions`);
        const results = arg.map((c, i) => this.evalCondition(c, child(p, i)));
        return fn === "Fn::And" ? results.every(Boolean) : results.some(Boolean);
      }
      default:
        return fail(this.file, p, `${fn} is not a condition function`);
    }
  }

  // ---------------------------------------------------------------- resolution

  /** Deep-resolves intrinsics. `file` is the file errors are reported against (an included snippet's file). */
  resolve(value: unknown, path: string, file = this.file): unknown {
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      value.forEach((item, i) => {
        const r = this.resolve(item, child(path, i), file);
        if (r !== NO_VALUE) out.push(r);
      });
      return out;
    }
    if (isObject(value)) {
      const keys = Object.keys(value);
      if (keys.length === 1 && (keys[0] === "Ref" || keys[0]!.startsWith("Fn::"))) {
        return this.intrinsic(keys[0]!, value[keys[0]!], child(path, keys[0]!), file);
      }
      const out: Record<string, unknown> = {};
      for (const k of keys) {
        const r = this.resolve(value[k], child(path, k), file);
        if (r !== NO_VALUE) out[k] = r;
      }
      return out;
    }
    return value;
  }

  /** Resolves and requires a string (numbers and booleans are turned into strings, as CloudFormation does). */
  resolveString(value: unknown, path: string, what: string, file = this.file): string {
    const v = this.resolve(value, path, file);
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    return fail(file, path, `${what} must resolve to a string`);
  }

  private intrinsic(fn: string, arg: unknown, path: string, file: string): unknown {
    switch (fn) {
      case "Ref":
        if (typeof arg !== "string") fail(file, path, "Ref takes a parameter or resource name");
        return this.ref(arg, path, file);
      case "Fn::Sub":
        return this.sub(arg, path, file);
      case "Fn::GetAtt": {
        let parts: unknown = arg;
        if (typeof arg === "string") {
          const dot = arg.indexOf(".");
          parts = dot < 0 ? [arg] : [arg.slice(0, dot), arg.slice(dot + 1)];
        }
        if (!Array.isArray(parts) || parts.length !== 2) fail(file, path, "Fn::GetAtt takes [resource, attribute]");
        const res = this.resolveString(parts[0], child(path, 0), "Fn::GetAtt resource", file);
        const attr = this.resolveString(parts[1], child(path, 1), "Fn::GetAtt attribute", file);
        return this.getAtt(res, attr, path, file);
      }
      case "Fn::Join": {
        if (!Array.isArray(arg) || arg.length !== 2) fail(file, path, "Fn::Join takes [delimiter, list]");
        const delim = this.resolve(arg[0], child(path, 0), file);
        if (typeof delim !== "string") fail(file, child(path, 0), "Fn::Join delimiter must be a string");
        const list = this.resolve(arg[1], child(path, 1), file);
        if (!Array.isArray(list)) fail(file, child(path, 1), "Fn::Join takes a list of values to join");
        return list
          .map((item, i) => {
            if (typeof item === "string" || typeof item === "number" || typeof item === "boolean") return String(item);
            return fail(file, child(child(path, 1), i), "Fn::Join list items must resolve to strings");
          })
          .join(delim);
      }
      case "Fn::If": {
        if (!Array.isArray(arg) || arg.length !== 3 || typeof arg[0] !== "string") fail(file, path, "Fn::If takes [condition name, value if true, value if false]");
        const which = this.condition(arg[0], child(path, 0)) ? 1 : 2;
        return this.resolve(arg[which], child(path, which), file);
      }
      case "Fn::Select": {
        if (!Array.isArray(arg) || arg.length !== 2) fail(file, path, "Fn::Select takes [index, list]");
        const index = Number(this.resolve(arg[0], child(path, 0), file));
        const list = this.resolve(arg[1], child(path, 1), file);
        if (!Array.isArray(list)) fail(file, child(path, 1), "Fn::Select takes a list to select from");
        if (!Number.isInteger(index) || index < 0 || index >= list.length) fail(file, child(path, 0), `Fn::Select index ${String(arg[0])} is out of range for a list of ${list.length}`);
        return list[index];
      }
      case "Fn::Split": {
        if (!Array.isArray(arg) || arg.length !== 2) fail(file, path, "Fn::Split takes [delimiter, string]");
        const delim = this.resolve(arg[0], child(path, 0), file);
        const source = this.resolve(arg[1], child(path, 1), file);
        if (typeof delim !== "string" || typeof source !== "string") fail(file, path, "Fn::Split takes a string delimiter and a string");
        return source.split(delim);
      }
      case "Fn::FindInMap": {
        if (!Array.isArray(arg) || arg.length !== 3) fail(file, path, "Fn::FindInMap takes [map name, top-level key, second-level key]");
        const [m, k1, k2] = arg.map((x, i) => this.resolveString(x, child(path, i), "Fn::FindInMap key", file));
        const mappings = this.doc["Mappings"];
        const map = isObject(mappings) ? mappings[m!] : undefined;
        if (!isObject(map)) fail(file, path, `Fn::FindInMap: unknown mapping "${m}"`);
        const top = map[k1!];
        if (!isObject(top)) fail(file, path, `Fn::FindInMap: mapping "${m}" has no key "${k1}"`);
        if (!(k2! in top)) fail(file, path, `Fn::FindInMap: mapping "${m}.${k1}" has no key "${k2}"`);
        return top[k2!];
      }
      case "Fn::Base64": {
        const s = this.resolveString(arg, path, "Fn::Base64 argument", file);
        return Buffer.from(s, "utf8").toString("base64");
      }
      case "Fn::GetAZs":
        return ["a", "b", "c"].map((z) => `${this.ctx.region}${z}`);
      case "Fn::Transform":
        return this.include(arg, path, file);
      case "Fn::Equals":
      case "Fn::Not":
      case "Fn::And":
      case "Fn::Or":
        return fail(file, path, `${fn} is only supported in Conditions`);
      case "Fn::ImportValue":
        return fail(file, path, "Fn::ImportValue is not supported (gateproof loads a single stack)");
      default:
        return fail(file, path, `${fn} is not supported`);
    }
  }

  /** `Fn::Transform` with `AWS::Include` of a local file: the snippet is read and its intrinsics resolved. */
  include(arg: unknown, path: string, file = this.file): unknown {
    const { location, includedFile } = this.includeTarget(arg, path, file);
    void location;
    return this.resolve(readDocument(includedFile, file, path), "$", includedFile);
  }

  /** The local file an `AWS::Include` transform points at. */
  includeTarget(arg: unknown, path: string, file = this.file): { location: string; includedFile: string } {
    if (!isObject(arg) || arg["Name"] !== "AWS::Include") fail(file, path, "Fn::Transform is only supported with Name AWS::Include");
    const params = arg["Parameters"];
    const location = isObject(params) ? this.resolve(params["Location"], child(child(path, "Parameters"), "Location"), file) : undefined;
    if (typeof location !== "string") fail(file, path, "AWS::Include needs Parameters.Location");
    if (/^s3:\/\//i.test(location) || /^https?:\/\//i.test(location)) fail(file, child(child(path, "Parameters"), "Location"), `AWS::Include from ${location} is not supported yet (use a local file path)`);
    return { location, includedFile: this.localPath(location, file) };
  }

  ref(name: string, path: string, file = this.file): unknown {
    if (this.params.has(name)) return this.params.get(name);
    if (PSEUDO.has(name)) return this.pseudo(name);
    const entry = this.resources.get(name);
    if (entry) return this.hooks.ref(entry, path) ?? name;
    return fail(file, path, `Ref to unknown parameter or resource "${name}"`);
  }

  private pseudo(name: string): unknown {
    const { region, accountId, stackName } = this.ctx;
    switch (name) {
      case "AWS::Region": return region;
      case "AWS::AccountId": return accountId;
      case "AWS::StackName": return stackName;
      case "AWS::StackId": return stackId(region, accountId, stackName);
      case "AWS::Partition": return partitionOf(region);
      case "AWS::URLSuffix": return urlSuffixOf(region);
      case "AWS::NotificationARNs": return [];
      default: return NO_VALUE;
    }
  }

  getAtt(logicalId: string, attribute: string, path: string, file = this.file): string {
    const entry = this.resources.get(logicalId);
    if (!entry) return fail(file, path, `Fn::GetAtt on unknown resource "${logicalId}"`);
    const v = this.hooks.getAtt(entry, attribute, path);
    if (v === undefined) return fail(file, path, `Fn::GetAtt ${logicalId}.${attribute} is not supported (${entry.type} attribute "${attribute}" is unknown to gateproof)`);
    return v;
  }

  private sub(arg: unknown, path: string, file: string): string {
    let template: unknown = arg;
    let vars: Record<string, unknown> = {};
    if (Array.isArray(arg)) {
      if (arg.length !== 2 || !isObject(arg[1])) fail(file, path, "Fn::Sub takes a string or [string, {variables}]");
      template = arg[0];
      const resolved = this.resolve(arg[1], child(path, 1), file);
      vars = resolved as Record<string, unknown>;
    }
    if (typeof template !== "string") fail(file, path, "Fn::Sub takes a string or [string, {variables}]");
    return template.replace(/\$\{([^}]*)\}/g, (_m, inner: string) => {
      if (inner.startsWith("!")) return `\${${inner.slice(1)}}`;
      const name = inner.trim();
      let v: unknown;
      if (name in vars) v = vars[name];
      else if (name.includes(".") && !this.params.has(name) && !PSEUDO.has(name)) {
        const dot = name.indexOf(".");
        v = this.getAtt(name.slice(0, dot), name.slice(dot + 1), path, file);
      } else v = this.ref(name, path, file);
      if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return String(v);
      return fail(file, path, `Fn::Sub variable \${${name}} does not resolve to a string`);
    });
  }
}

function canonical(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}
