import type { Stage } from "../model/index.ts";
import { findHeader, type IncomingRequest } from "./request.ts";

/**
 * Pins a request to one side of a canary release, for tests: `X-Gateproof-Canary: true|false`. A gateproof
 * extension (AWS has no such switch); without it the side is drawn at the configured percentage.
 */
export const CANARY_PIN_HEADER = "X-Gateproof-Canary";

/** Both sides of a stage, prepared at load: the canary sees its stage-variable overrides over the stage's. */
export interface StageSides {
  stage: Stage;
  canary?: Stage;
}

export function stageSides(stage: Stage): StageSides {
  if (!stage.canary) return { stage };
  return { stage, canary: { ...stage, variables: { ...stage.variables, ...stage.canary.stageVariableOverrides } } };
}

/**
 * Canary release (canary-release.md): `percentTraffic` percent of requests are served by the canary deployment,
 * chosen per request at random; `$context.isCanaryRequest` tells which.
 */
export function pickStageSide(sides: StageSides, request: IncomingRequest, random: () => number = Math.random): { stage: Stage; isCanary: boolean } {
  if (!sides.canary || !sides.stage.canary) return { stage: sides.stage, isCanary: false };
  const pinned = findHeader(request.headerPairs, CANARY_PIN_HEADER)?.toLowerCase();
  const isCanary = pinned === "true" ? true : pinned === "false" ? false : random() * 100 < sides.stage.canary.percentTraffic;
  return isCanary ? { stage: sides.canary, isCanary } : { stage: sides.stage, isCanary };
}
