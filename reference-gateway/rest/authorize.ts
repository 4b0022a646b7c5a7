import { checkApiKey } from "../auth/api-key.ts";
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
 * `call.auth`. The loader refuses any security setting whose step is not enforced (load/enforcement.ts).
 */
export async function authorize(call: RoutedCall, compiled: CompiledRestApi, deps: RestDeps): Promise<void> {
  void deps;
  // Last, so a key from the authorizer's usageIdentifierKey is known; without apiKeyRequired the key is ignored (§8).
  if (call.route.method.apiKeyRequired) checkApiKey(call, compiled.apiKeys);
}
