/**
 * Authorization of a WebSocket `$connect` (the only route that may carry it, spec §12.1), before the `$connect`
 * integration and before the 101: a refusal refuses the handshake with an HTTP status, no socket is opened.
 *
 * CUSTOM — Lambda REQUEST authorizers (apigateway-websocket-api-lambda-auth.md):
 *   - identity sources `route.request.header.X` (case-insensitive), `route.request.querystring.X`, `stageVariables.X`,
 *     `context.X` (serverless/serverless#5867 and aws/aws-cdk#14085 show the route.request.* forms). When any is
 *     missing or empty: 401, the function is not called ("verifying all of the identity-related request parameters
 *     are present, not null and non-empty … otherwise, it returns a 401 Unauthorized response without calling the
 *     Lambda function", AWS::ApiGatewayV2::Authorizer IdentitySource);
 *   - event: `type: "REQUEST"`, `methodArn` ending in `/$connect` (arn:aws:execute-api:region:account:api/stage/$connect),
 *     then the CONNECT event's headers, multiValueHeaders, query strings, stageVariables and requestContext;
 *   - its policy evaluated against that ARN (auth/policy.ts): Allow → on; explicit or implicit deny → 403 (a policy for
 *     `…/prod/*\/*` does not match `…/prod/$connect` and "results in a 403 error",
 *     aws-powertools/powertools-lambda-python#5800);
 *   - the function failing with the message "Unauthorized" → 401 (as REST, spec §7.1); any other failure or an
 *     answer that is no policy → 500 (serverless/examples#557: a WebSocket authorizer returning `{statusCode: 401}`
 *     gets the client a 500);
 *   - no result caching: AuthorizerResultTtlInSeconds is "Supported only for HTTP API authorizers" (the loader
 *     refuses it), so auth/authorizer-cache.ts is not used;
 *   - on allow, `requestContext.authorizer` = principalId, integrationLatency, then the stringified context.
 * AWS_IAM — the upgrade request's SigV4 signature (header or presigned query) via auth/iam.ts: every failure is a
 *   403 (MISSING_AUTHENTICATION_TOKEN, INVALID_SIGNATURE, ACCESS_DENIED are 403s on REST as well).
 */
import { authorizeIam } from "../auth/iam.ts";
import type { IamPrincipal } from "../auth/iam-credentials.ts";
import { InvalidAuthorizerOutput, readAuthorizerOutput, type AuthorizerResult } from "../auth/authorizer-output.ts";
import { evaluatePolicy } from "../auth/policy.ts";
import { GatewayError } from "../errors/index.ts";
import type { FunctionDirectory } from "../integrations/lambda-target.ts";
import type { LambdaRuntime } from "../lambda/index.ts";
import type { WebSocketApi, WebSocketAuthorizer, WebSocketRoute } from "../model/websocket.ts";
import type { RoutedCall } from "../rest/call.ts";
import { findHeader } from "../rest/request.ts";

export interface ConnectAuthDeps {
  lambda: LambdaRuntime;
  functions: FunctionDirectory;
  principals: ReadonlyMap<string, IamPrincipal>;
  region: string;
  accountId: string;
  now?: () => number;
  log: (line: string) => void;
}

/** The upgrade request as the authorizers see it. */
export interface ConnectRequest {
  method: string;
  rawPath: string;
  rawQuery: string | undefined;
  headerPairs: Array<[string, string]>;
  query: Array<[string, string]>;
  stage: string;
  stageVariables: Record<string, string>;
  /** The `$connect` proxy event (events.ts connectEvent), whose fields the REQUEST event repeats. */
  connectEvent: Record<string, unknown>;
  sourceIp: string;
}

export type ConnectAuthResult =
  | { ok: true; authorizer?: Record<string, unknown>; iamIdentity?: Record<string, string> }
  | { ok: false; status: 401 | 403 | 500; detail: string };

export function connectMethodArn(region: string, accountId: string, apiId: string, stage: string): string {
  return `arn:aws:execute-api:${region}:${accountId}:${apiId}/${stage}/$connect`;
}

export async function authorizeConnect(api: WebSocketApi, route: WebSocketRoute, request: ConnectRequest, deps: ConnectAuthDeps): Promise<ConnectAuthResult> {
  if (route.authorizationType === "AWS_IAM") return authorizeIamConnect(request, deps);
  if (route.authorizationType === "CUSTOM") {
    const authorizer = route.authorizerId === undefined ? undefined : api.authorizers?.[route.authorizerId];
    if (!authorizer) return { ok: false, status: 500, detail: `$connect has no authorizer (${route.authorizerId ?? "none"})` };
    return authorizeLambda(api, authorizer, request, deps);
  }
  return { ok: true };
}

