import { clfTime, deploymentId } from "../observe/index.ts";
import { findHeader } from "./request.ts";
import { javaHashMapOrder } from "./java-hash-order.ts";
import type { RestCall } from "./call.ts";

export interface GatewayIdentity {
  region: string;
  accountId: string;
}

/**
 * The order API Gateway inserts identity keys in. The block is a Java HashMap, so what comes out is that map's order
 * for the keys present (java-hash-order.ts), which moves every key once an API key adds two more. Evidence:
 * - the docs' sample event, no API key (set-up-lambda-proxy-integrations.md): 12 keys;
 * - a captured event with an API key, before principalOrgId existed (jonstefansson/dynadb-mileage python/README.md,
 *   2018): 13 keys;
 * - a captured test-invoke event with IAM and an API key (blog.daringkoala.com/posts/apigw-lambda-integration-payloads,
 *   2023): 14 keys, `apiKey` before `principalOrgId` in the bucket they share — hence apiKey's place here.
 */
const IDENTITY_INSERTION_ORDER = [
  "cognitoIdentityPoolId",
  "accountId",
  "cognitoIdentityId",
  "caller",
  "sourceIp",
  "apiKey",
  "principalOrgId",
  "accessKey",
  "cognitoAuthenticationType",
  "cognitoAuthenticationProvider",
  "userArn",
  "apiKeyId",
  "userAgent",
  "user",
];
const insertionRank = (key: string) => {
  const rank = IDENTITY_INSERTION_ORDER.indexOf(key);
  return rank < 0 ? IDENTITY_INSERTION_ORDER.length : rank;
};
/** Key set → output order; there are only a handful of distinct key sets. */
const identityOrders = new Map<string, string[]>();

function outputOrder(keys: string[]): string[] {
  const signature = keys.join(",");
  let order = identityOrders.get(signature);
  if (order === undefined) {
    order = javaHashMapOrder([...keys].sort((a, b) => insertionRank(a) - insertionRank(b)));
    identityOrders.set(signature, order);
  }
  return order;
}

/**
 * The keys of an unauthenticated caller's identity (the insertion order without the two an API key adds), and their
 * output order, the same for every such request.
 */
const UNAUTHENTICATED_KEYS = IDENTITY_INSERTION_ORDER.filter((key) => key !== "apiKey" && key !== "apiKeyId");
const UNAUTHENTICATED_ORDER = outputOrder(UNAUTHENTICATED_KEYS);

/** The identity block: an unauthenticated caller's values (unset = null) with what authorization learned over them. */
function identity(call: RestCall): Record<string, string | null> {
  const sourceIp = call.request.sourceIp;
  const userAgent = findHeader(call.request.headerPairs, "user-agent") ?? null;
  const learned = call.auth?.identity;
  if (learned === undefined) {
    // Most requests: no authorizer or API key identity; the key set and its order are known.
    const out: Record<string, string | null> = {};
    for (const key of UNAUTHENTICATED_ORDER) out[key] = key === "sourceIp" ? sourceIp : key === "userAgent" ? userAgent : null;
    return out;
  }
  const values: Record<string, string | null> = { ...Object.fromEntries(UNAUTHENTICATED_KEYS.map((key) => [key, null])), sourceIp, userAgent, ...learned };
  return Object.fromEntries(outputOrder(Object.keys(values)).map((key) => [key, values[key] ?? null]));
}

/**
 * `$context` for a REST call: one object serves mapping templates, gateway responses, parameter mappings and
 * the proxy event's requestContext. Keys and their order as in events captured from real REST APIs without an
 * authorizer (no `authorizer` key then); unset identity values are null.
 */
export function contextVariables(call: RestCall, gateway: GatewayIdentity): Record<string, unknown> {
  const host = findHeader(call.request.headerPairs, "host") ?? "";
  const stage = call.stage?.name ?? "";
  const resourcePath = call.route?.resource.path ?? "";
  return {
    resourceId: call.route?.resource.id ?? null,
    // Captured events with an authorizer show it right after resourceId; without one the key is absent.
    ...(call.auth?.authorizer ? { authorizer: call.auth.authorizer } : {}),
    resourcePath,
    httpMethod: call.request.method,
    extendedRequestId: call.ids.extendedRequestId,
    requestTime: clfTime(call.request.receivedAt),
    path: call.request.rawPath,
    accountId: gateway.accountId,
    protocol: call.request.protocol,
    stage,
    domainPrefix: host.replace(/:\d+$/, "").split(".")[0] ?? "",
    requestTimeEpoch: call.request.receivedAt,
    requestId: call.ids.requestId,
    identity: identity(call),
    domainName: host,
    deploymentId: deploymentId(call.api.id, stage),
    apiId: call.api.id,
    // Only stages with a canary report it (no capture of a canary-less event shows the key).
    ...(call.isCanaryRequest === undefined ? {} : { isCanaryRequest: call.isCanaryRequest }),
  };
}
