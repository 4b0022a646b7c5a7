import type http from "node:http";
import type { BackendAgent } from "../integrations/http-client.ts";
import type { HttpApi } from "../model/http-api.ts";
import { newRequestIds } from "../observe/index.ts";
import { createGatewayServer } from "../rest/server.ts";
import type { HttpResponse } from "../rest/call.ts";
import type { IncomingRequest } from "../rest/request.ts";
import { isSendable } from "../rest/sendable.ts";
import type { HttpCall } from "./call.ts";
import { asHttpApiError, badRequest, internalError, INTERNAL_ERROR_RESPONSE, notFound, render } from "./errors.ts";
import { invokeHttpProxy } from "./http-proxy.ts";
import { invokeLambda, type LambdaDeps } from "./lambda.ts";
import { eventPath } from "./request.ts";
import { HttpRouter } from "./router.ts";

export interface HttpApiDeps extends LambdaDeps {
  agent: BackendAgent;
  log: (line: string) => void;
}

/** Steps a later layer adds around the integration (authorizers, CORS), each optional. */
export interface HttpApiSteps {
  /** Answers a request before routing (CORS preflight), or undefined to go on. */
  before?(api: HttpApi, request: IncomingRequest): HttpResponse | undefined;
  /** Throws HttpApiError to refuse the call. */
  authorize?(call: HttpCall): Promise<void>;
  /** Route throttling (http-api/throttle.ts): throws 429 to refuse the call. */
  throttle?(call: HttpCall): Promise<void>;
  /** Decorates every answer, errors included (CORS headers). */
  after?(api: HttpApi, request: IncomingRequest, response: HttpResponse): HttpResponse;
}

export interface CompiledHttpApi {
  api: HttpApi;
  router: HttpRouter;
}

export function compileHttpApi(api: HttpApi): CompiledHttpApi {
  return { api, router: new HttpRouter(api) };
}

/**
 * One HTTP API request: stage → route → authorizer → throttle (as REST: rest/throttle.ts) → integration (spec §6.3, §7.3/7.4). Every answer, errors
 * included, carries `Apigw-Requestid` (HTTP APIs send it instead of x-amzn-RequestId: a captured HTTP API exchange
 * shows "Apigw-Requestid: WSg1ihmdliAEJXA=" and no x-amzn-* headers).
 */
export async function handleHttpApiRequest(compiled: CompiledHttpApi, deps: HttpApiDeps, steps: HttpApiSteps, request: IncomingRequest): Promise<HttpResponse> {
  const ids = newRequestIds(request.receivedAt);
  // HTTP API request ids look like extended REST ids: 15 base64 characters and "=" (the capture above).
  const requestId = ids.extendedRequestId;
  let response: HttpResponse;
  try {
    response = steps.before?.(compiled.api, request) ?? (await run(compiled, deps, steps, request, requestId, ids.traceId));
  } catch (error) {
    const known = asHttpApiError(error);
    if (!known) throw error;
    if (known.detail) deps.log(`${compiled.api.logicalId} ${request.method} ${request.rawPath}: ${known.status} ${known.detail}`);
    response = render(known);
  }
  if (!isSendable(response)) response = render(internalError("the integration's answer cannot be sent over HTTP"));
  if (steps.after) response = steps.after(compiled.api, request, response);
  return { ...response, headers: [...response.headers, ["Apigw-Requestid", requestId]] };
}

async function run(compiled: CompiledHttpApi, deps: HttpApiDeps, steps: HttpApiSteps, request: IncomingRequest, requestId: string, traceId: string): Promise<HttpResponse> {
  const path = eventPath(request.rawPath);
  if (path === undefined) throw badRequest("the path does not decode");
  // "If there's no $default stage, the API returns {"message":"Not Found"}" (http-api-develop-routes.md).
  const stage = compiled.router.stage(request.rawPath);
  if (!stage) throw notFound();
  const match = compiled.router.route(request.method, stage.routePath);
  if (!match) throw notFound();
  const call: HttpCall = { api: compiled.api, request, requestId, traceId, eventPath: path, stage: stage.stage, routePath: stage.routePath, match };
  if (match.route.authorizationType !== "NONE") {
    if (!steps.authorize) throw internalError(`authorization ${match.route.authorizationType} is not available`);
    await steps.authorize(call);
  }
  await steps.throttle?.(call);
  const integration = match.route.integration;
  return integration.type === "AWS_PROXY" ? invokeLambda(call, integration, deps) : invokeHttpProxy(call, integration, deps.agent, deps.gateway);
}

export function createHttpApiServer(compiled: CompiledHttpApi, deps: HttpApiDeps, steps: HttpApiSteps = {}): http.Server {
  return createGatewayServer((request) => handleHttpApiRequest(compiled, deps, steps, request), deps.log, INTERNAL_ERROR_RESPONSE);
}
