import { checkApiKey } from "../auth/api-key.ts";
import { checkResourcePolicyBeforeAuthorizer, checkResourcePolicyForIamCaller } from "../auth/resource-policy.ts";
import { authorizeCognito } from "../auth/cognito.ts";
import { authorizeIam } from "../auth/iam.ts";
import { runLambdaAuthorizer } from "../auth/lambda-authorizer.ts";
import { GatewayError } from "../errors/index.ts";
import type { RoutedCall } from "./call.ts";
import type { CompiledRestApi } from "./compile.ts";
import type { RestDeps } from "./lifecycle.ts";

/**
 * The authorization steps, in the order API Gateway applies them (shared/design.md; apigateway-authorization-flow.md):
 *
 *   1. resource policy       the API's policy (auth/resource-policy.ts), evaluated with the caller's identity
 *   2. authorizer            by the method's authorizationType: AWS_IAM (auth/iam.ts), COGNITO_USER_POOLS
 *                            (auth/cognito.ts), CUSTOM (auth/lambda-authorizer.ts)
 *   3. API key               when the method requires one (auth/api-key.ts), from the header or the authorizer's
 *                            usageIdentifierKey
 *
 * Each step throws GatewayError (UNAUTHORIZED, ACCESS_DENIED, INVALID_API_KEY, …) or records what it learned in
 * `call.auth`. The loader refuses any security setting whose step is not enforced (load/enforcement.ts). A promise
 * only when a step has to wait (Cognito keys, a Lambda authorizer); synchronous steps throw synchronously.
 */
export function authorize(call: RoutedCall, compiled: CompiledRestApi, deps: RestDeps): Promise<void> | undefined {
  const { method } = call.route;
  const { policy } = compiled.api;
  if (policy && method.authorizationType !== "AWS_IAM") checkResourcePolicyBeforeAuthorizer(call, policy, deps);
  if (method.authorizationType === "AWS_IAM") {
    authorizeIam(call, deps.iam);
    if (policy) checkResourcePolicyForIamCaller(call, policy, deps);
  }
  if (method.authorizationType === "COGNITO_USER_POOLS") {
    const authorizer = method.authorizerId === undefined ? undefined : compiled.api.authorizers[method.authorizerId];
    if (authorizer?.type !== "COGNITO_USER_POOLS") {
      throw new GatewayError("AUTHORIZER_CONFIGURATION_ERROR", { detail: `method has no Cognito authorizer (${method.authorizerId ?? "none"})` });
    }
    return authorizeCognito(call, authorizer, method, deps.cognito).then(() => checkKey(call, compiled));
  }
  if (method.authorizationType === "CUSTOM") {
    const authorizer = method.authorizerId === undefined ? undefined : compiled.api.authorizers[method.authorizerId];
    if (authorizer?.type !== "TOKEN" && authorizer?.type !== "REQUEST") {
      throw new GatewayError("AUTHORIZER_CONFIGURATION_ERROR", { detail: `method has no Lambda authorizer (${method.authorizerId ?? "none"})` });
    }
    return runLambdaAuthorizer(call, authorizer, deps).then(() => checkKey(call, compiled));
  }
  checkKey(call, compiled);
  return undefined;
}

/** Last, so a key from the authorizer's usageIdentifierKey is known; without apiKeyRequired the key is ignored (§8). */
function checkKey(call: RoutedCall, compiled: CompiledRestApi): void {
  if (call.route.method.apiKeyRequired) checkApiKey(call, compiled.apiKeys);
}
