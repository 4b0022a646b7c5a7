import { authorizeIam, type IamVerifier } from "../auth/iam.ts";
import { evaluatePolicy, methodArn, type PolicyDecision, type PolicyPrincipal } from "../auth/policy.ts";
import type { GatewayIdentity } from "../rest/context-variables.ts";
import type { RoutedCall } from "../rest/call.ts";
import type { MethodCacheSettings } from "./settings.ts";

/**
 * Per-key invalidation (spec §4.3; api-gateway-caching.md "Invalidate an API Gateway cache entry"): a client sends
 * `Cache-Control: max-age=0`; the response then comes from the integration and replaces the entry — if the client is
 * allowed to.
 *
 * Who is allowed: with `requireAuthorizationForCacheControl` off, anyone. With it on (AWS's default), the request must
 * be SigV4-signed by an IAM principal allowed `execute-api:InvalidateCache` on
 * `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}` (the docs' policy example). An AWS support
 * answer on re:Post (QULgpaCUWSRZ-Zdqw-x8a6cw, "authorised cache invalidation not working as expected"): "the request
 * has to be Sigv4 signed and the client should also have the permissions … If either of the two is missing, cache
 * invalidations will not be successful". The reference evaluates IAM the usual way: an explicit Deny in the
 * principal's policy (IAM credentials file, `policy`) or the API's resource policy wins; otherwise an Allow in either
 * grants. "Cross-account invalidation is not supported": a principal of another account is never allowed.
 *
 * When not allowed, `unauthorizedCacheControlHeaderStrategy` decides:
 *   FAIL_WITH_403                    → 403 ("returns a 403 Unauthorized response"); see CACHE_CONTROL_REFUSED.
 *   SUCCEED_WITH_RESPONSE_HEADER     → the header is ignored (normal cache lookup) and a warning header is added.
 *                                      The docs do not name it; the reference sends the HTTP `Warning` header
 *                                      (RFC 7234 §5.5, code 199 "Miscellaneous Warning"), a choice, not a capture.
 *   SUCCEED_WITHOUT_RESPONSE_HEADER  → the header is ignored, nothing added.
 */
export type InvalidationDecision = "none" | "invalidate" | "ignore" | "ignore-with-warning" | "refuse";

export const CACHE_CONTROL_WARNING: [string, string] = ["Warning", '199 - "Cache-Control: max-age=0 ignored: not authorized to invalidate the cache"'];

/**
 * The 403 of FAIL_WITH_403. The docs say only "403 Unauthorized"; body and error type are the reference's choice in
 * API Gateway's usual shape (not customisable through gateway responses, as no gateway response type covers it).
 */
export const CACHE_CONTROL_REFUSED = {
  status: 403,
  headers: [["Content-Type", "application/json"], ["x-amzn-ErrorType", "AccessDeniedException"]] as Array<[string, string]>,
  body: '{"message":"Unauthorized"}',
};

/** `Cache-Control` with a `max-age=0` directive (any of the request's Cache-Control headers, directives case-insensitive). */
export function asksForInvalidation(headerPairs: ReadonlyArray<[string, string]>): boolean {
  for (const [name, value] of headerPairs) {
    if (name.length !== 13 || name.toLowerCase() !== "cache-control") continue;
    for (const directive of value.split(",")) if (/^\s*max-age\s*=\s*"?0+"?\s*$/i.test(directive)) return true;
  }
  return false;
}

export interface InvalidationDeps {
  iam: IamVerifier;
  gateway: GatewayIdentity;
}

export function invalidationDecision(call: RoutedCall, settings: MethodCacheSettings, deps: InvalidationDeps): InvalidationDecision {
  if (!asksForInvalidation(call.request.headerPairs)) return "none";
  if (!settings.requireAuthorizationForCacheControl || allowedToInvalidate(call, deps)) return "invalidate";
  switch (settings.unauthorizedStrategy) {
    case "FAIL_WITH_403":
      return "refuse";
    case "SUCCEED_WITHOUT_RESPONSE_HEADER":
      return "ignore";
    default:
      return "ignore-with-warning";
  }
}

/** The signed caller, if any: the one AWS_IAM already verified, else a signature checked now (failures = unsigned). */
function signedCaller(call: RoutedCall, iam: IamVerifier): Record<string, string | null> | undefined {
  if (call.route.method.authorizationType === "AWS_IAM") return call.auth?.identity;
  // Checked on the call itself with its authorization set aside (a copy would lose the call's lazy header maps).
  const auth = call.auth;
  call.auth = undefined;
  try {
    authorizeIam(call, iam);
    return (call as RoutedCall).auth?.identity;
  } catch {
    return undefined;
  } finally {
    call.auth = auth;
  }
}

function allowedToInvalidate(call: RoutedCall, deps: InvalidationDeps): boolean {
  const identity = signedCaller(call, deps.iam);
  const accessKey = identity?.["accessKey"];
  if (!identity || !accessKey) return false;
  const principal = deps.iam.principals.get(accessKey);
  if (!principal || principal.accountId !== deps.gateway.accountId) return false;
  const request = {
    action: "execute-api:InvalidateCache" as const,
    resource: methodArn(deps.gateway.region, deps.gateway.accountId, call.api.id, call.stage.name, call.request.method, requestPath(call)),
    principal: { arn: principal.userArn, accountId: principal.accountId } satisfies PolicyPrincipal,
    conditionKeys: { "aws:SourceIp": call.request.sourceIp },
  };
  const decisions: PolicyDecision[] = [];
  if (principal.policy) decisions.push(evaluatePolicy(principal.policy, request));
  if (call.api.policy) decisions.push(evaluatePolicy(call.api.policy, request));
  return !decisions.includes("Deny") && decisions.includes("Allow");
}

/** The request's path as resource policies see it: the resource's literal parts, the parameters' values (auth/resource-policy.ts). */
function requestPath(call: RoutedCall): string {
  const { resource, pathParameters } = call.route;
  return resource.path.replace(/\{([^}]+?)\+?\}/g, (_all, name: string) => pathParameters[name] ?? "");
}
