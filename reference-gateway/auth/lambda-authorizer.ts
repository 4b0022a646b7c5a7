import { randomUUID } from "node:crypto";
import { GatewayError } from "../errors/index.ts";
import type { FunctionDirectory } from "../integrations/lambda-target.ts";
import { proxyEvent } from "../integrations/lambda-proxy.ts";
import type { LambdaRuntime } from "../lambda/index.ts";
import type { LambdaAuthorizer } from "../model/index.ts";
import type { RoutedCall } from "../rest/call.ts";
import { contextVariables, type GatewayIdentity } from "../rest/context-variables.ts";
import { javaMatches } from "../vtl/java-regex.ts";
import type { AuthorizerCache } from "./authorizer-cache.ts";
import { InvalidAuthorizerOutput, readAuthorizerOutput, type AuthorizerResult } from "./authorizer-output.ts";
import { identitySourceValues } from "./identity-sources.ts";
import { evaluatePolicy, methodArn } from "./policy.ts";

export interface LambdaAuthorizerDeps {
  lambda: LambdaRuntime;
  functions: FunctionDirectory;
  gateway: GatewayIdentity;
  authorizerCache: AuthorizerCache;
}

/** AWS's own body for a policy's explicit deny (spec §2.3); the implicit deny is ACCESS_DENIED's default message. */
const EXPLICIT_DENY = "User is not authorized to access this resource with an explicit deny";

/**
 * A CUSTOM (Lambda) authorizer, as API Gateway runs it (spec §7.1, apigateway-use-lambda-authorizer.md):
 * identity sources → (401 without invoking when they cannot identify anyone) → cached result or the function →
 * its policy evaluated against this request's method ARN → allow, or 403 ACCESS_DENIED. On allow, `call.auth` gets
 * `$context.authorizer` (principalId, integrationLatency, the stringified context) and the usageIdentifierKey.
 */
export async function runLambdaAuthorizer(call: RoutedCall, authorizer: LambdaAuthorizer, deps: LambdaAuthorizerDeps): Promise<void> {
  const arn = methodArn(deps.gateway.region, deps.gateway.accountId, call.api.id, call.stage.name, call.request.method, requestPath(call));
  const identity = identitySourceValues(authorizer.identitySource, call, () => contextVariables(call, deps.gateway));
  const present = identity.every((value): value is string => value !== undefined && value !== "");

  if (authorizer.type === "TOKEN") {
    // A missing or empty token, or one failing identityValidationExpression: 401, the function is not called (§7.1).
    const token = identity[0];
    if (token === undefined || token === "") throw unauthorized("no token in the identity source");
    if (authorizer.identityValidationExpression !== undefined && !tokenMatches(token, authorizer.identityValidationExpression)) {
      throw unauthorized("token does not match identityValidationExpression");
    }
  } else if (authorizer.resultTtlSeconds > 0 && !present) {
    // REQUEST: with caching on, every identity source must be present and non-empty; with it off none is required (§7.1).
    throw unauthorized("an identity source is missing or empty");
  }

  // An authorizer without identity sources has nothing to tell callers apart by, so it is never cached.
  const cacheable = authorizer.resultTtlSeconds > 0 && present && identity.length > 0;
  const scope = { apiId: call.api.id, stage: call.stage.name, authorizerId: authorizer.id };
  let result = cacheable ? await deps.authorizerCache.get(scope, identity) : undefined;
  let integrationLatency = 0;
  if (result === undefined) {
    const started = Date.now();
    result = await invokeAuthorizer(call, authorizer, arn, identity, deps);
    integrationLatency = Date.now() - started;
    if (cacheable) await deps.authorizerCache.set(scope, identity, result, authorizer.resultTtlSeconds);
  }

  // Set before the decision: a denied caller's $context.authorizer.* is what customised ACCESS_DENIED responses show
  // (the documented way to explain a deny, e.g. qiita.com/kter "Lambda Authorizerでカスタムのエラーメッセージ").
  call.auth = { ...call.auth, authorizer: authorizerContext(result, integrationLatency), ...(result.usageIdentifierKey === undefined ? {} : { usageIdentifierKey: result.usageIdentifierKey }) };
  const decision = evaluatePolicy(result.policy, { action: "execute-api:Invoke", resource: arn, conditionKeys: { "aws:SourceIp": call.request.sourceIp } });
  if (decision === "Deny") throw new GatewayError("ACCESS_DENIED", { message: EXPLICIT_DENY });
  // Table A (apigateway-authorization-flow.md): a silent authorizer policy stands aside when the resource policy allows.
  if (decision === "Implicit" && !call.auth.resourcePolicyAllows) throw new GatewayError("ACCESS_DENIED");
}

