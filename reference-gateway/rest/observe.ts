import { errorContext, GatewayError } from "../errors/index.ts";
import type { HttpResponse, RestCall } from "./call.ts";
import type { CompiledRestApi } from "./compile.ts";
import { contextVariables } from "./context-variables.ts";
import type { RestDeps } from "./lifecycle.ts";
import type { MetricDimensions } from "../observe/metrics.ts";
import type { RouteMatch } from "./router.ts";

/** What the lifecycle learned on the way that only the metrics and the access log need. */
export interface RequestOutcome {
  cache?: "HIT" | "MISS" | "INVALIDATED";
  /** ms from sending the integration request to its mapped answer; undefined when the integration was not called. */
  integrationLatencyMs?: number;
  integrationStatus?: number;
  /** µs since the epoch on the store's clock when the throttle step's buckets were checked (undefined: not checked). */
  throttleCheckedAt?: number;
  /** The failure that became the response, if any. */
  error?: unknown;
}

/** Per matched method (or per API, for unmatched requests) and stage, the metric dimensions: one object each, made once. */
const dimensionsByOwner = new WeakMap<object, Map<string, MetricDimensions>>();

function dimensionsOf(compiled: CompiledRestApi, stage: string, route: RouteMatch | undefined): MetricDimensions {
  const owner: object = route?.method ?? compiled;
  let byStage = dimensionsByOwner.get(owner);
  if (!byStage) dimensionsByOwner.set(owner, (byStage = new Map()));
  let dimensions = byStage.get(stage);
  if (dimensions === undefined) {
    dimensions = { ApiName: compiled.api.name, Stage: stage, ...(route ? { Resource: route.resource.path, Method: route.method.httpMethod } : {}) };
    byStage.set(stage, dimensions);
  }
  return dimensions;
}

/**
 * The last step: metrics and the stage's access log line, once the response is known. Latency is measured from the
 * moment the request was read to now (the response is ready to be written). Cheap when nothing is configured:
 * metrics are a map update, and `$context` is built only for stages with an access log.
 */
export function observeRequest(call: RestCall, compiled: CompiledRestApi, deps: RestDeps, response: HttpResponse, outcome: RequestOutcome): void {
  const stage = call.stage?.name;
  if (stage === undefined) return;
  const latencyMs = Math.max(0, Date.now() - call.request.receivedAt);
  deps.metrics?.record({
    dimensions: dimensionsOf(compiled, stage, call.route),
    status: response.status,
    latencyMs,
    integrationLatencyMs: outcome.integrationLatencyMs,
    cache: outcome.cache === undefined ? undefined : outcome.cache === "HIT" ? "hit" : "miss",
  });
  const format = compiled.accessLogs.get(stage);
  if (!format || !deps.accessLog) return;
  const failure = outcome.error instanceof GatewayError ? outcome.error : undefined;
  const context = contextVariables(call, deps.gateway);
  if (failure) context.error = errorContext(failure.type, failure.message, failure.validationErrorString);
  const responseLength = typeof response.body === "string" ? Buffer.byteLength(response.body, "utf8") : response.body.length;
  deps.accessLog.write(
    format({
      context,
      status: response.status,
      responseLength,
      responseLatencyMs: latencyMs,
      integrationLatencyMs: outcome.integrationLatencyMs,
      integrationStatus: outcome.integrationStatus,
      error: failure ? { message: failure.message, responseType: failure.type } : undefined,
      cacheStatus: outcome.cache,
      throttleCheckedAt: outcome.throttleCheckedAt,
    }),
  );
}
