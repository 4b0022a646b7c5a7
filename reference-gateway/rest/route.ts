import { GatewayError } from "../errors/index.ts";
import type { CompiledRestApi } from "./compile.ts";
import type { RestCall, RoutedCall } from "./call.ts";
import { pickStageSide } from "./canary.ts";

/** Unknown stage on a known API (captured: 403 `{"message":"Forbidden"}`, ForbiddenException); not customisable. */
export class UnknownStageError extends Error {
  constructor(readonly stage: string) {
    super(`unknown stage ${JSON.stringify(stage)}`);
  }
}

/**
 * The route step: `/{stage}/{resource path}` on the raw (still percent-encoded) path. Captured AWS behaviour:
 * a trailing slash reaches the same resource, empty segments right after the stage are skipped, `//` further in
 * is kept (a greedy parameter receives it as is). No match → 403 MissingAuthenticationToken, also for a method
 * the resource lacks (HEAD is not implied by GET).
 */
export function route(call: RestCall, compiled: CompiledRestApi): RoutedCall {
  const parts = call.request.rawPath.split("/");
  const stageName = parts[1] ?? "";
  if (stageName === "") throw new GatewayError("MISSING_AUTHENTICATION_TOKEN");
  const sides = compiled.stages.get(stageName);
  if (!sides) throw new UnknownStageError(stageName);
  const { stage, isCanary } = pickStageSide(sides, call.request);
  call.stage = stage;
  if (stage.canary) call.isCanaryRequest = isCanary;
  let start = 2;
  while (parts[start] === "") start++;
  const end = start < parts.length && parts[parts.length - 1] === "" ? parts.length - 1 : parts.length;
  const rest = parts.slice(start, end);
  const match = compiled.router.match(call.request.method, rest);
  if (!match) throw new GatewayError("MISSING_AUTHENTICATION_TOKEN");
  call.route = match;
  return call as RoutedCall;
}
