/**
 * Stage settings of REST APIs: `MethodSettings`, `CacheClusterEnabled` / `CacheClusterSize` and `AccessLogSetting`,
 * as SAM (`AWS::Serverless::Api` and `Globals.Api`), `AWS::ApiGateway::Stage` and `AWS::ApiGateway::Deployment`
 * `StageDescription` write them, into `Stage.methodSettings` / `cacheCluster` / `accessLog`.
 *
 * Sources: CloudFormation AWS::ApiGateway::Stage MethodSetting and AWS::ApiGateway::Deployment StageDescription
 * (ResourcePath "Forward slashes (/) are encoded as ~1 … the root path, use only a slash (/)"; `/*` + `*` = all
 * methods); spec §3.1 (throttling −1 = disabled), §4.1 (TTL 0..3600, default 300).
 *
 * Settings whose runtime is not wired yet stop the load through the ENFORCED_STAGE_SETTINGS gate (enforcement.ts):
 * a stage is never served without the throttle, cache or access log its template asks for.
 */
import type { MethodSetting, Stage } from "../model/types.ts";
import type { StageSettingFeature } from "./enforcement.ts";
import { fail } from "./errors.ts";
import { child } from "./json-path.ts";
import { bool, checkKeys, int, list, obj, str } from "./values.ts";

export type EnforcedStageSettings = ReadonlySet<StageSettingFeature>;

/** A property as read: its resolved value and JSON path; undefined when absent. */
export type SettingGetter = (name: string) => { value: unknown; path: string } | undefined;

