import { GATEWAY_RESPONSES, type ErrorResponseType } from "./catalogue.ts";

/**
 * The one way a lifecycle step fails: throw a GatewayError naming the gateway response type.
 * errors/render.ts turns it into the AWS-shaped response, applying the API's customisations.
 */
export class GatewayError extends Error {
  readonly type: ErrorResponseType;
  /** Extra response headers a step attaches (e.g. www-authenticate); the gateway response config may override. */
  readonly headers: Record<string, string>;
  /** Why, for logs only; never sent to the client. */
  readonly detail?: string;
  /** A status AWS uses for this situation instead of the type's default (Lambda proxy failures are 502s). */
  readonly status?: number;
  /** `$context.error.validationErrorString` (request validation failures, rest/validate.ts). */
  readonly validationErrorString?: string;
  /**
   * The `x-amzn-ErrorType` AWS sends instead of the type's own, where one response type covers several exceptions
   * (an incomplete SigV4 header is INVALID_SIGNATURE's 403 with IncompleteSignatureException, auth/iam.ts).
   */
  readonly errorType?: string;

  constructor(
    type: ErrorResponseType,
    options: { message?: string; headers?: Record<string, string>; detail?: string; status?: number; cause?: unknown; validationErrorString?: string; errorType?: string } = {},
  ) {
    super(options.message ?? GATEWAY_RESPONSES[type].message, { cause: options.cause });
    this.name = "GatewayError";
    this.type = type;
    this.headers = options.headers ?? {};
    this.detail = options.detail;
    this.status = options.status;
    this.validationErrorString = options.validationErrorString;
    this.errorType = options.errorType;
  }
}
