/** What the SAM and CloudFormation readers share while loading one stack. */
import type { LambdaFunction, RestApi, Stage } from "../model/types.ts";
import type { FunctionIndex } from "./functions.ts";
import type { Template } from "./intrinsics.ts";
import type { EnforcedSecurity } from "./security/gate.ts";
import type { EnforcedStageSettings } from "./stage-settings.ts";

export interface StackContext {
  t: Template;
  region: string;
  accountId: string;
  stackName: string;
  functions: Record<string, LambdaFunction>;
  index: FunctionIndex;
  /** Stages contributed by Deployment/Stage resources, by API logical id. */
  stages: Map<string, Stage[]>;
  /** Security features the runtime enforces; other security constructs stop the load. */
  enforced: EnforcedSecurity;
  /** Stage settings the runtime enforces (throttling, caching, access logs); others stop the load. */
  enforcedStageSettings: EnforcedStageSettings;
}

export function addStage(ctx: StackContext, apiLogicalId: string, stage: Stage): void {
  const list = ctx.stages.get(apiLogicalId) ?? [];
  const existing = list.find((s) => s.name === stage.name);
  if (existing) {
    existing.variables = { ...existing.variables, ...stage.variables };
    if (stage.canary) existing.canary = stage.canary;
    if (stage.methodSettings) existing.methodSettings = { ...existing.methodSettings, ...stage.methodSettings };
    if (stage.cacheCluster) existing.cacheCluster = stage.cacheCluster;
    if (stage.accessLog) existing.accessLog = stage.accessLog;
  } else list.push(stage);
  ctx.stages.set(apiLogicalId, list);
}

export function lambdaUri(ctx: StackContext, fn: LambdaFunction): string {
  const partition = fn.arn.split(":")[1];
  return `arn:${partition}:apigateway:${ctx.region}:lambda:path/2015-03-31/functions/${fn.arn}/invocations`;
}

export type { RestApi };
