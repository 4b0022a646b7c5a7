import { setTimeout as delay } from "node:timers/promises";
import type { JWTPayload } from "jose";
import { jose } from "../auth/jose.ts";
import { readAuthorizerOutput, InvalidAuthorizerOutput } from "../auth/authorizer-output.ts";
import { authorizeIam, type IamVerifier } from "../auth/iam.ts";
import { IssuerKeys, verifyJwt } from "../auth/jwt.ts";
import type { OwnEndpoints } from "../auth/own-endpoints.ts";
import { GatewayError } from "../errors/index.ts";
import type { RoutedCall } from "../rest/call.ts";
import { evaluatePolicy, methodArn } from "../auth/policy.ts";
import type { HttpApi, HttpJwtAuthorizer, HttpLambdaAuthorizer } from "../model/http-api.ts";
import { findHeader } from "../rest/request.ts";
import type { Store } from "../state/index.ts";
import type { HttpCall } from "./call.ts";
import { forbidden, HttpApiError, internalError, unauthorized } from "./errors.ts";
import { eventV1, eventV2, requestContextV2 } from "./event.ts";
import type { LambdaDeps } from "./lambda.ts";
import { cookies, queryLists } from "./request.ts";

export interface AuthorizeDeps extends LambdaDeps {
  store: Store;
  /** JWT authorizers' key sources by issuer. */
  issuers: Map<string, IssuerKeys>;
  now?: () => number;
  /** AWS_IAM routes: the principals requests may be signed by (auth/iam-credentials.ts) and the region. */
  iam?: IamVerifier;
}

/** One IssuerKeys per JWT issuer the APIs use; refuses (throws) at start for an issuer whose keys cannot be found. */
export function issuerKeys(apis: HttpApi[], configured: Record<string, string>, own?: OwnEndpoints): Map<string, IssuerKeys> {
  const out = new Map<string, IssuerKeys>();
  for (const api of apis) {
    for (const a of Object.values(api.authorizers)) if (a.type === "JWT" && !out.has(a.issuer)) out.set(a.issuer, new IssuerKeys(a.issuer, configured[a.issuer], own));
  }
  return out;
}

/** The route's authorizer (spec §7.3/7.4); throws HttpApiError to refuse. */
export async function authorizeHttpCall(call: HttpCall, deps: AuthorizeDeps): Promise<void> {
  const route = call.match.route;
  if (route.authorizationType === "AWS_IAM") return authorizeIamRoute(call, deps);
  const authorizer = call.api.authorizers[route.authorizerId!]!;
  if (authorizer.type === "JWT") await authorizeJwt(call, authorizer, deps);
  else await authorizeLambda(call, authorizer, deps);
}

/** `$request.header.x` (any case), `$request.querystring.x` (exact), `$context.x`, `$stageVariables.x` (spec §7.3). */
function identityValue(source: string, call: HttpCall, deps: LambdaDeps): string | undefined {
  const m = /^\$(request\.header|request\.querystring|context|stageVariables)\.(.+)$/.exec(source);
  if (!m) return undefined;
  const [, kind, name] = m;
  if (kind === "request.header") return findHeader(call.request.headerPairs, name!);
  if (kind === "request.querystring") return queryLists(call.request.rawQuery)[name!]?.join(",");
  if (kind === "stageVariables") return call.stage.variables[name!];
  let value: unknown = requestContextV2(call, deps.gateway);
  for (const key of name!.split(".")) value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : undefined;
}

// ------------------------------------------------------------------ AWS_IAM

/**
 * AWS_IAM routes: the SigV4 signature (header or presigned query) verified by auth/iam.ts over the request as it
 * arrived (the raw path with the stage prefix, the body's hash). Every refusal is a 403 (floci-io/floci#2810: "An
 * unsigned request is rejected with 403 before the integration runs"; anomalyco/sst#6336): an unsigned request
 * gets the HTTP API `{"message":"Forbidden"}`, a bad signature execute-api's own message (auth/iam.ts). The caller
 * reaches payload 2.0 as `requestContext.authorizer.iam` {accessKey, accountId, callerId, cognitoIdentity,
 * principalOrgId, userArn, userId} (http-api-develop-integrations-lambda.md; floci-io/floci#2895).
 */
function authorizeIamRoute(call: HttpCall, deps: AuthorizeDeps): void {
  if (!deps.iam) throw internalError("AWS_IAM route without IAM principals");
  // authorizeIam reads only the request's signing parts and writes call.auth (websocket/management.ts does the same).
  const probe = { request: call.request, auth: undefined } as unknown as RoutedCall;
  try {
    authorizeIam(probe, { ...deps.iam, ...(deps.now && !deps.iam.now ? { now: deps.now } : {}) });
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    if (error.type === "MISSING_AUTHENTICATION_TOKEN") throw forbidden("no SigV4 signature");
    throw new HttpApiError(403, error.message, [], `${error.type}${error.detail ? `: ${error.detail}` : ""}`);
  }
  const identity = (probe.auth?.identity ?? {}) as Record<string, string>;
  call.identity = identity;
  call.authorizer = {
    iam: {
      accessKey: identity["accessKey"] ?? null,
      accountId: identity["accountId"] ?? null,
      callerId: identity["caller"] ?? null,
      cognitoIdentity: null,
      principalOrgId: null,
      userArn: identity["userArn"] ?? null,
      userId: identity["user"] ?? null,
    },
  };
}

