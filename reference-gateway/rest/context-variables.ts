import { clfTime, deploymentId } from "../observe/index.ts";
import { findHeader } from "./request.ts";
import type { RestCall } from "./call.ts";

export interface GatewayIdentity {
  region: string;
  accountId: string;
}

/** The identity block for an unauthenticated caller (set-up-lambda-proxy-integrations.md sample event). */
function identity(call: RestCall): Record<string, string | null> {
  return {
    cognitoIdentityPoolId: null,
    accountId: null,
    cognitoIdentityId: null,
    caller: null,
    sourceIp: call.request.sourceIp,
    principalOrgId: null,
    accessKey: null,
    cognitoAuthenticationType: null,
    cognitoAuthenticationProvider: null,
    userArn: null,
    userAgent: findHeader(call.request.headerPairs, "user-agent") ?? null,
    user: null,
  };
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
    identity: call.auth?.identity ? { ...identity(call), ...call.auth.identity } : identity(call),
    domainName: host,
    deploymentId: deploymentId(call.api.id, stage),
    apiId: call.api.id,
    // Only stages with a canary report it (no capture of a canary-less event shows the key).
    ...(call.isCanaryRequest === undefined ? {} : { isCanaryRequest: call.isCanaryRequest }),
  };
}
