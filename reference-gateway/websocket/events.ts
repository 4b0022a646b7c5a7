/**
 * Lambda proxy events for WebSocket routes, keys in the order AWS sends them. Captured events:
 *   - CONNECT: a $connect event logged from a deployed API (2023), top level headers, multiValueHeaders,
 *     requestContext, isBase64Encoded; requestContext routeKey, eventType, extendedRequestId, requestTime,
 *     messageDirection, stage, connectedAt, requestTimeEpoch, identity, requestId, domainName, connectionId, apiId.
 *     Headers are sorted by name and the hop-by-hop Connection/Upgrade headers are absent; AWS adds X-Amzn-Trace-Id
 *     and X-Forwarded-For/-Port/-Proto. Query strings as in the v1 proxy event (aws-lambda-go
 *     events/testdata/apigw-websocket-request.json shows queryStringParameters + multiValueQueryStringParameters).
 *   - MESSAGE: aws-lambda-go events/testdata/apigw-websocket-request-send-message.json (2024): requestContext
 *     routeKey, messageId, eventType, …; then body, isBase64Encoded.
 *   - DISCONNECT: aws-lambda-go events/testdata/apigw-websocket-request-disconnect.json (2024): headers Host,
 *     x-api-key "", X-Forwarded-For "", x-restapi "" (sorted case-insensitively); requestContext routeKey,
 *     disconnectStatusCode, eventType, extendedRequestId, requestTime, messageDirection, disconnectReason, ….
 *   - identity is {userAgent, sourceIp}, userAgent only when the client sent one (the CONNECT capture has none).
 *   - requestId equals extendedRequestId (spec §12.2).
 */
import { clfTime } from "../observe/ids.ts";

export interface ConnectionFacts {
  apiId: string;
  stage: string;
  connectionId: string;
  connectedAt: number;
  domainName: string;
  sourceIp: string;
  userAgent?: string;
  /** What the $connect Lambda authorizer returned (principalId, integrationLatency, context), for every event of the connection. */
  authorizer?: Record<string, unknown>;
  /** The SigV4 caller of an AWS_IAM $connect (accountId, caller, accessKey, userArn, user): requestContext.identity. */
  iamIdentity?: Record<string, string>;
}

function identity(c: ConnectionFacts): Record<string, string> {
  const own: Record<string, string> = c.userAgent === undefined ? { sourceIp: c.sourceIp } : { userAgent: c.userAgent, sourceIp: c.sourceIp };
  return c.iamIdentity ? { ...c.iamIdentity, ...own } : own;
}

function tail(c: ConnectionFacts, requestId: string, at: number): Record<string, unknown> {
  return { ...(c.authorizer ? { authorizer: c.authorizer } : {}), stage: c.stage, connectedAt: c.connectedAt, requestTimeEpoch: at, identity: identity(c), requestId, domainName: c.domainName, connectionId: c.connectionId, apiId: c.apiId };
}

const byName = (a: [string, unknown], b: [string, unknown]) => (a[0].toLowerCase() < b[0].toLowerCase() ? -1 : a[0].toLowerCase() > b[0].toLowerCase() ? 1 : 0);

/**
 * `keepUpgradeHeaders`: the REQUEST authorizer's event keeps Connection and Upgrade (apigateway-websocket-api-lambda-auth.md
 * shows `"Connection": "upgrade"`, `"Upgrade": "websocket"` in it); the $connect integration's event drops them.
 */
export function connectEvent(c: ConnectionFacts, request: { headerPairs: Array<[string, string]>; query: Array<[string, string]> }, requestId: string, at: number, keepUpgradeHeaders = false): Record<string, unknown> {
  const multi = new Map<string, string[]>();
  for (const [name, value] of request.headerPairs) {
    const lower = name.toLowerCase();
    if (!keepUpgradeHeaders && (lower === "connection" || lower === "upgrade")) continue;
    const existing = [...multi.keys()].find((k) => k.toLowerCase() === lower) ?? name;
    multi.set(existing, [...(multi.get(existing) ?? []), value]);
  }
  const event: Record<string, unknown> = {};
  const sorted = [...multi.entries()].sort(byName);
  event["headers"] = Object.fromEntries(sorted.map(([k, v]) => [k, v[v.length - 1]!]));
  event["multiValueHeaders"] = Object.fromEntries(sorted);
  if (request.query.length > 0) {
    const mq: Record<string, string[]> = {};
    for (const [k, v] of request.query) (mq[k] ??= []).push(v);
    event["queryStringParameters"] = Object.fromEntries(Object.entries(mq).map(([k, v]) => [k, v[v.length - 1]!]));
    event["multiValueQueryStringParameters"] = mq;
  }
  event["requestContext"] = {
    routeKey: "$connect",
    eventType: "CONNECT",
    extendedRequestId: requestId,
    requestTime: clfTime(at),
    messageDirection: "IN",
    ...tail(c, requestId, at),
  };
  event["isBase64Encoded"] = false;
  return event;
}

/** Always text: binary frames close the connection before routing (websocket-api-develop-binary-media-types.md). */
export function messageEvent(c: ConnectionFacts, routeKey: string, messageId: string, body: string, requestId: string, at: number): Record<string, unknown> {
  return {
    requestContext: {
      routeKey,
      messageId,
      eventType: "MESSAGE",
      extendedRequestId: requestId,
      requestTime: clfTime(at),
      messageDirection: "IN",
      ...tail(c, requestId, at),
    },
    body,
    isBase64Encoded: false,
  };
}

export function disconnectEvent(c: ConnectionFacts, code: number, reason: string, requestId: string, at: number): Record<string, unknown> {
  const headers: Array<[string, string]> = [["Host", c.domainName], ["x-api-key", ""], ["X-Forwarded-For", ""], ["x-restapi", ""]];
  headers.sort(byName);
  return {
    headers: Object.fromEntries(headers),
    multiValueHeaders: Object.fromEntries(headers.map(([k, v]) => [k, [v]])),
    requestContext: {
      routeKey: "$disconnect",
      disconnectStatusCode: code,
      eventType: "DISCONNECT",
      extendedRequestId: requestId,
      requestTime: clfTime(at),
      messageDirection: "IN",
      disconnectReason: reason,
      ...tail(c, requestId, at),
    },
    isBase64Encoded: false,
  };
}
