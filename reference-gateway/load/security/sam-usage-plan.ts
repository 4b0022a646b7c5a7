/**
 * SAM `Auth.UsagePlan` (sam-property-api-apiusageplan.md), generated as samtranslator api_generator.py
 * _construct_usage_plan does: PER_API → `<Api>UsagePlan` + `<Api>ApiKey` + `<Api>UsagePlanKey`; SHARED → one
 * `ServerlessUsagePlan` + `ServerlessApiKey` + `ServerlessUsagePlanKey` over every SHARED API's stage; NONE → nothing.
 */
import { fail } from "../errors.ts";
import { apiKeyId, generatedName } from "../ids.ts";
import { child } from "../json-path.ts";
import type { StackContext } from "../stack-context.ts";
import { str } from "../values.ts";
import { generateKeyValue, readUsagePlan, type KeyLedger } from "./api-keys.ts";

export function samUsagePlan(ctx: StackContext, ledger: KeyLedger, api: string, stage: string, value: Record<string, unknown>, path: string): void {
  const file = ctx.t.file;
  const createPath = child(path, "CreateUsagePlan");
  const create = str(value["CreateUsagePlan"] ?? fail(file, path, "'CreateUsagePlan' is a required field for UsagePlan"), file, createPath, "CreateUsagePlan");
  if (create !== "PER_API" && create !== "SHARED" && create !== "NONE") fail(file, createPath, `CreateUsagePlan "${create}" must be PER_API, SHARED or NONE`);
  if (create === "NONE") return;
  const { CreateUsagePlan: _, ...props } = value;
  const planId = create === "SHARED" ? "ServerlessUsagePlan" : `${api}UsagePlan`;
  const keyId = create === "SHARED" ? "ServerlessApiKey" : `${api}ApiKey`;
  // SAM re-creates the shared plan for each SHARED API with that API's settings; the last one's settings stand.
  const previous = ledger.usagePlans.findIndex((p) => p.logicalId === planId);
  const stages = previous >= 0 ? ledger.usagePlans[previous]!.apiStages : [];
  if (previous >= 0) ledger.usagePlans.splice(previous, 1);
  const plan = readUsagePlan(ctx, { logicalId: planId, props, file, path, apiOf: () => api }, ledger);
  plan.apiStages.push(...stages, { api, stage, throttle: {} });
  if (!ledger.apiKeys.some((k) => k.logicalId === keyId)) {
    ledger.addKey(
      { logicalId: keyId, id: apiKeyId(ctx.stackName, keyId), name: generatedName(ctx.stackName, keyId, "apikey"), value: generateKeyValue(), generated: true, enabled: true, location: { file, path } },
      path,
    );
  }
  if (!ledger.planKeys.some((pk) => pk.key === keyId && pk.plan === planId)) ledger.planKeys.push({ key: keyId, plan: planId, file, path });
}
