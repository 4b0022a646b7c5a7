import type { AuthorizerCache } from "../auth/authorizer-cache.ts";
import { errorContext, GatewayError, renderGatewayResponse } from "../errors/index.ts";
import { TemplateRenderError } from "../templates/index.ts";
import { newRequestIds } from "../observe/index.ts";
import type { HttpResponse, RestCall, RoutedCall } from "./call.ts";
import { LazyRestCall } from "./lazy-call.ts";
import type { CompiledRestApi } from "./compile.ts";
import { contextVariables, type GatewayIdentity } from "./context-variables.ts";
import { integrate, type IntegrationDeps } from "./integrate.ts";
import { findHeader, type IncomingRequest } from "./request.ts";
import { route, UnknownStageError } from "./route.ts";
import { validateRequest } from "./validate.ts";
import { authorize } from "./authorize.ts";
import { isSendable, sendableHeaders } from "./sendable.ts";
import { methodRequestScope } from "./scope.ts";
import type { IamVerifier } from "../auth/iam.ts";
import type { CognitoVerifier } from "../auth/cognito.ts";
import type { RequestOrigin } from "../auth/resource-policy.ts";
import type { ResponseCache } from "../cache/response-cache.ts";
import { CACHE_CONTROL_WARNING } from "../cache/invalidation.ts";
import type { Metrics } from "../observe/metrics.ts";
import type { AccessLogSink } from "../observe/access-log.ts";
import { CacheControlRefused, cacheLookup, cacheStore } from "./cache.ts";
import { observeRequest, type RequestOutcome } from "./observe.ts";
import { checkedAt, refusalOf, throttle, type ThrottleDeps } from "./throttle.ts";

export interface RestDeps extends IntegrationDeps {
  gateway: GatewayIdentity;
  /** One line per notable event (errors with their detail); the CLI prints them, embedders may collect them. */
  log: (line: string) => void;
  /** AWS_IAM: the credentials file's principals and the gateway's region (auth/iam.ts). */
  iam: IamVerifier;
  /** COGNITO_USER_POOLS: each user pool's signing keys (auth/cognito.ts). */
  cognito: CognitoVerifier;
  /** CUSTOM: Lambda authorizer results by identity (auth/authorizer-cache.ts). */
  authorizerCache: AuthorizerCache;
  /** Resource policies: the VPC endpoint / VPC requests are taken to come through (auth/resource-policy.ts). */
  origin: RequestOrigin;
  /** The REST response cache on the gateway's Store (cache/response-cache.ts); absent = no stage caches. */
  responseCache?: ResponseCache;
  /** CloudWatch-named metrics (observe/metrics.ts); absent = not recorded. */
  metrics?: Metrics;
  /** Where stages with an AccessLogSetting write their lines (observe/access-log.ts). */
  accessLog?: AccessLogSink;
  /** Token buckets and quotas on the gateway's Store (throttle.ts); absent = no throttling. */
  throttle?: ThrottleDeps;
}

/**
 * A REST request's way through, in AWS's order (shared/design.md):
 *
 *   1. route          stage, then resource tree (literal before {param} before {proxy+}, per method)
 *   2. authorize      resource policy → authorizer (IAM | Cognito | Lambda) → API key (authorize.ts)
 *      throttle       account → stage/method → usage plan → plan method buckets, then the plan's quota (throttle.ts)
 *   3. validate       required parameters, then the body against its model (validate.ts)
 *   4. cache lookup   a hit skips the integration; Cache-Control: max-age=0 may invalidate (cache.ts)
 *   5. integrate      integration request → integration → integration response → method response
 *   6. cache store    the method response, under the method's TTL (cache.ts)
 *   7. observe        metrics and the stage's access log line, once the response is known (observe.ts)
 *
 * Any step throws GatewayError(type); this function renders it once, with the API's gateway responses.
 * Every answer carries x-amzn-RequestId and x-amz-apigw-id; answers that reached the integration also carry
 * X-Amzn-Trace-Id, as captured from AWS (gateway errors before the integration do not, timeouts do).
 */