const METHOD_SETTING_KEYS = new Set([
  "ResourcePath", "HttpMethod", "ThrottlingRateLimit", "ThrottlingBurstLimit", "CachingEnabled", "CacheTtlInSeconds",
  "CacheDataEncrypted", "MetricsEnabled", "LoggingLevel", "DataTraceEnabled",
]);
/** `StageDescription` keys that are the stage's `*\/*` method setting (AWS::ApiGateway::Deployment StageDescription). */
const DESCRIPTION_METHOD_KEYS = ["ThrottlingRateLimit", "ThrottlingBurstLimit", "CachingEnabled", "CacheTtlInSeconds", "CacheDataEncrypted", "MetricsEnabled", "LoggingLevel", "DataTraceEnabled"] as const;
const HTTP_METHODS = new Set(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY", "*"]);
/** CacheClusterSize values (AWS::ApiGateway::Stage CacheClusterSize, GB). */
export const CACHE_CLUSTER_SIZES = ["0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"] as const;
const LOGGING_LEVELS = new Set(["OFF", "ERROR", "INFO"]);
export const ALL_METHODS_KEY = "*/*";

/**
 * The model key of a method setting: `"{resourcePath}/{HTTP_METHOD}"` with `~1` decoded (root `"//GET"`), or `*\/*`.
 * `/~1pets~1{id}` and the unescaped `/pets/{id}` name the same resource.
 */
export function methodSettingKey(resourcePath: string, httpMethod: string, file: string, path: string): string {
  const method = httpMethod.toUpperCase();
  if (!HTTP_METHODS.has(method)) fail(file, child(path, "HttpMethod"), `HttpMethod "${httpMethod}" must be an HTTP method, ANY or *`);
  if (resourcePath === "/*") {
    if (method !== "*") fail(file, child(path, "HttpMethod"), `ResourcePath /* (all resources) goes with HttpMethod *, got "${httpMethod}"`);
    return ALL_METHODS_KEY;
  }
  if (!resourcePath.startsWith("/")) fail(file, child(path, "ResourcePath"), `ResourcePath "${resourcePath}" must start with / (write /~1pets for /pets, / for the root)`);
  const decoded = resourcePath === "/" ? "/" : `/${resourcePath.slice(1).replace(/~1/g, "/")}`.replace(/^\/\//, "/");
  if (decoded.includes("*") || /\/\//.test(decoded) || (decoded.length > 1 && decoded.endsWith("/"))) {
    fail(file, child(path, "ResourcePath"), `ResourcePath "${resourcePath}" is not a resource path (only /* stands for all resources)`);
  }
  return `${decoded}/${method}`;
}

/** A throttling limit: ≥ 0, or −1 for "disabled" (spec §3.1). Rate is a double, burst an integer. */
function limit(v: unknown, file: string, path: string, what: string, integer: boolean): number {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isFinite(n)) return fail(file, path, `${what} must be a number`);
  if (integer && !Number.isInteger(n)) fail(file, path, `${what} must be an integer`);
  if (n < 0 && n !== -1) fail(file, path, `${what} ${n} must be ≥ 0, or -1 (disabled)`);
  return n;
}

/** Reads the method-setting fields of `o` (a MethodSetting, or a StageDescription's stage-wide fields). */
function readFields(o: Record<string, unknown>, file: string, path: string): MethodSetting {
  const out: MethodSetting = {};
  const at = (k: string) => child(path, k);
  const has = (k: string) => o[k] !== undefined && o[k] !== null;
  if (has("ThrottlingRateLimit")) out.throttlingRateLimit = limit(o["ThrottlingRateLimit"], file, at("ThrottlingRateLimit"), "ThrottlingRateLimit", false);
  if (has("ThrottlingBurstLimit")) out.throttlingBurstLimit = limit(o["ThrottlingBurstLimit"], file, at("ThrottlingBurstLimit"), "ThrottlingBurstLimit", true);
  if (has("CachingEnabled")) out.cachingEnabled = bool(o["CachingEnabled"], file, at("CachingEnabled"), "CachingEnabled");
  if (has("CacheTtlInSeconds")) out.cacheTtlInSeconds = int(o["CacheTtlInSeconds"], file, at("CacheTtlInSeconds"), "CacheTtlInSeconds", 0, 3600);
  if (has("CacheDataEncrypted")) out.cacheDataEncrypted = bool(o["CacheDataEncrypted"], file, at("CacheDataEncrypted"), "CacheDataEncrypted");
  if (has("MetricsEnabled")) out.metricsEnabled = bool(o["MetricsEnabled"], file, at("MetricsEnabled"), "MetricsEnabled");
  if (has("DataTraceEnabled")) out.dataTraceEnabled = bool(o["DataTraceEnabled"], file, at("DataTraceEnabled"), "DataTraceEnabled");
  if (has("LoggingLevel")) {
    const level = str(o["LoggingLevel"], file, at("LoggingLevel"), "LoggingLevel").toUpperCase();
    if (!LOGGING_LEVELS.has(level)) fail(file, at("LoggingLevel"), `LoggingLevel "${String(o["LoggingLevel"])}" must be OFF, ERROR or INFO`);
    out.loggingLevel = level as MethodSetting["loggingLevel"];
  }
  return out;
}

/** Where each setting came from, for the gate's messages. */
interface Sourced {
  settings: Record<string, MethodSetting>;
  paths: Record<string, string>;
}

function readMethodSettings(v: unknown, file: string, path: string, into: Sourced): void {
  const seen = new Set<string>();
  list(v, file, path, "MethodSettings").forEach((raw, i) => {
    const p = child(path, i);
    const o = obj(raw, file, p, "method setting");
    checkKeys(o, METHOD_SETTING_KEYS, file, p, "MethodSetting");
    const resourcePath = o["ResourcePath"] === undefined ? "/*" : str(o["ResourcePath"], file, child(p, "ResourcePath"), "ResourcePath");
    const httpMethod = o["HttpMethod"] === undefined ? "*" : str(o["HttpMethod"], file, child(p, "HttpMethod"), "HttpMethod");
    const key = methodSettingKey(resourcePath, httpMethod, file, p);
    if (seen.has(key)) {
      fail(file, p, `a second method setting for ${key === ALL_METHODS_KEY ? "all methods (/* *)" : key} (the first is at ${into.paths[key]})`);
    }
    seen.add(key);
    // Over a StageDescription's stage-wide fields, the list's `/* *` entry wins field by field.
    into.settings[key] = { ...into.settings[key], ...readFields(o, file, p) };
    into.paths[key] = p;
  });
}

function readAccessLog(v: unknown, file: string, path: string): Stage["accessLog"] {
  const o = obj(v, file, path, "AccessLogSetting");
  checkKeys(o, new Set(["DestinationArn", "Format"]), file, path, "AccessLogSetting");
  if (o["Format"] === undefined || o["Format"] === null) {
    if (o["DestinationArn"] === undefined || o["DestinationArn"] === null) return undefined;
    return fail(file, path, "AccessLogSetting needs a Format (the $context variables each line is made of)");
  }
  const format = str(o["Format"], file, child(path, "Format"), "Format");
  if (format.trim() === "") fail(file, child(path, "Format"), "AccessLogSetting Format must not be empty");
  const destination = o["DestinationArn"] === undefined || o["DestinationArn"] === null ? undefined : str(o["DestinationArn"], file, child(path, "DestinationArn"), "DestinationArn");
  return { format, ...(destination !== undefined ? { destinationArn: destination } : {}) };
}

/**
 * The stage settings from `get` (MethodSettings, CacheClusterEnabled, CacheClusterSize, AccessLogSetting, and with
 * `stageWide` the StageDescription's own method-setting fields, which are the `*\/*` entry). Validates every value
 * (LoadError with file, path, reason), then refuses what the runtime does not enforce (`enforced`).
 */
export function readStageSettings(get: SettingGetter, file: string, enforced: EnforcedStageSettings, stageWide?: { value: Record<string, unknown>; path: string }): Pick<Stage, "methodSettings" | "cacheCluster" | "accessLog"> {
  const sourced: Sourced = { settings: {}, paths: {} };
  if (stageWide) {
    const present = DESCRIPTION_METHOD_KEYS.filter((k) => stageWide.value[k] !== undefined && stageWide.value[k] !== null);
    if (present.length > 0) {
      sourced.settings[ALL_METHODS_KEY] = readFields(stageWide.value, file, stageWide.path);
      sourced.paths[ALL_METHODS_KEY] = stageWide.path;
    }
  }
  const ms = get("MethodSettings");
  if (ms) readMethodSettings(ms.value, file, ms.path, sourced);

  const enabled = get("CacheClusterEnabled");
  const size = get("CacheClusterSize");
  let cacheCluster: Stage["cacheCluster"];
  const clusterOn = enabled ? bool(enabled.value, file, enabled.path, "CacheClusterEnabled") : false;
  if (size) {
    const s = str(size.value, file, size.path, "CacheClusterSize");
    if (!(CACHE_CLUSTER_SIZES as readonly string[]).includes(s)) fail(file, size.path, `CacheClusterSize "${s}" must be one of ${CACHE_CLUSTER_SIZES.join(", ")}`);
    cacheCluster = { enabled: clusterOn, sizeGb: s };
  } else if (enabled) cacheCluster = { enabled: clusterOn, sizeGb: "0.5" };

  const al = get("AccessLogSetting");
  const accessLog = al ? readAccessLog(al.value, file, al.path) : undefined;

  // The gate: what the template asks for must be enforced.
  for (const [key, setting] of Object.entries(sourced.settings)) {
    const p = sourced.paths[key]!;
    const throttled = [["ThrottlingRateLimit", setting.throttlingRateLimit], ["ThrottlingBurstLimit", setting.throttlingBurstLimit]] as const;
    for (const [name, value] of throttled) {
      if (value !== undefined && value !== -1) requireStageSetting(enforced, "throttling", file, child(p, name), `${name} (throttling)`);
    }
    if (setting.cachingEnabled) requireStageSetting(enforced, "caching", file, child(p, "CachingEnabled"), "CachingEnabled (caching)");
  }
  if (clusterOn) requireStageSetting(enforced, "caching", file, enabled!.path, "CacheClusterEnabled (caching)");
  if (accessLog) requireStageSetting(enforced, "access-log", file, al!.path, "AccessLogSetting (access logs)");

  return {
    ...(Object.keys(sourced.settings).length > 0 ? { methodSettings: sourced.settings } : {}),
    ...(cacheCluster ? { cacheCluster } : {}),
    ...(accessLog ? { accessLog } : {}),
  };
}

/** Throws unless `feature` is enforced by the runtime. */
export function requireStageSetting(enforced: EnforcedStageSettings, feature: StageSettingFeature, file: string, path: string, what: string): void {
  if (!enforced.has(feature)) fail(file, path, `${what} is not enforced by gateproof yet; refusing to serve the stage without it`);
}

/** A getter over a plain (already resolved) object. */
export function objectGetter(o: Record<string, unknown>, path: string): SettingGetter {
  return (name) => (o[name] === undefined || o[name] === null ? undefined : { value: o[name], path: child(path, name) });
}
