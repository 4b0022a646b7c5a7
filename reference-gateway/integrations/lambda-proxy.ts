import { randomUUID } from "node:crypto";
import { GatewayError } from "../errors/index.ts";
import type { LambdaRuntime } from "../lambda/index.ts";
import { isBinaryMediaType } from "../rest/binary.ts";
import type { HttpResponse, RoutedCall } from "../rest/call.ts";
import type { CompiledIntegration } from "../rest/compile.ts";
import { findHeader, headerMaps } from "../rest/request.ts";
import { forwardedHeaderPairs } from "../rest/forwarded.ts";
import type { FunctionDirectory } from "./lambda-target.ts";
import { passedOnHeaders } from "./response-headers.ts";
import { integrationRequestHeaders } from "./header-rules.ts";
import { withIntegrationTimeout } from "./timeout.ts";
import { payloadV1Headers } from "../rest/sendable.ts";

const nullIfEmpty = <T extends object>(map: T): T | null => (Object.keys(map).length === 0 ? null : map);

/**
 * The payload 1.0 event, key for key as API Gateway builds it for a REST API (set-up-lambda-proxy-integrations.md):
 * empty maps are null, `path` is the raw path after the stage (leading empty segments dropped, as captured from AWS),
 * requestContext.path is the raw path including the stage.
 */
export function proxyEvent(call: RoutedCall, requestContext: Record<string, unknown>): Record<string, unknown> {
  const binary = isBinaryMediaType(call.api.binaryMediaTypes, findHeader(call.request.headerPairs, "content-type"));
  const body = call.request.body.length === 0 ? null : call.request.body.toString(binary ? "base64" : "utf8");
  const stagePrefix = `/${call.stage.name}`;
  const headers = headerMaps(integrationRequestHeaders("lambda", forwardedHeaderPairs(call)));
  return {
    resource: call.route.resource.path,
    path: "/" + call.request.rawPath.slice(stagePrefix.length).replace(/^\/+/, ""),
    httpMethod: call.request.method,
    headers: nullIfEmpty(headers.single),
    multiValueHeaders: nullIfEmpty(headers.multi),
    queryStringParameters: nullIfEmpty(call.query.single),
    multiValueQueryStringParameters: nullIfEmpty(call.query.multi),
    pathParameters: nullIfEmpty(call.route.pathParameters),
    stageVariables: nullIfEmpty(call.stage.variables),
    requestContext,
    body,
    isBase64Encoded: binary && body !== null,
  };
}

export async function invokeLambdaProxy(
  call: RoutedCall,
  compiled: CompiledIntegration,
  requestContext: Record<string, unknown>,
  lambda: LambdaRuntime,
  functions: FunctionDirectory,
): Promise<HttpResponse> {
  const functionId = functions.resolve(compiled.integration, call.stage.variables);
  const event = proxyEvent(call, requestContext);
  const result = await withIntegrationTimeout(compiled.integration.timeoutInMillis, () => lambda.invoke(functionId, event, { requestId: randomUUID() }));
  if (!result.ok) {
    const detail = `Lambda ${result.kind}: ${result.error.errorType}: ${result.error.errorMessage}`;
    // An event over Lambda's 6 MB Invoke limit (a request body under API Gateway's 10 MB): captured on a REST API as
    // 413 {"message": "Request Too Long"}, x-amzn-ErrorType BadRequestException (koki-develop/lgtm-generator#10).
    if (result.error.errorType === "RequestEntityTooLargeException") throw new GatewayError("REQUEST_TOO_LARGE", { detail });
    throw new GatewayError("INTEGRATION_FAILURE", { status: 502, message: "Internal server error", detail });
  }
  return proxyResponse(result.payload, call);
}

const ALLOWED_KEYS = new Set(["statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"]);

function malformed(reason: string): GatewayError {
  return new GatewayError("INTEGRATION_FAILURE", { status: 502, message: "Internal server error", detail: `Malformed Lambda proxy response: ${reason}` });
}

/**
 * Validates the function's answer as API Gateway does (spec §6.2, LocalStack's AWS-validated tests): an object with
 * only the five known keys, none required (`{}` is an empty 200); status a number or numeric string; header values
 * strings, numbers or booleans; lists in multiValueHeaders; a string body. Anything else is the 502
 * "Internal server error" AWS logs as "Malformed Lambda proxy response".
 * Headers and multiValueHeaders merge as payloadV1Headers says, a pair given in both sent once (observed on REST
 * APIs: aws/aws-sam-cli#1166, Content-Type=application/json,text/html and X-Foo=foo,bar from a console test).
 */
export function proxyResponse(payload: unknown, call: RoutedCall): HttpResponse {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) throw malformed("not a JSON object");
  const result = payload as Record<string, unknown>;
  for (const key of Object.keys(result)) if (!ALLOWED_KEYS.has(key)) throw malformed(`unknown key ${key}`);

  const rawStatus = result.statusCode ?? 200;
  const status = typeof rawStatus === "string" && /^\d+$/.test(rawStatus) ? Number(rawStatus) : rawStatus;
  // 1xx statuses are interim responses in HTTP/1.1, never a final answer.
  if (typeof status !== "number" || !Number.isInteger(status) || status < 200 || status > 599) throw malformed("statusCode is not a final HTTP status");

  const headers = payloadV1Headers(result, "once", malformed);

  if (result.body !== undefined && result.body !== null && typeof result.body !== "string") throw malformed("body is not a string");
  if (result.isBase64Encoded !== undefined && result.isBase64Encoded !== null && typeof result.isBase64Encoded !== "boolean") throw malformed("isBase64Encoded is not a boolean");
  const text = (result.body as string | undefined | null) ?? "";
  const decode = result.isBase64Encoded === true && isBinaryMediaType(call.api.binaryMediaTypes, findHeader(call.request.headerPairs, "accept"));
  const body = decode ? Buffer.from(text, "base64") : text;

  // A loop, not [...values].flat(): flat() alone was ~1 µs of the gateway's CPU per request on the bench route.
  const answered: Array<[string, string]> = headers.has("content-type") ? [] : [["Content-Type", "application/json"]];
  for (const pairs of headers.values()) for (const pair of pairs) answered.push(pair);
  return { status, headers: passedOnHeaders(answered), body };
}
