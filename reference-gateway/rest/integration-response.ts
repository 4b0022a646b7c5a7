import { GatewayError } from "../errors/index.ts";
import { caseInsensitive, emptyOverrides, selectResponseTemplate } from "../templates/index.ts";
import type { HttpResponse, RoutedCall } from "./call.ts";
import type { CompiledIntegration } from "./compile.ts";
import type { ParameterScope } from "./parameters.ts";
import { withBody } from "./scope.ts";
import { findHeader } from "./request.ts";
import { isBinaryMediaType } from "./binary.ts";
import { convertResponsePayload } from "./content-handling.ts";

export interface BackendResult {
  /** What selection patterns are matched against: the status code (HTTP, MOCK) or the Lambda errorMessage. */
  selector: string;
  headers: Record<string, string[]>;
  body: Buffer;
  /** Whether the backend's payload is binary (its Content-Type is one of the API's binaryMediaTypes). */
  binary: boolean;
}

/**
 * Integration response → method response for non-proxy integrations (spec §1.10): the first response whose
 * pattern matches the whole selector, else the default; none → 500 API_CONFIGURATION_ERROR; a status with no
 * method response → 500. Then header mappings and the response template chosen by the request's Accept.
 */
export function integrationResponse(call: RoutedCall, compiled: CompiledIntegration, scope: ParameterScope, result: BackendResult): HttpResponse {
  const chosen = chooseResponse(compiled.responses, result.selector);
  if (!chosen) throw new GatewayError("API_CONFIGURATION_ERROR", { detail: `no integration response matches ${JSON.stringify(result.selector)}` });
  const statusCode = chosen.response.statusCode;
  if (!(statusCode in call.route.method.methodResponses)) {
    throw new GatewayError("API_CONFIGURATION_ERROR", { detail: `no method response for status ${statusCode}` });
  }

  const accept = findHeader(call.request.headerPairs, "accept");
  const payload = convertResponsePayload(result, chosen.response.contentHandling, isBinaryMediaType(call.api.binaryMediaTypes, accept));
  // Built when a header mapping or a template reads it (not for a constant template without mappings).
  let built: ParameterScope | undefined;
  const headers: Array<[string, string]> = [];
  for (const [name, source] of chosen.headers) {
    const value = source((built ??= responseScope(scope, payload, result)));
    if (value !== undefined) headers.push([name, value]);
  }
  // Templates see text only; a binary payload passes through.
  const selected = payload.binary ? undefined : selectResponseTemplate(chosen.templates, accept);
  if (findHeader(headers, "content-type") === undefined) {
    const contentType = selected?.contentType ?? caseInsensitive(result.headers, "content-type")?.at(-1) ?? "application/json";
    headers.unshift(["Content-Type", contentType]);
  }
  if (!selected) return { status: Number(statusCode), headers, body: payload.body };
  if (selected.template.constant !== undefined) return { status: Number(statusCode), headers, body: selected.template.constant };

  const overrides = emptyOverrides();
  const body = selected.template({ ...(built ?? responseScope(scope, payload, result)), overrides });
  // `$context.responseOverride.*` replaces the status and headers the mappings produced.
  for (const [name, value] of Object.entries(overrides.response.header)) {
    const lower = name.toLowerCase();
    const kept = headers.filter(([existing]) => existing.toLowerCase() !== lower);
    headers.splice(0, headers.length, ...kept, [name, value]);
  }
  return { status: overrides.response.status ?? Number(statusCode), headers, body };
}

/** The first response whose pattern matches the whole selector, else the default (no pattern). */
function chooseResponse(responses: CompiledIntegration["responses"], selector: string): CompiledIntegration["responses"][number] | undefined {
  let fallback: CompiledIntegration["responses"][number] | undefined;
  for (const candidate of responses) {
    if (candidate.pattern === undefined) fallback ??= candidate;
    else if (candidate.pattern.test(selector)) return candidate;
  }
  return fallback;
}

/** `$input.body` is the integration's payload as text (empty when binary), `$integration.response` its answer. */
function responseScope(scope: ParameterScope, payload: { body: Buffer; binary: boolean }, result: BackendResult): ParameterScope {
  const text = payload.binary ? "" : payload.body.toString("utf8");
  return withBody(scope, text, { integrationResponse: { headers: result.headers, body: text } });
}