// ------------------------------------------------------------------ JWT

/**
 * JWT authorizer (spec §7.4, http-api-jwt-authorizer.md): the token (bare or `Bearer <token>`) from the identity
 * source, signature with an RSA key of the issuer's JWKS, `iss`, `aud` or `client_id` among the audiences, `exp`,
 * `nbf`, `iat`; then the route's scopes against `scope`/`scp`. A bad token is 401 `{"message":"Unauthorized"}` with
 * the `www-authenticate` header AWS documents (http-api-troubleshooting-jwt.md: `Bearer scope="" error="invalid_token"
 * error_description="the token does not have a valid audience"`); a good token without a route scope is 403
 * Forbidden with `error="insufficient_scope"` (RFC 6750 §3.1, the scheme AWS follows).
 */
async function authorizeJwt(call: HttpCall, authorizer: HttpJwtAuthorizer, deps: AuthorizeDeps): Promise<void> {
  const raw = identityValue(authorizer.identitySource[0]!, call, deps)?.trim();
  if (!raw) throw unauthorized("no token in the identity source");
  const token = /^Bearer /i.test(raw) ? raw.slice(7).trim() : raw;
  const challenge = (description: string): Array<[string, string]> => [["www-authenticate", `Bearer scope="" error="invalid_token" error_description="${description}"`]];
  let payload: JWTPayload;
  try {
    payload = await verifyJwt(token, deps.issuers.get(authorizer.issuer)!, (deps.now ?? Date.now)());
  } catch (error) {
    const { errors: joseErrors } = await jose();
    const description = error instanceof joseErrors.JWTExpired ? "the token has expired" : error instanceof joseErrors.JWTClaimValidationFailed && error.claim === "iss" ? "the token does not have a valid issuer" : "the token is not valid";
    throw unauthorized(`jwt: ${error instanceof Error ? error.message : String(error)}`, challenge(description));
  }
  if (authorizer.audience.length > 0) {
    const aud = typeof payload.aud === "string" ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : [];
    const clientId = typeof payload["client_id"] === "string" ? [payload["client_id"]] : [];
    if (![...aud, ...clientId].some((a) => authorizer.audience.includes(a))) throw unauthorized("jwt: aud/client_id", challenge("the token does not have a valid audience"));
  }
  const scopes = call.match.route.authorizationScopes;
  const granted = typeof payload["scope"] === "string" ? payload["scope"].split(" ") : Array.isArray(payload["scp"]) ? payload["scp"].map(String) : typeof payload["scp"] === "string" ? payload["scp"].split(" ") : [];
  if (scopes.length > 0 && !scopes.some((s) => granted.includes(s))) {
    const error = forbidden("jwt: none of the route's scopes");
    error.headers.push(["www-authenticate", `Bearer scope="${scopes.join(" ")}" error="insufficient_scope" error_description="expected scopes: [${scopes.join(" ")}]"`]);
    throw error;
  }
  // requestContext.authorizer.jwt.{claims, scopes} (spec §6.3/§7.4); payload 1.0 shows claims and scopes directly.
  const claims = Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, typeof v === "string" ? v : Array.isArray(v) ? `[${v.join(" ")}]` : String(v)]));
  call.authorizer = { jwt: { claims, scopes: granted.length > 0 ? granted : null } };
  call.authorizerV1 = { claims, scopes: granted.length > 0 ? granted : null };
}

// ------------------------------------------------------------------ Lambda (REQUEST)

interface LambdaOutcome {
  allow: boolean;
  /** `requestContext.authorizer.lambda` (payload 2.0); JSON values kept as returned. */
  context: Record<string, unknown>;
  principalId?: string;
}

/**
 * Lambda REQUEST authorizer (spec §7.3, http-api-lambda-authorizer.md): a missing identity source is 401 without
 * invoking; the result is cached by the identity source values for the TTL (shared across routes); the function gets
 * the 1.0 or 2.0 event; simple responses (`isAuthorized`) or an IAM policy evaluated against the route ARN decide;
 * a denial is 403 Forbidden; an error, timeout or unusable answer is 500 (an exact "Unauthorized" error is 401).
 */
