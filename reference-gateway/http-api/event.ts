import { clfTime } from "../observe/index.ts";
import { findHeader, headerMaps } from "../rest/request.ts";
import type { GatewayIdentity } from "../rest/context-variables.ts";
import type { HttpCall } from "./call.ts";
import { cookies, forwardedPairs, host, joinedHeaders, queryLists, userAgent } from "./request.ts";

const present = <T extends object>(map: T): T | undefined => (Object.keys(map).length === 0 ? undefined : map);
const nullIfEmpty = <T extends object>(map: T): T | null => (Object.keys(map).length === 0 ? null : map);
const joined = (lists: Record<string, string[]>) => Object.fromEntries(Object.entries(lists).map(([k, v]) => [k, v.join(",")]));

/**
 * Media types whose bodies an HTTP API hands over as text. HTTP APIs have no binary media types; which bodies they
 * base64-encode was checked against real AWS (ministackorg/ministack#766, HTTP API, payload 2.0): text only for
 * `text/*`, `application/json`, `application/xml` and `application/javascript`; every other type, a missing
 * Content-Type and `application/x-www-form-urlencoded` included, base64. Captured events agree
 * (dherault/serverless-offline#1776: multipart/form-data; floci-io/floci#2172: application/octet-stream "hello world").
 */
const TEXT_MEDIA_TYPE = /^(?:text\/[^;\s]+|application\/(?:json|xml|javascript))\s*(?:;|$)/i;

/** The body as the event carries it; a text type whose bytes are not UTF-8 still goes base64 (nothing else could carry them). */
function bodyOf(call: HttpCall): { body?: string; isBase64Encoded: boolean } {
  const raw = call.request.body;
  if (raw.length === 0) return { isBase64Encoded: false };
  if (TEXT_MEDIA_TYPE.test(findHeader(call.request.headerPairs, "content-type")?.trim() ?? "")) {
    const text = raw.toString("utf8");
    if (Buffer.from(text, "utf8").equals(raw)) return { body: text, isBase64Encoded: false };
  }
  return { body: raw.toString("base64"), isBase64Encoded: true };
}

/** `requestContext` of payload 2.0 (spec §6.3; key order as in the documented event). */
export function requestContextV2(call: HttpCall, gateway: GatewayIdentity): Record<string, unknown> {
  const domainName = host(call);
  return {
    accountId: gateway.accountId,
    apiId: call.api.id,
    ...(call.authorizer ? { authorizer: call.authorizer } : {}),
    domainName,
    domainPrefix: domainName.replace(/:\d+$/, "").split(".")[0] ?? "",
    http: { method: call.request.method, path: call.eventPath, protocol: call.request.protocol, sourceIp: call.request.sourceIp, userAgent: userAgent(call) },
    requestId: call.requestId,
    routeKey: call.match.route.routeKey,
    stage: call.stage.name,
    time: clfTime(call.request.receivedAt),
    timeEpoch: call.request.receivedAt,
  };
}

/**
 * The request part of payload 2.0, shared by Lambda integrations and 2.0 Lambda authorizers. Empty parts are left
 * out rather than null (cookies, queryStringParameters, pathParameters, stageVariables, body): captured v2 events
 * without them carry no such keys (hanabu/lambda-web src/test_consts.rs API_GATEWAY_V2_GET_ROOT_NOQUERY: rawQueryString
 * "" and isBase64Encoded present, no queryStringParameters/body), and the aws-lambda types mark them optional.
 * `rawPath` is the path decoded as HTTP APIs decode it (request.ts eventPath), a named stage's prefix included.
 */
export function eventV2(call: HttpCall, gateway: GatewayIdentity): Record<string, unknown> {
  const pairs = forwardedPairs(call, "lower");
  const jar = cookies(call);
  const { body, isBase64Encoded } = bodyOf(call);
  return {
    version: "2.0",
    routeKey: call.match.route.routeKey,
    rawPath: call.eventPath,
    rawQueryString: call.request.rawQuery ?? "",
    ...(jar.length > 0 ? { cookies: jar } : {}),
    headers: joinedHeaders(pairs),
    ...optional("queryStringParameters", present(joined(queryLists(call.request.rawQuery)))),
    requestContext: requestContextV2(call, gateway),
    ...(body === undefined ? {} : { body }),
    ...optional("pathParameters", present(call.match.pathParameters)),
    isBase64Encoded,
    ...optional("stageVariables", present(call.stage.variables)),
  };
}

function optional(key: string, value: object | undefined): Record<string, unknown> {
  return value === undefined ? {} : { [key]: value };
}

/**
 * The identity block of payload 1.0 (spec §6.1, the documented HTTP API 1.0 event): unset values null; an AWS_IAM
 * route fills in the signer, as spec §6.1 says of `requestContext`: "AWS_IAM: identity.*" (accessKey, accountId,
 * caller, user, userArn, the values REST's $context.identity gives).
 */
function identityV1(call: HttpCall): Record<string, unknown> {
  const signer = call.identity ?? {};
  const values: Record<string, unknown> = {
    accessKey: null,
    accountId: null,
    caller: null,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp: call.request.sourceIp,
    user: null,
    userAgent: userAgent(call),
    userArn: null,
  };
  for (const key of Object.keys(values)) if (signer[key] !== undefined) values[key] = signer[key];
  return values;
}

export function requestContextV1(call: HttpCall, gateway: GatewayIdentity): Record<string, unknown> {
  const domainName = host(call);
  const route = call.match.route;
  const resourcePath = route.path ?? route.routeKey;
  return {
    accountId: gateway.accountId,
    apiId: call.api.id,
    // The documented 1.0 event shows {"claims": null, "scopes": null} for a route without an authorizer.
    authorizer: call.authorizerV1 ?? { claims: null, scopes: null },
    domainName,
    domainPrefix: domainName.replace(/:\d+$/, "").split(".")[0] ?? "",
    extendedRequestId: call.requestId,
    httpMethod: call.request.method,
    identity: identityV1(call),
    path: call.eventPath,
    protocol: call.request.protocol,
    requestId: call.requestId,
    requestTime: clfTime(call.request.receivedAt),
    requestTimeEpoch: call.request.receivedAt,
    resourceId: route.routeKey,
    resourcePath,
    stage: call.stage.name,
  };
}

/** Payload 1.0 as HTTP APIs send it: the REST shape plus `version: "1.0"`, empty maps null (spec §6.1). */
export function eventV1(call: HttpCall, gateway: GatewayIdentity): Record<string, unknown> {
  // A repeated header's last value, as REST's 1.0 event has it: a captured HTTP API 1.0 event shows
  // "header-double": "second" beside multiValueHeaders ["first", "second"] (glassechidna/serverlessish#4).
  const headers = headerMaps(forwardedPairs(call, "received"));
  const query = queryLists(call.request.rawQuery);
  const { body, isBase64Encoded } = bodyOf(call);
  const route = call.match.route;
  return {
    version: "1.0",
    resource: route.path ?? route.routeKey,
    path: call.eventPath,
    httpMethod: call.request.method,
    headers: nullIfEmpty(headers.single),
    multiValueHeaders: nullIfEmpty(headers.multi),
    queryStringParameters: nullIfEmpty(joined(query)),
    multiValueQueryStringParameters: nullIfEmpty(query),
    requestContext: requestContextV1(call, gateway),
    pathParameters: nullIfEmpty(call.match.pathParameters),
    stageVariables: nullIfEmpty(call.stage.variables),
    body: body ?? null,
    isBase64Encoded,
  };
}
