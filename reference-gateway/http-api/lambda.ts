import type { LambdaRuntime } from "../lambda/index.ts";
import type { HttpLambdaIntegration } from "../model/http-api.ts";
import type { FunctionDirectory } from "../integrations/lambda-target.ts";
import { withIntegrationTimeout } from "../integrations/timeout.ts";
import type { HttpResponse } from "../rest/call.ts";
import type { GatewayIdentity } from "../rest/context-variables.ts";
import type { HttpCall } from "./call.ts";
import { internalError } from "./errors.ts";
import { eventV1, eventV2 } from "./event.ts";
import { functionHeaderValue, payloadV1Headers } from "../rest/sendable.ts";

export interface LambdaDeps {
  lambda: LambdaRuntime;
  functions: FunctionDirectory;
  gateway: GatewayIdentity;
}

/** AWS_PROXY for HTTP APIs: the event in the integration's payload format, the answer read the same way. */
export async function invokeLambda(call: HttpCall, integration: HttpLambdaIntegration, deps: LambdaDeps): Promise<HttpResponse> {
  let functionId: string;
  try {
    functionId = deps.functions.resolve(integration, call.stage.variables);
  } catch (error) {
    throw internalError(`integration function: ${String(error)}`);
  }
  const event = integration.payloadFormatVersion === "2.0" ? eventV2(call, deps.gateway) : eventV1(call, deps.gateway);
  const result = await withIntegrationTimeout(integration.timeoutInMillis, () => deps.lambda.invoke(functionId, event, { requestId: call.requestId }));
  // A function error, crash or the function's own timeout: 500 {"message":"Internal Server Error"} (spec §6.2, http-api-troubleshooting-lambda.md).
  if (!result.ok) throw internalError(`Lambda ${result.kind}: ${result.error.errorType}: ${result.error.errorMessage}`);
  return integration.payloadFormatVersion === "2.0" ? responseV2(result.payload) : responseV1(result.payload);
}

function malformed(reason: string) {
  return internalError(`Malformed Lambda proxy response: ${reason}`);
}

function headerValue(value: unknown, name: string): string {
  const checked = functionHeaderValue(name, value);
  if ("malformed" in checked) throw malformed(checked.malformed);
  return checked.value;
}

function status(raw: unknown): number {
  const n = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 200 || n > 599) throw malformed("statusCode is not a final HTTP status");
  return n;
}

function body(result: Record<string, unknown>): Buffer | string {
  if (result.body !== undefined && result.body !== null && typeof result.body !== "string") throw malformed("body is not a string");
  if (result.isBase64Encoded !== undefined && result.isBase64Encoded !== null && typeof result.isBase64Encoded !== "boolean") throw malformed("isBase64Encoded is not a boolean");
  const text = (result.body as string | undefined | null) ?? "";
  // HTTP APIs have no binary media types: isBase64Encoded always means "decode the body".
  return result.isBase64Encoded === true ? Buffer.from(text, "base64") : text;
}

/**
 * Payload 2.0 answers (spec §6.3, http-api-develop-integrations-lambda.md "Lambda function response format"):
 * - an object with `statusCode` is a structured response: headers (values string/number/boolean), `cookies` (each
 *   its own set-cookie header), body, isBase64Encoded;
 * - anything else that is valid JSON is inferred: 200, `content-type: application/json`, the JSON as body (a JSON
 *   string is the body itself: `"Hello from Lambda!"` → `Hello from Lambda!`).
 * A structured response without content-type goes out as `text/plain; charset=utf-8`, as HTTP APIs answer
 * (rackspace/sailplane#138 observed text/plain on HTTP API results that set none).
 */
export function responseV2(payload: unknown): HttpResponse {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload) || !("statusCode" in payload)) {
    return { status: 200, headers: [["Content-Type", "application/json"]], body: typeof payload === "string" ? payload : JSON.stringify(payload) };
  }
  const result = payload as Record<string, unknown>;
  const code = status(result.statusCode);
  const headers: Array<[string, string]> = [];
  if (result.headers !== undefined && result.headers !== null) {
    if (typeof result.headers !== "object" || Array.isArray(result.headers)) throw malformed("headers is not an object");
    for (const [name, value] of Object.entries(result.headers)) headers.push([name, headerValue(value, name)]);
  }
  if (result.cookies !== undefined && result.cookies !== null) {
    if (!Array.isArray(result.cookies)) throw malformed("cookies is not a list");
    for (const cookie of result.cookies) headers.push(["set-cookie", headerValue(cookie, "set-cookie")]);
  }
  if (!headers.some(([name]) => name.toLowerCase() === "content-type")) headers.unshift(["Content-Type", "text/plain; charset=utf-8"]);
  return { status: code, headers: withoutFraming(headers), body: body(result) };
}

/**
 * Payload 1.0 answers: validated as for REST Lambda proxy (spec §6.2), failures being HTTP API 500s, with two
 * differences the SAM CLI team found on HTTP APIs (aws/aws-sam-cli#2941, samcli/local/apigw/local_apigw_service.py):
 * "HTTP API Gateway just skip the non allowed lambda response fields" where REST fails on them, and a missing
 * `statusCode` is an error where REST defaults it to 200. Headers and multiValueHeaders merge as payloadV1Headers
 * says, and unlike REST a pair given in both is sent twice.
 */
export function responseV1(payload: unknown): HttpResponse {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) throw malformed("not a JSON object");
  const result = payload as Record<string, unknown>;
  if (result.statusCode === undefined || result.statusCode === null) throw malformed("no statusCode");
  const code = status(result.statusCode);
  const headers = payloadV1Headers(result, "twice", malformed);
  const out = [...headers.values()].flat();
  if (!headers.has("content-type")) out.unshift(["Content-Type", "application/json"]);
  return { status: code, headers: withoutFraming(out), body: body(result) };
}

const FRAMING = new Set(["content-length", "transfer-encoding", "connection", "keep-alive", "trailer", "upgrade"]);

function withoutFraming(headers: Array<[string, string]>): Array<[string, string]> {
  return headers.filter(([name]) => !FRAMING.has(name.toLowerCase()));
}