async function authorizeLambda(call: HttpCall, authorizer: HttpLambdaAuthorizer, deps: AuthorizeDeps): Promise<void> {
  const identity = authorizer.identitySource.map((source) => identityValue(source, call, deps));
  if (identity.some((value) => value === undefined || value === "")) throw unauthorized("an identity source is missing");
  const routeArn = methodArn(deps.gateway.region, deps.gateway.accountId, call.api.id, call.stage.name, call.request.method, call.routePath);
  const key = "http-authorizer:" + JSON.stringify([call.api.id, authorizer.id, ...identity]);
  const cached = authorizer.resultTtlSeconds > 0 ? await deps.store.get(key) : undefined;
  let outcome: LambdaOutcome & { policy?: unknown };
  const started = Date.now();
  if (cached !== undefined) outcome = JSON.parse(cached) as LambdaOutcome;
  else {
    outcome = await invokeAuthorizer(call, authorizer, identity as string[], routeArn, deps);
    if (authorizer.resultTtlSeconds > 0) await deps.store.set(key, JSON.stringify(outcome), authorizer.resultTtlSeconds * 1000);
  }
  // A cached IAM policy is evaluated against this route (spec §7.1: one cached policy serves every route).
  const allowed = outcome.policy === undefined ? outcome.allow : evaluatePolicy(readAuthorizerOutput(outcome.policy).policy, { action: "execute-api:Invoke", resource: routeArn, conditionKeys: { "aws:SourceIp": call.request.sourceIp } }) === "Allow";
  if (!allowed) throw forbidden("the Lambda authorizer denied the request");
  const integrationLatency = cached === undefined ? Date.now() - started : 0;
  call.authorizer = { ...(outcome.principalId === undefined ? {} : { principalId: outcome.principalId, integrationLatency }), lambda: outcome.context };
  call.authorizerV1 = { ...Object.fromEntries(Object.entries(outcome.context).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])), ...(outcome.principalId === undefined ? {} : { principalId: outcome.principalId }), integrationLatency };
}

async function invokeAuthorizer(call: HttpCall, authorizer: HttpLambdaAuthorizer, identity: string[], routeArn: string, deps: AuthorizeDeps): Promise<LambdaOutcome & { policy?: unknown }> {
  let functionId: string;
  try {
    functionId = deps.functions.resolve(authorizer, call.stage.variables);
  } catch (error) {
    throw internalError(`authorizer function: ${String(error)}`);
  }
  const event = authorizer.payloadFormatVersion === "2.0" ? eventV2Authorizer(call, identity, routeArn, deps) : eventV1Authorizer(call, identity, routeArn, deps);
  // limits.md: the Lambda authorizer has 10000 ms to answer.
  const result = await Promise.race([
    deps.lambda.invoke(functionId, event, { requestId: call.requestId }),
    delay(10_000, undefined, { ref: false }),
  ]);
  if (result === undefined) throw internalError("authorizer did not answer within 10000 ms");
  if (!result.ok) {
    if (result.kind === "error" && result.error.errorMessage === "Unauthorized") throw unauthorized("the authorizer answered Unauthorized");
    throw internalError(`authorizer ${result.kind}: ${result.error.errorMessage}`);
  }
  const payload = result.payload;
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) throw internalError("authorizer answer is not an object");
  const output = payload as Record<string, unknown>;
  const context = output.context === undefined || output.context === null ? {} : output.context;
  if (typeof context !== "object" || Array.isArray(context)) throw internalError("authorizer context is not an object");
  if (authorizer.enableSimpleResponses && "isAuthorized" in output) {
    if (typeof output.isAuthorized !== "boolean") throw internalError("isAuthorized is not a boolean");
    return { allow: output.isAuthorized, context: context as Record<string, unknown> };
  }
  try {
    readAuthorizerOutput({ ...output, context: undefined });
  } catch (error) {
    if (error instanceof InvalidAuthorizerOutput) throw internalError(`authorizer answer: ${error.message}`);
    throw error;
  }
  return { allow: false, policy: { policyDocument: output.policyDocument }, context: context as Record<string, unknown>, ...(typeof output.principalId === "string" ? { principalId: output.principalId } : {}) };
}

/** The 2.0 authorizer event (spec §7.3): version, type, routeArn, identitySource (list), then the 2.0 request fields. */
function eventV2Authorizer(call: HttpCall, identity: string[], routeArn: string, deps: LambdaDeps): Record<string, unknown> {
  const { version: _v, body: _b, isBase64Encoded: _i, ...request } = eventV2(call, deps.gateway);
  const jar = cookies(call);
  return { version: "2.0", type: "REQUEST", routeArn, identitySource: identity, ...request, ...(jar.length > 0 ? { cookies: jar } : {}) };
}

/** The 1.0 authorizer event (spec §7.3): identitySource and authorizationToken comma-joined, plus the REST REQUEST fields. */
function eventV1Authorizer(call: HttpCall, identity: string[], routeArn: string, deps: LambdaDeps): Record<string, unknown> {
  const { body: _b, isBase64Encoded: _i, ...request } = eventV1(call, deps.gateway);
  return { ...request, type: "REQUEST", methodArn: routeArn, identitySource: identity.join(","), authorizationToken: identity.join(",") };
}
