/**
 * API keys and usage plans: `AWS::ApiGateway::ApiKey`, `UsagePlan`, `UsagePlanKey` (and the ones SAM's
 * `Auth.UsagePlan` generates), collected in a ledger and checked once every API and stage is known.
 */
import { randomInt } from "node:crypto";
import type { ApiKey, QuotaSettings, Resource, RestApi, ThrottleSettings, UsagePlan } from "../../model/types.ts";
import { fail } from "../errors.ts";
import { apiKeyId, generatedName, usagePlanId } from "../ids.ts";
import type { ResourceEntry } from "../intrinsics.ts";
import { child } from "../json-path.ts";
import type { StackContext } from "../stack-context.ts";
import { bool, checkKeys, int, list, obj, optStr, str } from "../values.ts";

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A key value for a key the template gives none: 40 random alphanumerics, new on every start (printed by `serve`). */
export function generateKeyValue(): string {
  let out = "";
  for (let i = 0; i < 40; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

/** A key in a plan, and where that association is declared. */
export interface PlanKey {
  key: string;
  plan: string;
  file: string;
  path: string;
}

/** Usage plan stages are checked against the APIs at the end; their JSON paths are kept for the errors. */
interface StagePaths {
  plan: string;
  index: number;
  file: string;
  apiPath: string;
  stagePath: string;
  throttlePath: string;
}

export class KeyLedger {
  readonly apiKeys: ApiKey[] = [];
  readonly usagePlans: UsagePlan[] = [];
  readonly planKeys: PlanKey[] = [];
  readonly stagePaths: StagePaths[] = [];

  addKey(key: ApiKey, valuePath: string): void {
    const { file } = key.location;
    // API key values are 20–128 alphanumeric characters and unique (spec §3.2).
    if (!key.generated && !/^[A-Za-z0-9]{20,128}$/.test(key.value)) fail(file, valuePath, `API key value must be 20-128 alphanumeric characters`);
    const same = this.apiKeys.find((k) => k.value === key.value);
    if (same) fail(file, valuePath, `API key value is already used by API key "${same.logicalId}"; values must be unique`);
    this.apiKeys.push(key);
  }

  /** Every plan's stages exist, per-method throttles name existing methods, and a key is in one plan per API stage (spec §3.2). */
  check(restApis: RestApi[]): void {
    for (const sp of this.stagePaths) {
      const plan = this.usagePlans.find((p) => p.logicalId === sp.plan)!;
      const stage = plan.apiStages[sp.index]!;
      const api = restApis.find((a) => a.logicalId === stage.api);
      if (!api) return fail(sp.file, sp.apiPath, `ApiId does not refer to a RestApi in this template`);
      if (!api.stages.some((s) => s.name === stage.stage)) fail(sp.file, sp.stagePath, `RestApi "${api.logicalId}" has no stage "${stage.stage}"`);
      for (const key of Object.keys(stage.throttle)) {
        const [path, method] = splitThrottleKey(key);
        const resource = findResource(api.root, path);
        if (!resource || !resource.methods[method]) fail(sp.file, child(sp.throttlePath, key), `usage plan throttle "${key}": RestApi "${api.logicalId}" has no ${method} ${path}`);
      }
    }
    const seen = new Map<string, string>();
    for (const pk of this.planKeys) {
      const plan = this.usagePlans.find((p) => p.logicalId === pk.plan)!;
      for (const s of plan.apiStages) {
        const slot = `${pk.key}\u0000${s.api}\u0000${s.stage}`;
        const other = seen.get(slot);
        if (other !== undefined && other !== plan.logicalId) {
          fail(pk.file, pk.path, `API key "${pk.key}" is already in usage plan "${other}" for stage "${s.stage}" of "${s.api}"; a key may be in only one usage plan per API stage`);
        }
        seen.set(slot, plan.logicalId);
      }
      if (!plan.apiKeys.includes(pk.key)) plan.apiKeys.push(pk.key);
    }
  }
}

/** `"/pets/GET"` → `["/pets", "GET"]`; the root is `"//GET"` (spec §3.2). */
function splitThrottleKey(key: string): [string, string] {
  const slash = key.lastIndexOf("/");
  const path = key.slice(0, slash);
  return [path === "/" || path === "" ? "/" : path, key.slice(slash + 1)];
}

function findResource(root: Resource, path: string): Resource | undefined {
  if (root.path === path) return root;
  for (const c of root.children) {
    const hit = findResource(c, path);
    if (hit) return hit;
  }
  return undefined;
}

const API_KEY_PROPS = new Set(["Name", "Value", "Enabled", "Description", "CustomerId", "GenerateDistinctId", "StageKeys", "Tags"]);

export function cfnApiKey(ctx: StackContext, entry: ResourceEntry, ledger: KeyLedger): void {
  const { t } = ctx;
  const file = t.file;
  const props = child(entry.path, "Properties");
  checkKeys(entry.properties, API_KEY_PROPS, file, props, "AWS::ApiGateway::ApiKey");
  // StageKeys are "DEPRECATED FOR USAGE PLANS" (CreateApiKey API reference): a key works only through a usage plan
  // of the stage (spec §8), so they grant nothing here; their shape is still checked.
  list(t.prop(entry, "StageKeys"), file, child(props, "StageKeys"), "StageKeys").forEach((sk, i) => {
    checkKeys(obj(sk, file, child(child(props, "StageKeys"), i), "StageKey"), new Set(["RestApiId", "StageName"]), file, child(child(props, "StageKeys"), i), "StageKey");
  });
  const value = optStr(t.prop(entry, "Value"), file, child(props, "Value"), "Value");
  const name = optStr(t.prop(entry, "Name"), file, child(props, "Name"), "Name");
  const enabled = t.prop(entry, "Enabled");
  ledger.addKey(
    {
      logicalId: entry.logicalId,
      id: apiKeyId(ctx.stackName, entry.logicalId),
      name: name ?? generatedName(ctx.stackName, entry.logicalId, "apikey"),
      value: value ?? generateKeyValue(),
      generated: value === undefined,
      enabled: enabled === undefined ? true : bool(enabled, file, child(props, "Enabled"), "Enabled"),
      location: { file, path: entry.path },
    },
    child(props, "Value"),
  );
}

const PLAN_PROPS = new Set(["ApiStages", "Throttle", "Quota", "UsagePlanName", "Description", "Tags"]);

export interface PlanSource {
  logicalId: string;
  /** Properties in CloudFormation's shape (SAM's `Auth.UsagePlan` uses the same names). */
  props: Record<string, unknown>;
  file: string;
  path: string;
  /** Resolves an `ApiStages[].ApiId` value to the RestApi logical id. */
  apiOf: (value: unknown, path: string) => string;
}

export function readUsagePlan(ctx: StackContext, src: PlanSource, ledger: KeyLedger): UsagePlan {
  const { file, path, props } = src;
  checkKeys(props, PLAN_PROPS, file, path, "AWS::ApiGateway::UsagePlan");
  const name = optStr(props["UsagePlanName"], file, child(path, "UsagePlanName"), "UsagePlanName");
  const plan: UsagePlan = {
    logicalId: src.logicalId,
    id: usagePlanId(ctx.stackName, src.logicalId),
    name: name ?? generatedName(ctx.stackName, src.logicalId, "usageplan"),
    apiStages: [],
    apiKeys: [],
    location: { file, path },
  };
  const stagesPath = child(path, "ApiStages");
  list(props["ApiStages"], file, stagesPath, "ApiStages").forEach((raw, index) => {
    const p = child(stagesPath, index);
    const s = obj(raw, file, p, "ApiStage");
    checkKeys(s, new Set(["ApiId", "Stage", "Throttle"]), file, p, "ApiStage");
    const throttle: Record<string, ThrottleSettings> = {};
    const throttlePath = child(p, "Throttle");
    for (const [key, t] of Object.entries(obj(s["Throttle"], file, throttlePath, "ApiStage Throttle"))) {
      if (!/^\/.*\/[A-Z]+$/.test(key)) fail(file, child(throttlePath, key), `usage plan throttle key "${key}" must be "/path/METHOD" (root: "//GET")`);
      throttle[key] = throttleSettings(t, file, child(throttlePath, key));
    }
    plan.apiStages.push({
      api: src.apiOf(s["ApiId"] ?? fail(file, p, "ApiStage needs an ApiId"), child(p, "ApiId")),
      stage: str(s["Stage"] ?? fail(file, p, "ApiStage needs a Stage"), file, child(p, "Stage"), "Stage"),
      throttle,
    });
    ledger.stagePaths.push({ plan: src.logicalId, index, file, apiPath: child(p, "ApiId"), stagePath: child(p, "Stage"), throttlePath });
  });
  if (props["Throttle"] !== undefined) plan.throttle = throttleSettings(props["Throttle"], file, child(path, "Throttle"));
  if (props["Quota"] !== undefined) plan.quota = quotaSettings(props["Quota"], file, child(path, "Quota"));
  ledger.usagePlans.push(plan);
  return plan;
}

/** ThrottleSettings: RateLimit (a double) and BurstLimit (an integer) (spec §3.2). */
function throttleSettings(v: unknown, file: string, path: string): ThrottleSettings {
  const o = obj(v, file, path, "Throttle");
  checkKeys(o, new Set(["RateLimit", "BurstLimit"]), file, path, "Throttle");
  if (o["RateLimit"] === undefined || o["BurstLimit"] === undefined) fail(file, path, "Throttle needs both RateLimit and BurstLimit");
  const rate = typeof o["RateLimit"] === "string" ? Number(o["RateLimit"]) : o["RateLimit"];
  if (typeof rate !== "number" || !Number.isFinite(rate) || rate < 0) fail(file, child(path, "RateLimit"), "RateLimit must be a non-negative number");
  return { rateLimit: rate, burstLimit: int(o["BurstLimit"], file, child(path, "BurstLimit"), "BurstLimit", 0, Number.MAX_SAFE_INTEGER) };
}

/** QuotaSettings: Limit, Offset (default 0), Period DAY | WEEK | MONTH (spec §3.2). */
function quotaSettings(v: unknown, file: string, path: string): QuotaSettings {
  const o = obj(v, file, path, "Quota");
  checkKeys(o, new Set(["Limit", "Offset", "Period"]), file, path, "Quota");
  const period = str(o["Period"] ?? fail(file, path, "Quota needs a Period"), file, child(path, "Period"), "Period");
  if (period !== "DAY" && period !== "WEEK" && period !== "MONTH") fail(file, child(path, "Period"), `Quota Period "${period}" must be DAY, WEEK or MONTH`);
  return {
    limit: int(o["Limit"] ?? fail(file, path, "Quota needs a Limit"), file, child(path, "Limit"), "Limit", 0, Number.MAX_SAFE_INTEGER),
    offset: o["Offset"] === undefined ? 0 : int(o["Offset"], file, child(path, "Offset"), "Offset", 0, Number.MAX_SAFE_INTEGER),
    period,
  };
}

/** `AWS::ApiGateway::UsagePlanKey`: KeyId and UsagePlanId resolve (by `Ref`) to a key and a plan of this template. */
export function cfnUsagePlanKey(ctx: StackContext, entry: ResourceEntry, ledger: KeyLedger): void {
  const { t } = ctx;
  const file = t.file;
  const props = child(entry.path, "Properties");
  checkKeys(entry.properties, new Set(["KeyId", "KeyType", "UsagePlanId"]), file, props, "AWS::ApiGateway::UsagePlanKey");
  const keyType = str(t.prop(entry, "KeyType") ?? fail(file, props, "UsagePlanKey needs a KeyType"), file, child(props, "KeyType"), "KeyType");
  if (keyType !== "API_KEY") fail(file, child(props, "KeyType"), `KeyType "${keyType}" must be API_KEY`);
  const keyId = str(t.prop(entry, "KeyId"), file, child(props, "KeyId"), "KeyId");
  const key = ledger.apiKeys.find((k) => k.id === keyId);
  if (!key) return fail(file, child(props, "KeyId"), `KeyId "${keyId}" does not refer to an AWS::ApiGateway::ApiKey in this template`);
  const planId = str(t.prop(entry, "UsagePlanId"), file, child(props, "UsagePlanId"), "UsagePlanId");
  const plan = ledger.usagePlans.find((p) => p.id === planId);
  if (!plan) return fail(file, child(props, "UsagePlanId"), `UsagePlanId "${planId}" does not refer to an AWS::ApiGateway::UsagePlan in this template`);
  ledger.planKeys.push({ key: key.logicalId, plan: plan.logicalId, file, path: entry.path });
}