export async function handleRestRequest(compiled: CompiledRestApi, deps: RestDeps, request: IncomingRequest): Promise<HttpResponse> {
  const call = new LazyRestCall(compiled.api, request, newRequestIds(request.receivedAt));
  let response: HttpResponse;
  let traced = true;
  const outcome: RequestOutcome = {};
  try {
    const routed = route(call, compiled);
    // Each step awaits only when it has something asynchronous to do (a Lambda authorizer, a JWKS, the cache).
    const authorizing = authorize(routed, compiled, deps);
    if (authorizing) await authorizing;
    if (deps.throttle) {
      const decision = await throttle(routed, deps.throttle);
      outcome.throttleCheckedAt = checkedAt(decision);
      const refusal = refusalOf(decision);
      if (refusal) throw refusal;
    }
    const validation = compiled.validations.get(routed.route.method);
    if (validation) validateRequest(validation, routed);
    const looking = deps.responseCache ? cacheLookup(routed, compiled.cache, deps.responseCache, deps) : undefined;
    const cached = looking && (await looking);
    if (cached) outcome.cache = cached.hit ? "HIT" : cached.decision === "invalidate" ? "INVALIDATED" : "MISS";
    if (cached?.hit) {
      response = cached.hit;
      traced = false;
    } else {
      const started = performance.now();
      response = await integrate(routed, compiled, () => contextVariables(routed, deps.gateway), deps);
      outcome.integrationLatencyMs = Math.round(performance.now() - started);
      outcome.integrationStatus = response.status;
      if (!isSendable(response)) {
        throw new GatewayError("API_CONFIGURATION_ERROR", { message: "Internal server error", detail: `response not valid HTTP (status ${response.status} or a header)` });
      }
      if (cached) await cacheStore(cached, response, deps.responseCache!);
    }
    if (cached?.decision === "ignore-with-warning") response.headers.push(CACHE_CONTROL_WARNING);
  } catch (error) {
    traced = error instanceof GatewayError && error.type === "INTEGRATION_TIMEOUT";
    outcome.error = error;
    response = errorResponse(error, call, compiled, deps);
  }
  // One push: each push may grow the headers' backing store.
  const ids = call.ids;
  if (traced) response.headers.push(["x-amzn-RequestId", ids.requestId], ["x-amz-apigw-id", ids.extendedRequestId], ["X-Amzn-Trace-Id", `${ids.traceId};Sampled=0`]);
  else response.headers.push(["x-amzn-RequestId", ids.requestId], ["x-amz-apigw-id", ids.extendedRequestId]);
  observeRequest(call, compiled, deps, response, outcome);
  return response;
}

/**
 * Every failure as a gateway response type. A mapping template that fails while rendering is a 5XX on AWS,
 * except a body `$input.json`/`$input.path` cannot parse, which is the 400 "Could not parse request body into json".
 */
function asGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof TemplateRenderError) {
    return error.kind === "invalid-json"
      ? new GatewayError("BAD_REQUEST_BODY", { message: `Could not parse request body into json: ${error.message}`, cause: error })
      : new GatewayError("API_CONFIGURATION_ERROR", { message: "Internal server error", detail: `mapping template: ${error.message}`, cause: error });
  }
  return new GatewayError("API_CONFIGURATION_ERROR", { message: "Internal server error", detail: "unexpected failure", cause: error });
}

function errorResponse(error: unknown, call: RestCall, compiled: CompiledRestApi, deps: RestDeps): HttpResponse {
  if (error instanceof UnknownStageError) {
    return { status: 403, headers: [["Content-Type", "application/json"], ["x-amzn-ErrorType", "ForbiddenException"]], body: '{"message":"Forbidden"}' };
  }
  if (error instanceof CacheControlRefused) return { ...error.response, headers: [...error.response.headers] };
  const gatewayError = asGatewayError(error);
  if (gatewayError.detail || !(error instanceof GatewayError)) {
    const unexpected = !(error instanceof GatewayError) && !(error instanceof TemplateRenderError);
    const cause = unexpected ? ` ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` : "";
    deps.log(`${call.ids.requestId} ${gatewayError.type}: ${gatewayError.detail ?? ""}${cause}`);
  }
  const context = { ...contextVariables(call, deps.gateway), error: errorContext(gatewayError.type, gatewayError.message, gatewayError.validationErrorString) };
  const scope = call.stage && call.route
    ? methodRequestScope(call as RoutedCall, () => context)
    : { context, stageVariables: call.stage?.variables ?? {}, input: { body: "", params: { path: {}, querystring: call.query.single, header: call.headers.single } } };
  const rendered = renderGatewayResponse(gatewayError, compiled.gatewayResponses, scope, findHeader(call.request.headerPairs, "accept"));
  // A header mapped from the request (method.request.*) may hold what HTTP forbids: it is left out, not sent broken.
  return { ...rendered, headers: sendableHeaders(rendered.headers) };
}
