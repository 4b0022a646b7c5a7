import type { JWTPayload } from "jose";
import { jose } from "./jose.ts";
import { GatewayError } from "../errors/index.ts";
import type { CognitoAuthorizer, Method } from "../model/index.ts";
import type { RoutedCall } from "../rest/call.ts";
import { findHeader } from "../rest/request.ts";
import { parseUserPoolArn, type JwksSource } from "./cognito-jwks.ts";

/**
 * COGNITO_USER_POOLS authorization (spec §7.2; apigateway-integrate-with-cognito.md, apigateway-enable-cognito-user-pool.md;
 * the api-gateway-cognito-401-unauthorized knowledge-center article):
 *   - the token comes from the identity source header, normally Authorization. API Gateway takes the bare token
 *     and also `Bearer <token>` (aws-amplify/docs#1137 sends `Bearer ${idToken}` to a REST Cognito authorizer;
 *     the AWS workshop "Builder-Class" tests the authorizer with "Bearer " + token);
 *   - RS256 signature against the pool's keys, `iss` = https://cognito-idp.{region}.amazonaws.com/{poolId} of one
 *     of the authorizer's pools, `exp`, `nbf` and `iat` against the clock;
 *   - a method without authorizationScopes takes an ID token (`token_use: id`; an access token is refused,
 *     awslabs/nx-plugin-for-aws#828 observed it on a deployed API); a method with scopes takes an access token
 *     whose `scope` holds at least one of them;
 *   - identityValidationExpression is matched against the ID token's `aud`; access tokens have none, so they fail it.
 * Any failure is 401 UNAUTHORIZED `{"message":"Unauthorized"}`, except a genuine token past its `exp`: 401
 * `{"message":"The incoming token has expired"}` (EXPIRED_MESSAGE).
 */

/**
 * What API Gateway says for a Cognito token past its `exp`, observed on REST APIs with a user pool authorizer:
 * `401,{"message":"The incoming token has expired"}` for an Amplify ID token (aws-amplify/amplify-js#6060, #5934;
 * clients retry on exactly this message). Still the UNAUTHORIZED response type: EXPIRED_TOKEN is for AWS credentials.
 */
const EXPIRED_MESSAGE = "The incoming token has expired";

export interface CognitoVerifier {
  /** By pool id (cognito-jwks.ts). */
  sources: ReadonlyMap<string, JwksSource>;
  now?: () => number;
}

const JAVA_DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const JAVA_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Java's Date.toString in UTC, `Tue Feb 13 15:31:21 UTC 2018`: how API Gateway shows `exp` and `iat` claims. */
function javaDate(seconds: number): string {
  const d = new Date(seconds * 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${JAVA_DAYS[d.getUTCDay()]} ${JAVA_MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

function claimString(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(claimString).join(",");
  if (value !== null && typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/**
 * The claims as `requestContext.authorizer.claims` shows them: every value a string. Captured proxy events (found
 * with the search tool, e.g. `"auth_time": "1574911451"`, `"email_verified": "true"`, `"cognito:groups":
 * "anotherGroup,admin"`, `"exp": "Thu Nov 28 04:24:11 UTC 2019"`) show numbers and booleans as text, lists
 * comma-joined, and exp/iat as Java dates.
 */
export function claimsAsStrings(payload: JWTPayload): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    claims[name] = (name === "exp" || name === "iat") && typeof value === "number" ? javaDate(value) : claimString(value);
  }
  return claims;
}

function identityToken(call: RoutedCall, authorizer: CognitoAuthorizer): string | undefined {
  const source = authorizer.identitySource[0] ?? "method.request.header.Authorization";
  const name = source.replace(/^method\.request\.header\./i, "");
  const value = findHeader(call.request.headerPairs, name)?.trim();
  if (!value) return undefined;
  return /^Bearer /i.test(value) ? value.slice(7).trim() : value;
}

/** Token validation expressions, compiled once per authorizer rather than per request. */
const validationPatterns = new WeakMap<CognitoAuthorizer, RegExp>();

function validationPattern(authorizer: CognitoAuthorizer, expression: string): RegExp {
  let pattern = validationPatterns.get(authorizer);
  if (!pattern) validationPatterns.set(authorizer, (pattern = new RegExp(expression)));
  return pattern;
}

const unauthorized = (detail: string) => new GatewayError("UNAUTHORIZED", { detail: `cognito: ${detail}` });

async function verify(token: string, source: JwksSource, issuer: string, now: number): Promise<JWTPayload> {
  const options = { issuer, algorithms: ["RS256"], currentDate: new Date(now) };
  const { errors, jwtVerify } = await jose();
  try {
    return (await jwtVerify(token, await source.keySet(), options)).payload;
  } catch (error) {
    if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
    return (await jwtVerify(token, await source.keySet(true), options)).payload;
  }
}

/** Verifies the call's token for `authorizer` and records its claims in `call.auth.authorizer`. */
export async function authorizeCognito(call: RoutedCall, authorizer: CognitoAuthorizer, method: Method, verifier: CognitoVerifier): Promise<void> {
  const token = identityToken(call, authorizer);
  if (!token) throw unauthorized("no token in the identity source");
  const now = (verifier.now ?? Date.now)();
  const { errors } = await jose();
  let payload: JWTPayload | undefined;
  let lastError: unknown;
  let expired = false;
  // The token names its pool in `iss`; try the authorizer's pools in order (usually one).
  for (const arn of authorizer.providerArns) {
    const pool = parseUserPoolArn(arn);
    const source = pool && verifier.sources.get(pool.poolId);
    if (!pool || !source) continue;
    try {
      payload = await verify(token, source, `https://cognito-idp.${pool.region}.amazonaws.com/${pool.poolId}`, now);
      break;
    } catch (error) {
      lastError = error;
      // jose checks exp only once the signature and iss have verified: the pool did issue this token.
      if (error instanceof errors.JWTExpired) expired = true;
    }
  }
  if (expired) throw new GatewayError("UNAUTHORIZED", { message: EXPIRED_MESSAGE, detail: "cognito: the token is past its exp" });
  if (!payload) throw unauthorized(lastError instanceof Error ? lastError.message : "no user pool verified the token");
  if (typeof payload.iat === "number" && payload.iat * 1000 > now) throw unauthorized("iat is in the future");
  const scopes = method.authorizationScopes;
  if (scopes.length === 0) {
    if (payload.token_use !== "id") throw unauthorized(`token_use ${String(payload.token_use)} where an ID token is required`);
  } else {
    if (payload.token_use !== "access") throw unauthorized(`token_use ${String(payload.token_use)} where an access token is required`);
    const granted = new Set(typeof payload.scope === "string" ? payload.scope.split(" ") : []);
    if (!scopes.some((scope) => granted.has(scope))) throw unauthorized("the token carries none of the method's scopes");
  }
  if (authorizer.identityValidationExpression !== undefined) {
    const audience = typeof payload.aud === "string" ? payload.aud : undefined;
    if (audience === undefined || !validationPattern(authorizer, authorizer.identityValidationExpression).test(audience)) {
      throw unauthorized("aud does not match the token validation expression");
    }
  }
  call.auth = { ...call.auth, authorizer: { claims: claimsAsStrings(payload) } };
}
