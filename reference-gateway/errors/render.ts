import type { GatewayResponseConfig, GatewayResponseType } from "../model/index.ts";
import { compileSubstitution, selectResponseTemplate, type CompiledTemplate, type TemplateScope } from "../templates/index.ts";
import { GATEWAY_RESPONSES, type ErrorResponseType } from "./catalogue.ts";
import type { GatewayError } from "./gateway-error.ts";
import { compileParameterSource, type ParameterSource } from "../rest/parameters.ts";

export interface CompiledGatewayResponse {
  statusCode?: number;
  headers: Array<[string, ParameterSource]>;
  templates: Record<string, CompiledTemplate>;
}

export type CompiledGatewayResponses = Partial<Record<GatewayResponseType, CompiledGatewayResponse>>;

/** Each type's built-in body (catalogue.ts), compiled once. */
const BUILTIN_TEMPLATES = new Map<ErrorResponseType, CompiledTemplate>(
  (Object.entries(GATEWAY_RESPONSES) as Array<[ErrorResponseType, { body: string }]>).map(([type, entry]) => [type, compileSubstitution(entry.body)]),
);

const HEADER_TARGET = "gatewayresponse.header.";

export function compileGatewayResponses(config: Partial<Record<GatewayResponseType, GatewayResponseConfig>>): CompiledGatewayResponses {
  const compiled: CompiledGatewayResponses = {};
  for (const [type, response] of Object.entries(config) as Array<[GatewayResponseType, GatewayResponseConfig]>) {
    compiled[type] = {
      statusCode: response.statusCode === undefined ? undefined : Number(response.statusCode),
      // Only header targets reach the client: the doc lets a target name a path or querystring too
      // (x-amazon-apigateway-gateway-responses.responseParameters: "param-position can be header, path, or
      // querystring"), but an HTTP response carries neither.
      // Every source is still compiled, so a bad expression fails at load whatever its target.
      headers: Object.entries(response.responseParameters).flatMap(([target, source]): Array<[string, ParameterSource]> => {
        const compiledSource = compileParameterSource(source, "gateway-response");
        return target.startsWith(HEADER_TARGET) ? [[target.slice(HEADER_TARGET.length), compiledSource]] : [];
      }),
      templates: Object.fromEntries(
        Object.entries(response.responseTemplates).map(([type, text]) => [type, compileSubstitution(text)]),
      ),
    };
  }
  return compiled;
}

export interface RenderedResponse {
  status: number;
  headers: Array<[string, string]>;
  body: string;
}

/**
 * Renders a GatewayError as AWS does: the type's own customisation, field by field falling back to DEFAULT_4XX /
 * DEFAULT_5XX, then to the built-in default (spec §2.1). REQUEST_TOO_LARGE cannot be customised on AWS.
 * `scope.context.error` must already hold message/messageString/responseType (see errorContext).
 */
export function renderGatewayResponse(error: GatewayError, responses: CompiledGatewayResponses, scope: TemplateScope, accept: string | undefined): RenderedResponse {
  const builtin = GATEWAY_RESPONSES[error.type];
  const own = builtin.customisable ? responses[error.type] : undefined;
  const fallback = builtin.customisable ? responses[builtin.fallback] : undefined;

  const status = own?.statusCode ?? fallback?.statusCode ?? error.status ?? builtin.status;
  const templates = own && Object.keys(own.templates).length > 0 ? own.templates : (fallback?.templates ?? {});
  const selected = selectResponseTemplate(templates, accept);
  const template = selected?.template ?? BUILTIN_TEMPLATES.get(error.type)!;
  const contentType = selected?.contentType ?? "application/json";

  const headers = new Map<string, [string, string]>();
  const set = (name: string, value: string) => headers.set(name.toLowerCase(), [name, value]);
  set("Content-Type", contentType);
  for (const [name, value] of Object.entries(error.headers)) set(name, value);
  for (const [name, source] of [...(fallback?.headers ?? []), ...(own?.headers ?? [])]) {
    const value = source(scope);
    if (value !== undefined) set(name, value);
  }
  set("x-amzn-ErrorType", error.errorType ?? builtin.errorType);
  return { status, headers: [...headers.values()], body: template(scope) };
}

/** `$context.error.*` for a failure (mapping-template reference: messageString is the quoted message). */
export function errorContext(type: ErrorResponseType, message: string, validationErrorString = ""): Record<string, string> {
  return { message, messageString: JSON.stringify(message), responseType: type, validationErrorString };
}
