import { GatewayError } from "../errors/index.ts";
import type { ApiKey, GatewayModel, RestApi, UsagePlan } from "../model/index.ts";
import type { RoutedCall } from "../rest/call.ts";
import { findHeader } from "../rest/request.ts";

/**
 * API keys for one REST API, indexed once at load: key value → the key and, per stage of this API, the usage plan
 * it belongs to there. A request then costs one map lookup and one stage lookup, whatever the number of keys.
 */
export type ApiKeyIndex = ReadonlyMap<string, { key: ApiKey; planByStage: ReadonlyMap<string, UsagePlan> }>;

/**
 * A key counts for a stage only through a usage plan that lists this API and stage (spec §8). A key "may be
 * associated with only one usage plan per stage" (spec §3.2), so the first plan in template order wins if a template
 * lists two.
 */
export function indexApiKeys(api: RestApi, model: Pick<GatewayModel, "apiKeys" | "usagePlans">): ApiKeyIndex {
  const byLogicalId = new Map(model.apiKeys.map((key) => [key.logicalId, { key, planByStage: new Map<string, UsagePlan>() }]));
  for (const plan of model.usagePlans) {
    const stages = plan.apiStages.filter((apiStage) => apiStage.api === api.logicalId).map((apiStage) => apiStage.stage);
    for (const keyId of plan.apiKeys) {
      const entry = byLogicalId.get(keyId);
      if (entry === undefined) continue;
      for (const stage of stages) if (!entry.planByStage.has(stage)) entry.planByStage.set(stage, plan);
    }
  }
  return new Map([...byLogicalId.values()].map((entry) => [entry.key.value, entry]));
}

/**
 * The API key step, for a method with `apiKeyRequired` (spec §8; api-gateway-api-key-source.md). The key comes from
 * the `x-api-key` header (any casing) under key source HEADER, or from the Lambda authorizer's `usageIdentifierKey`
 * under AUTHORIZER. Missing, unknown, disabled, or in no usage plan for this API stage: 403 INVALID_API_KEY,
 * `{"message":"Forbidden"}` with `x-amzn-ErrorType: ForbiddenException` (spec §2.2 [KC], §2.3). On success the key
 * shows as `$context.identity.apiKey` / `apiKeyId`, and the plan is kept on the call for usage-plan throttling.
 */
export function checkApiKey(call: RoutedCall, index: ApiKeyIndex): void {
  const value = call.api.apiKeySource === "AUTHORIZER" ? call.auth?.usageIdentifierKey : findHeader(call.request.headerPairs, "x-api-key");
  if (!value) throw invalidKey("no API key in the request");
  const entry = index.get(value);
  if (entry === undefined) throw invalidKey("unknown API key");
  if (!entry.key.enabled) throw invalidKey(`API key ${entry.key.id} is disabled`);
  const plan = entry.planByStage.get(call.stage.name);
  if (plan === undefined) throw invalidKey(`API key ${entry.key.id} is in no usage plan for stage ${call.stage.name}`);
  call.auth = {
    ...call.auth,
    identity: { ...call.auth?.identity, apiKey: value, apiKeyId: entry.key.id },
    apiKey: entry.key,
    usagePlan: plan,
  };
}

/** The key value never goes to the log; its id identifies it well enough. */
function invalidKey(detail: string): GatewayError {
  return new GatewayError("INVALID_API_KEY", { detail });
}