function authorizeIamConnect(request: ConnectRequest, deps: ConnectAuthDeps): ConnectAuthResult {
  // authorizeIam reads only the request's signing parts and writes call.auth (as management.ts uses it).
  const call = { request: { method: request.method, rawPath: request.rawPath, rawQuery: request.rawQuery, headerPairs: request.headerPairs, body: Buffer.alloc(0) }, auth: undefined } as unknown as RoutedCall;
  try {
    authorizeIam(call, { principals: deps.principals, region: deps.region, ...(deps.now ? { now: deps.now } : {}) });
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return { ok: false, status: 403, detail: `${error.type}: ${error.message.split("\n")[0]}` };
  }
  const identity = call.auth?.identity ?? {};
  const iamIdentity: Record<string, string> = {};
  for (const key of ["accountId", "caller", "accessKey", "userArn", "user"] as const) {
    const value = (identity as Record<string, unknown>)[key];
    if (typeof value === "string") iamIdentity[key] = value;
  }
  return { ok: true, iamIdentity };
}

function identityValue(source: string, request: ConnectRequest): string | undefined {
  const header = /^route\.request\.header\.(.+)$/.exec(source);
  if (header) return findHeader(request.headerPairs, header[1]!);
  const query = /^route\.request\.querystring\.(.+)$/.exec(source);
  if (query) return request.query.filter(([k]) => k === query[1]).at(-1)?.[1];
  const variable = /^stageVariables\.(.+)$/.exec(source);
  if (variable) return Object.hasOwn(request.stageVariables, variable[1]!) ? request.stageVariables[variable[1]!] : undefined;
  const context = /^context\.(.+)$/.exec(source);
  if (context) {
    let value: unknown = request.connectEvent["requestContext"];
    for (const key of context[1]!.split(".")) value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
    return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : undefined;
  }
  return undefined;
}

async function authorizeLambda(api: WebSocketApi, authorizer: WebSocketAuthorizer, request: ConnectRequest, deps: ConnectAuthDeps): Promise<ConnectAuthResult> {
  const identity = authorizer.identitySource.map((source) => identityValue(source, request));
  if (identity.some((value) => value === undefined || value === "")) return { ok: false, status: 401, detail: "an identity source is missing or empty" };
  const methodArn = connectMethodArn(deps.region, deps.accountId, api.id, request.stage);
  let functionId: string;
  try {
    functionId = deps.functions.resolve(authorizer, request.stageVariables);
  } catch (error) {
    return { ok: false, status: 500, detail: `authorizer function: ${error instanceof GatewayError ? error.detail : String(error)}` };
  }
  const { isBase64Encoded: _b, ...connect } = request.connectEvent;
  const event = { type: "REQUEST", methodArn, ...connect, ...(Object.keys(request.stageVariables).length > 0 ? { stageVariables: request.stageVariables } : {}) };
  const started = Date.now();
  const invoked = await deps.lambda.invoke(functionId, event, { requestId: String((request.connectEvent["requestContext"] as { requestId?: unknown } | undefined)?.requestId ?? "") });
  const integrationLatency = Date.now() - started;
  if (!invoked.ok) {
    if (invoked.kind === "error" && invoked.error.errorMessage === "Unauthorized") return { ok: false, status: 401, detail: "the authorizer answered Unauthorized" };
    return { ok: false, status: 500, detail: `authorizer ${invoked.kind}: ${invoked.error.errorType}: ${invoked.error.errorMessage}` };
  }
  let result: AuthorizerResult;
  try {
    result = readAuthorizerOutput(invoked.payload);
  } catch (error) {
    if (error instanceof InvalidAuthorizerOutput) return { ok: false, status: 500, detail: `could not use the authorizer's result: ${error.message}` };
    throw error;
  }
  const decision = evaluatePolicy(result.policy, { action: "execute-api:Invoke", resource: methodArn, conditionKeys: { "aws:SourceIp": request.sourceIp } });
  if (decision !== "Allow") return { ok: false, status: 403, detail: decision === "Deny" ? "the authorizer's policy denies $connect" : "the authorizer's policy does not allow $connect" };
  const context: Record<string, unknown> = {};
  if (result.principalId !== undefined) context["principalId"] = result.principalId;
  context["integrationLatency"] = integrationLatency;
  for (const [key, value] of Object.entries(result.context)) if (!(key in context)) context[key] = value;
  return { ok: true, authorizer: context };
}
