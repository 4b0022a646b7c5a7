import { missingRoute } from "../auth/sigv4-presented.ts";
import type { CompiledRestApi } from "./compile.ts";
import type { RestCall, RoutedCall } from "./call.ts";
import { pickStageSide } from "./canary.ts";

/** Unknown stage on a known API (captured: 403 `{"message":"Forbidden"}`, ForbiddenException); not customisable. */
export class UnknownStageError extends Error {
  constructor(readonly stage: string) {
    super(`unknown stage ${JSON.stringify(stage)}`);
  }
}

const SLASH = 0x2f;

/**
 * The route step: `/{stage}/{resource path}` on the raw (still percent-encoded) path. Captured AWS behaviour:
 * a trailing slash reaches the same resource, empty segments right after the stage are skipped, `//` further in
 * is kept (a greedy parameter receives it as is). No match → 403 MissingAuthenticationToken, also for a method
 * the resource lacks (HEAD is not implied by GET); with a non-SigV4 Authorization header, what is wrong with it
 * (missingRoute).
 */
export function route(call: RestCall, compiled: CompiledRestApi): RoutedCall {
  // Read in place rather than split: the stage is the text between the first two `/`.
  const path = call.request.rawPath;
  const stageStart = path.indexOf("/") + 1;
  if (stageStart === 0) throw missingRoute(call.request.headerPairs);
  const slash = path.indexOf("/", stageStart);
  const stageEnd = slash < 0 ? path.length : slash;
  const stageName = path.slice(stageStart, stageEnd);
  if (stageName === "") throw missingRoute(call.request.headerPairs);
  const sides = compiled.stages.get(stageName);
  if (!sides) throw new UnknownStageError(stageName);
  const { stage, isCanary } = pickStageSide(sides, call.request);
  call.stage = stage;
  if (stage.canary) call.isCanaryRequest = isCanary;
  // The resource path: without the empty segments right after the stage, nor one trailing slash.
  let start = stageEnd;
  while (path.charCodeAt(start) === SLASH) start++;
  const end = start < path.length && path.charCodeAt(path.length - 1) === SLASH ? path.length - 1 : path.length;
  const match = compiled.router.match(call.request.method, path.slice(start, end));
  if (!match) throw missingRoute(call.request.headerPairs);
  call.route = match;
  return call as RoutedCall;
}
