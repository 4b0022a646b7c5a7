import { GatewayError } from "../errors/index.ts";
import type { HttpResponse } from "../rest/call.ts";

/**
 * HTTP APIs answer their own errors with a fixed JSON body and no x-amzn-ErrorType, and cannot customise them
 * (HTTP APIs have no gateway responses). Statuses and bodies (spec §2.3):
 *   400 {"message":"Bad Request"}            a path HTTP APIs cannot decode (request.ts eventPath; the status is
 *                                            captured, the body is this catalogue's shape with the status's reason)
 *   404 {"message":"Not Found"}              no stage or no route (http-api-develop-routes.md)
 *   401 {"message":"Unauthorized"}           authorizer refused (http-api-troubleshooting-jwt.md)
 *   403 {"message":"Forbidden"}              authorizer denied
 *   500 {"message":"Internal Server Error"}  Lambda error or unusable answer (http-api-troubleshooting-lambda.md)
 *   503 {"message":"Service Unavailable"}    integration past its timeout (30 s at most): "API Gateway has a hard
 *                                            limit of 30 seconds … 503 code … 'Service Unavailable'" (anomalyco/sst#2232),
 *                                            sent without Content-Type: a captured HTTP API timeout has only date,
 *                                            content-length and apigw-requestid headers (cortexlabs/cortex#1225)
 * The others go out as application/json.
 */
export class HttpApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Array<[string, string]> = [],
    /** For logs only. */
    readonly detail?: string,
    /** null: no Content-Type header. */
    readonly contentType: string | null = "application/json",
  ) {
    super(message);
    this.name = "HttpApiError";
  }
}

export const badRequest = (detail: string) => new HttpApiError(400, "Bad Request", [], detail);
export const notFound = () => new HttpApiError(404, "Not Found");
export const unauthorized = (detail: string, headers: Array<[string, string]> = []) => new HttpApiError(401, "Unauthorized", headers, detail);
export const forbidden = (detail: string) => new HttpApiError(403, "Forbidden", [], detail);
export const internalError = (detail: string) => new HttpApiError(500, "Internal Server Error", [], detail);
export const serviceUnavailable = (detail: string) => new HttpApiError(503, "Service Unavailable", [], detail, null);

/** What the shared integration helpers throw (GatewayError) in HTTP API terms. */
export function asHttpApiError(error: unknown): HttpApiError | undefined {
  if (error instanceof HttpApiError) return error;
  if (!(error instanceof GatewayError)) return undefined;
  if (error.type === "INTEGRATION_TIMEOUT") return serviceUnavailable(error.detail ?? error.message);
  return internalError(error.detail ?? error.message);
}

export function render(error: HttpApiError): HttpResponse {
  const typed: Array<[string, string]> = error.contentType === null ? [] : [["Content-Type", error.contentType]];
  return { status: error.status, headers: [...typed, ...error.headers], body: JSON.stringify({ message: error.message }) };
}

/** The last-resort answer of the HTTP API server (rest/server.ts createGatewayServer). */
export const INTERNAL_ERROR_RESPONSE: HttpResponse = render(internalError("unexpected"));
