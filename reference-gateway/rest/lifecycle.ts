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
import { CacheControlRefused, cacheLookup, cacheStore, type CacheLookup } from "./cache.ts";
import { observeRequest, type RequestOutcome } from "./observe.ts";
import { checkedAt, refusalOf, throttle, type ThrottleDeps } from "./throttle.ts";
import type { ThrottleDecision } from "../throttle/throttler.ts";

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
 * One REST request on its way through the steps below: what they learned (the RequestOutcome the metrics and the
 * access log read, then the answer). One object per request instead of an async frame and its closures.
 */
class RestExchange implements RequestOutcome {
  cache?: RequestOutcome["cache"];
  integrationLatencyMs?: number;
  integrationStatus?: number;
  throttleCheckedAt?: number;
  error?: unknown;
  routed!: RoutedCall;
  cached: CacheLookup | undefined;
  integrationStartedAt = 0;
  response!: HttpResponse;
  /** Whether the answer carries X-Amzn-Trace-Id (it reached the integration, or timed out there). */
  traced = true;

  constructor(
    readonly compiled: CompiledRestApi,
    readonly deps: RestDeps,
    readonly call: LazyRestCall,
  ) {}
}

/**
 * A step returns nothing when it is done, or a promise when it had something asynchronous to do (a Lambda authorizer,
 * a JWKS, a Redis store, the cache, a backend); the promise settles once its result is taken into the exchange.
 */
type Step = (exchange: RestExchange) => Promise<void> | void;

function routeStep(x: RestExchange): void {
  x.routed = route(x.call, x.compiled);
}

function authorizeStep(x: RestExchange): Promise<void> | void {
  return authorize(x.routed, x.compiled, x.deps);
}

function throttleStep(x: RestExchange): Promise<void> | void {
  if (!x.deps.throttle) return;
  const decision = throttle(x.routed, x.deps.throttle);
  if (decision instanceof Promise) return decision.then((answer) => throttled(x, answer));
  throttled(x, decision);
}

function throttled(x: RestExchange, decision: ThrottleDecision): void {
  x.throttleCheckedAt = checkedAt(decision);
  const refusal = refusalOf(decision);
  if (refusal) throw refusal;
}

function validateStep(x: RestExchange): void {
  const validation = x.compiled.validations.get(x.routed.route.method);
  if (validation) validateRequest(validation, x.routed);
}

function cacheLookupStep(x: RestExchange): Promise<void> | void {
  const looking = x.deps.responseCache ? cacheLookup(x.routed, x.compiled.cache, x.deps.responseCache, x.deps) : undefined;
  if (!looking) return;
  return looking.then((cached) => {
    x.cached = cached;
    x.cache = cached.hit ? "HIT" : cached.decision === "invalidate" ? "INVALIDATED" : "MISS";
  });
}

function integrateStep(x: RestExchange): Promise<void> | void {
  const hit = x.cached?.hit;
  if (hit) {
    x.response = hit;
    x.traced = false;
    return;
  }
  x.integrationStartedAt = performance.now();
  const answer = integrate(x.routed, x.compiled, () => contextVariables(x.routed, x.deps.gateway), x.deps);
  if (answer instanceof Promise) return answer.then((response) => integrated(x, response));
  integrated(x, answer);
}

function integrated(x: RestExchange, response: HttpResponse): void {
  x.integrationLatencyMs = Math.round(performance.now() - x.integrationStartedAt);
  x.integrationStatus = response.status;
  if (!isSendable(response)) {
    throw new GatewayError("API_CONFIGURATION_ERROR", { message: "Internal server error", detail: `response not valid HTTP (status ${response.status} or a header)` });
  }
  x.response = response;
}

function cacheStoreStep(x: RestExchange): Promise<void> | void {
  if (x.cached && !x.cached.hit) return cacheStore(x.cached, x.response, x.deps.responseCache!);
}

function cacheWarningStep(x: RestExchange): void {
  if (x.cached?.decision === "ignore-with-warning") x.response.headers.push(CACHE_CONTROL_WARNING);
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
 *   6. cache store    the method response, under the method's TTL (cache.ts); then the Cache-Control warning, if any
 *   7. observe        metrics and the stage's access log line, once the response is known (observe.ts)
 */
const STEPS: readonly Step[] = [routeStep, authorizeStep, throttleStep, validateStep, cacheLookupStep, integrateStep, cacheStoreStep, cacheWarningStep];

/** Runs the steps from `first` on: synchronously until one returns a promise, then after it. */
function runSteps(x: RestExchange, first: number): Promise<void> | void {
  for (let i = first; i < STEPS.length; i++) {
    const pending = STEPS[i]!(x);
    if (pending) return pending.then(() => runSteps(x, i + 1));
  }
}

/**
 * Runs the steps above. Any step throws GatewayError(type); this function renders it once, with the API's gateway
 * responses. Every answer carries x-amzn-RequestId and x-amz-apigw-id; answers that reached the integration also carry
 * X-Amzn-Trace-Id, as captured from AWS (gateway errors before the integration do not, timeouts do).
 *
 * The answer itself when no step had anything asynchronous to do (a MOCK with the memory store, no Lambda authorizer,
 * no cache: most requests), else a promise of it — no async frame, promise and microtasks per request for nothing.
 */
export function handleRestRequest(compiled: CompiledRestApi, deps: RestDeps, request: IncomingRequest): HttpResponse | Promise<HttpResponse> {
  const x = new RestExchange(compiled, deps, new LazyRestCall(compiled.api, request, newRequestIds(request.receivedAt)));
  let pending: Promise<void> | void;
  try {
    pending = runSteps(x, 0);
  } catch (error) {
    failed(x, error);
    return finish(x);
  }
  if (!pending) return finish(x);
  return pending.then(
    () => finish(x),
    (error: unknown) => {
      failed(x, error);
      return finish(x);
    },
  );
}

function failed(x: RestExchange, error: unknown): void {
  x.traced = error instanceof GatewayError && error.type === "INTEGRATION_TIMEOUT";
  x.error = error;
  x.response = errorResponse(error, x.call, x.compiled, x.deps);
}

/** The AWS id headers, then metrics and the access log. */
function finish(x: RestExchange): HttpResponse {
  const response = x.response;
  // One push: each push may grow the headers' backing store.
  const ids = x.call.ids;
  if (x.traced) response.headers.push(["x-amzn-RequestId", ids.requestId], ["x-amz-apigw-id", ids.extendedRequestId], ["X-Amzn-Trace-Id", `${ids.traceId};Sampled=0`]);
  else response.headers.push(["x-amzn-RequestId", ids.requestId], ["x-amz-apigw-id", ids.extendedRequestId]);
  observeRequest(x.call, x.compiled, x.deps, response, x);
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