/** The request path after the stage, as the client sent it: the ARN carries actual values, not `{param}` (policy.ts). */
function requestPath(call: RoutedCall): string {
  return "/" + call.request.rawPath.slice(call.stage.name.length + 1).replace(/^\/+/, "");
}

/**
 * identityValidationExpression is a Java regular expression the whole token must match (API Gateway is a Java
 * service; `Matcher.matches()` semantics — the doc examples `^x-[a-z]+` fit either reading). A pattern that does not
 * compile cannot validate anything: a configuration error.
 */
function tokenMatches(token: string, expression: string): boolean {
  try {
    return javaMatches(token, expression);
  } catch (error) {
    throw new GatewayError("AUTHORIZER_CONFIGURATION_ERROR", { detail: `identityValidationExpression does not compile: ${String(error)}` });
  }
}

async function invokeAuthorizer(call: RoutedCall, authorizer: LambdaAuthorizer, arn: string, identity: Array<string | undefined>, deps: LambdaAuthorizerDeps): Promise<AuthorizerResult> {
  let functionId: string;
  try {
    functionId = deps.functions.resolve(authorizer, call.stage.variables);
  } catch (error) {
    throw configurationError(`authorizer function: ${error instanceof GatewayError ? error.detail : String(error)}`);
  }
  const event = authorizer.type === "TOKEN" ? { type: "TOKEN", methodArn: arn, authorizationToken: identity[0] } : requestEvent(call, arn, deps.gateway);
  const invoked = await deps.lambda.invoke(functionId, event, { requestId: randomUUID() });
  if (!invoked.ok) {
    // Only the exact error message "Unauthorized" is a 401 (spec §7.1; auth0-samples/jwt-rsa-aws-custom-authorizer#6:
    // "including any other text … results in a 500"); every other error, timeout or crash is a 500.
    if (invoked.kind === "error" && invoked.error.errorMessage === "Unauthorized") throw unauthorized("the authorizer answered Unauthorized");
    throw configurationError(`authorizer ${invoked.kind}: ${invoked.error.errorType}: ${invoked.error.errorMessage}`);
  }
  try {
    return readAuthorizerOutput(invoked.payload);
  } catch (error) {
    if (error instanceof InvalidAuthorizerOutput) throw configurationError(`could not use the authorizer's result: ${error.message}`);
    throw error;
  }
}

/**
 * The REQUEST event (api-gateway-lambda-authorizer-input.md): type and methodArn, then the proxy event's request
 * fields (resource, path, httpMethod, headers, multiValueHeaders, queryStringParameters,
 * multiValueQueryStringParameters, pathParameters, stageVariables, requestContext) — no body.
 */
function requestEvent(call: RoutedCall, arn: string, gateway: GatewayIdentity): Record<string, unknown> {
  const { body: _body, isBase64Encoded: _isBase64Encoded, ...request } = proxyEvent(call, contextVariables(call, gateway));
  return { type: "REQUEST", methodArn: arn, ...request };
}

/**
 * `$context.authorizer` / `requestContext.authorizer`: principalId and integrationLatency first, as in captured
 * proxy events (`"authorizer": {"principalId": "me", "integrationLatency": 0}`), then the context values as strings.
 * A cached result reports integrationLatency 0: nothing was invoked.
 */
function authorizerContext(result: AuthorizerResult, integrationLatency: number): Record<string, unknown> {
  const authorizer: Record<string, unknown> = {};
  if (result.principalId !== undefined) authorizer.principalId = result.principalId;
  authorizer.integrationLatency = integrationLatency;
  for (const [key, value] of Object.entries(result.context)) if (!(key in authorizer)) authorizer[key] = value;
  return authorizer;
}

function unauthorized(detail: string): GatewayError {
  return new GatewayError("UNAUTHORIZED", { detail });
}

/** AWS answers every unusable authorizer outcome with AuthorizerConfigurationException (catalogue.ts cites captures). */
function configurationError(detail: string): GatewayError {
  return new GatewayError("AUTHORIZER_CONFIGURATION_ERROR", { detail });
}
