import { GatewayError } from "../errors/index.ts";
import type { PolicyDocument } from "../model/index.ts";
import type { RoutedCall } from "../rest/call.ts";
import type { GatewayIdentity } from "../rest/context-variables.ts";
import { evaluatePolicy, methodArn, type PolicyDecision, type PolicyPrincipal } from "./policy.ts";

/**
 * Where requests are taken to come from, for condition keys a local request cannot carry: `aws:SourceVpce` and
 * `aws:SourceVpc` exist on AWS only for calls through a VPC endpoint. Unset, the keys are absent, so `StringEquals`
 * on them does not hold and `StringNotEquals` does (IAM reference_policies_elements_condition_operators.md).
 */
export interface RequestOrigin {
  sourceVpce?: string;
  sourceVpc?: string;
}

/** The condition keys a resource policy is evaluated with: the loader refuses conditions on any other key. */
export const RESOURCE_POLICY_CONDITION_KEYS = ["aws:SourceIp", "aws:SourceVpce", "aws:SourceVpc", "aws:PrincipalAccount", "aws:PrincipalArn"] as const;

/**
 * The API's resource policy for this call: `execute-api:Invoke` on the method ARN built from the request's own path
 * (not the resource template), as authorizer policies see it (spec §7.1). `principal` is the IAM caller; anyone
 * else is anonymous, so statements naming a principal never apply to them (auth/policy.ts).
 */
function evaluateResourcePolicy(
  call: RoutedCall,
  policy: PolicyDocument,
  gateway: GatewayIdentity,
  origin: RequestOrigin,
  principal?: PolicyPrincipal,
): { decision: PolicyDecision; arn: string } {
  const arn = methodArn(gateway.region, gateway.accountId, call.api.id, call.stage.name, call.request.method, requestPath(call));
  const conditionKeys: Record<(typeof RESOURCE_POLICY_CONDITION_KEYS)[number], string | undefined> = {
    "aws:SourceIp": call.request.sourceIp,
    "aws:SourceVpce": origin.sourceVpce,
    "aws:SourceVpc": origin.sourceVpc,
    "aws:PrincipalAccount": principal?.accountId,
    "aws:PrincipalArn": principal?.arn,
  };
  const decision = evaluatePolicy(policy, { action: "execute-api:Invoke", resource: arn, principal, conditionKeys });
  return { decision, arn };
}

/**
 * The path the request reached, spelled as the matched resource spells it with the path parameters' values in
 * place: a literal part is the resource's own (so `/%61dmin`, `//admin` or `/admin/` cannot dodge a statement about
 * `/admin` when routing lands them on it), a `{param}` or `{proxy+}` part is what the client sent there.
 */
function requestPath(call: RoutedCall): string {
  const { resource, pathParameters } = call.route;
  return resource.path.replace(/\{([^}]+?)\+?\}/g, (_all, name: string) => pathParameters[name] ?? "");
}

/**
 * 403 ACCESS_DENIED as API Gateway words a resource-policy denial, `{"Message":"User: anonymous is not authorized to
 * perform: execute-api:Invoke on resource: arn:aws:execute-api:us-west-2:********2543:vd2gh6uqw3/api/GET/"}`
 * (ASFHyP3/hyp3#2283; serverless/serverless#5071 shows the same masking, `********5212`): the account in the ARN
 * masked but for its last four digits, the caller `anonymous` or the IAM user's ARN, and ` with an explicit deny`
 * appended when a Deny statement matched (cloudnamaste.com/api-gateway-resource-policies, Table A examples).
 * `x-amzn-ErrorType: AccessDeniedException` (spec §2.2 [KC]); the capital-M body is ACCESS_DENIED's (errors/catalogue.ts).
 */
function resourcePolicyDenial(arn: string, decision: PolicyDecision, callerArn?: string): GatewayError {
  const masked = arn.replace(/^(arn:[^:]*:execute-api:[^:]*:)(\d*)(\d{4}):/, (_all, head: string, hidden: string, shown: string) => `${head}${"*".repeat(hidden.length)}${shown}:`);
  const suffix = decision === "Deny" ? " with an explicit deny" : "";
  return new GatewayError("ACCESS_DENIED", {
    message: `User: ${callerArn ?? "anonymous"} is not authorized to perform: execute-api:Invoke on resource: ${masked}${suffix}`,
    detail: `resource policy: ${decision === "Deny" ? "explicit deny" : "no statement allows"} ${arn}`,
  });
}

export interface ResourcePolicyDeps {
  gateway: GatewayIdentity;
  origin: RequestOrigin;
}

/**
 * The resource policy before any authorizer runs, for a caller who is anonymous to it (apigateway-authorization-flow.md):
 * - no authorization (NONE): "seeking an explicit allow … An implicit denial or any explicit denial results in
 *   denying the caller";
 * - Lambda authorizer: "API Gateway first evaluates the policy and checks for any explicit denials. If found, the
 *   caller is denied access immediately"; otherwise the authorizer decides, and by Table A an authorizer's Allow
 *   stands when the policy is silent;
 * - Cognito: the same Table A row (Allow + neither → Allow), so only an explicit deny stops the call. The page's prose
 *   for Cognito asks for an explicit allow instead; Table A is the one that names every combination.
 * AWS_IAM callers are not anonymous: checkResourcePolicyForIamCaller evaluates the policy once they are known.
 */
export function checkResourcePolicyBeforeAuthorizer(call: RoutedCall, policy: PolicyDocument, deps: ResourcePolicyDeps): void {
  const { decision, arn } = evaluateResourcePolicy(call, policy, deps.gateway, deps.origin);
  if (decision === "Deny") throw resourcePolicyDenial(arn, decision);
  if (decision === "Implicit" && call.route.method.authorizationType === "NONE") throw resourcePolicyDenial(arn, decision);
  if (decision === "Allow") call.auth = { ...call.auth, resourcePolicyAllows: true };
}

/**
 * The resource policy for a caller IAM has authenticated, with that caller as principal. The local credentials file
 * stands for the caller's IAM policies and allows invoking, so (apigateway-authorization-flow.md):
 * - Table A, caller in the API's account: only an explicit deny stops the call;
 * - Table B, caller in another account: "cross-account access requires that both the resource policy and the IAM
 *   policy … explicitly grant access", so the policy must allow.
 */
export function checkResourcePolicyForIamCaller(call: RoutedCall, policy: PolicyDocument, deps: ResourcePolicyDeps): void {
  const identity = call.auth?.identity ?? {};
  const principal: PolicyPrincipal = { arn: identity["userArn"] ?? undefined, accountId: identity["accountId"] ?? undefined };
  const { decision, arn } = evaluateResourcePolicy(call, policy, deps.gateway, deps.origin, principal);
  const crossAccount = principal.accountId !== deps.gateway.accountId;
  if (decision === "Deny" || (decision === "Implicit" && crossAccount)) throw resourcePolicyDenial(arn, decision, principal.arn);
}
