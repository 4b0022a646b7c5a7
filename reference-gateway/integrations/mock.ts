import { GatewayError } from "../errors/index.ts";
import type { HttpResponse, RoutedCall } from "../rest/call.ts";
import type { CompiledIntegration } from "../rest/compile.ts";
import { integrationRequest, isConstantBody } from "../rest/integration-request.ts";
import { integrationResponse } from "../rest/integration-response.ts";
import type { ParameterScope } from "../rest/parameters.ts";

/** MOCK has no backend payload: one shared empty body (integration responses read it, never write it). */
const NO_PAYLOAD = Buffer.alloc(0);

/** The status read from each constant request template's body (the usual MOCK case), so it is decoded and parsed once. */
const constantStatuses = new WeakMap<Buffer, string>();

/**
 * MOCK: the mapped request body names the integration status (how-to-mock-integration.md: `{"statusCode": 200}`).
 * AWS also accepts the JavaScript-ish `{statusCode: 200}` the console has long generated, so the status is read
 * leniently; an unreadable one is a configuration error (thrown). No request body (no template) means 200. Synchronous:
 * a MOCK has nothing to wait for, and the lifecycle serves it without a promise.
 */
export function invokeMock(call: RoutedCall, compiled: CompiledIntegration, scope: ParameterScope): HttpResponse {
  const body = integrationRequest(call, compiled, scope).body;
  let status = constantStatuses.get(body);
  if (status === undefined) {
    const text = body.toString("utf8");
    status = text.trim() === "" ? "200" : mockStatus(text);
    if (status === undefined) throw new GatewayError("API_CONFIGURATION_ERROR", { detail: `MOCK request template gave no statusCode: ${text.slice(0, 200)}` });
    if (isConstantBody(body)) constantStatuses.set(body, status);
  }
  return integrationResponse(call, compiled, scope, { selector: status, headers: {}, body: NO_PAYLOAD, binary: false });
}

function mockStatus(text: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && "statusCode" in parsed) {
      const status = (parsed as { statusCode: unknown }).statusCode;
      if (typeof status === "number" || (typeof status === "string" && /^\d{3}$/.test(status))) return String(status);
    }
  } catch {
    // not JSON: fall through to the lenient form
  }
  return /["']?statusCode["']?\s*:\s*["']?(\d{3})\b/.exec(text)?.[1];
}
