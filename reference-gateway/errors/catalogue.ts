import type { GatewayResponseType } from "../model/index.ts";

/**
 * Every gateway response type with the status, message and `x-amzn-ErrorType` AWS gives it by default.
 * Sources: supported-gateway-response-types.md (statuses), spec §2.2/§2.3 (messages, error types; strength noted there).
 */
export interface GatewayResponseDefault {
  status: number;
  message: string;
  errorType: string;
  /** DEFAULT_4XX / DEFAULT_5XX, by status class. */
  fallback: "DEFAULT_4XX" | "DEFAULT_5XX";
  /** AWS does not let users customise it (REQUEST_TOO_LARGE, known-issues). */
  customisable: boolean;
  /** The built-in body template (substitution syntax, see errors/render.ts); COMPACT_BODY unless AWS differs. */
  body: string;
}

/** Most built-in bodies are compact: `{"message":"Forbidden"}`. */
const COMPACT_BODY = '{"message":$context.error.messageString}';
/**
 * Some integration-side errors have a space after the colon (`{"message": "Internal server error"}`,
 * `{"message": "Endpoint request timed out"}`, captured from real APIs).
 */
const SPACED_BODY = '{"message": $context.error.messageString}';
/**
 * Policy denials (authorizer policy, resource policy, IAM) say "Message" with a capital M: spec §2.3 [OBS], and the
 * failure-mode tables in dev.to/marcogrcr "API Gateway + Lambda authorizer + Lambda proxy integration failure modes"
 * (`{ "Message": "User is not authorized to access this resource with an explicit deny" }`).
 */
const CAPITALISED_BODY = '{"Message":$context.error.messageString}';
/**
 * A Lambda authorizer that errors, times out or returns an unusable result gives 500 `{"message":null}` with
 * `x-amzn-ErrorType: AuthorizerConfigurationException` (loige.co "Debugging custom ApiGateway authorizers";
 * auth0-samples/jwt-rsa-aws-custom-authorizer#6; aws/aws-lambda-go#81; serverless/examples#305).
 */
const NULL_MESSAGE_BODY = '{"message":null}';

const entry = (status: number, message: string, errorType: string, options: { customisable?: boolean; body?: string } = {}): GatewayResponseDefault => ({
  status,
  message,
  errorType,
  fallback: status >= 500 ? "DEFAULT_5XX" : "DEFAULT_4XX",
  customisable: options.customisable ?? true,
  body: options.body ?? COMPACT_BODY,
});

export const GATEWAY_RESPONSES: Record<Exclude<GatewayResponseType, "DEFAULT_4XX" | "DEFAULT_5XX">, GatewayResponseDefault> = {
  ACCESS_DENIED: entry(403, "User is not authorized to access this resource", "AccessDeniedException", { body: CAPITALISED_BODY }),
  API_CONFIGURATION_ERROR: entry(500, "Internal server error", "ApiConfigurationException"),
  AUTHORIZER_CONFIGURATION_ERROR: entry(500, "Internal server error", "AuthorizerConfigurationException", { body: NULL_MESSAGE_BODY }),
  AUTHORIZER_FAILURE: entry(500, "Internal server error", "AuthorizerFailureException", { body: NULL_MESSAGE_BODY }),
  BAD_REQUEST_PARAMETERS: entry(400, "Missing required request parameters", "BadRequestException"),
  BAD_REQUEST_BODY: entry(400, "Invalid request body", "BadRequestException"),
  EXPIRED_TOKEN: entry(403, "The security token included in the request is expired", "ExpiredTokenException"),
  INTEGRATION_FAILURE: entry(504, "Internal server error", "InternalServerErrorException", { body: SPACED_BODY }),
  INTEGRATION_TIMEOUT: entry(504, "Endpoint request timed out", "InternalServerErrorException", { body: SPACED_BODY }),
  INVALID_API_KEY: entry(403, "Forbidden", "ForbiddenException"),
  INVALID_SIGNATURE: entry(403, "The request signature we calculated does not match the signature you provided", "InvalidSignatureException"),
  MISSING_AUTHENTICATION_TOKEN: entry(403, "Missing Authentication Token", "MissingAuthenticationTokenException"),
  QUOTA_EXCEEDED: entry(429, "Limit Exceeded", "LimitExceededException"),
  // Captured (a Lambda proxy event over Lambda's 6 MB limit, koki-develop/lgtm-generator#10): 413 with
  // x-amzn-ErrorType BadRequestException, content-length 31 = `{"message": "Request Too Long"}`, spaced.
  REQUEST_TOO_LARGE: entry(413, "Request Too Long", "BadRequestException", { customisable: false, body: SPACED_BODY }),
  RESOURCE_NOT_FOUND: entry(404, "Not Found", "ResourceNotFoundException"),
  THROTTLED: entry(429, "Too Many Requests", "TooManyRequestsException"),
  UNAUTHORIZED: entry(401, "Unauthorized", "UnauthorizedException"),
  UNSUPPORTED_MEDIA_TYPE: entry(415, "Unsupported Media Type", "BadRequestException"),
  WAF_FILTERED: entry(403, "Forbidden", "WafFilteredException"),
};

export type ErrorResponseType = keyof typeof GATEWAY_RESPONSES;
