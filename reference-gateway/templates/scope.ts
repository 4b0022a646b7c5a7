import { caseInsensitive } from "./values.ts";

/**
 * What a mapping or gateway-response template can see: exactly the variables API Gateway exposes.
 * The VTL engine (reference-gateway/vtl) renders against the same scope.
 */
export interface TemplateScope {
  /** `$context`: nested plain values (see rest/context-variables.ts). */
  context: Record<string, unknown>;
  stageVariables: Record<string, string>;
  input: {
    /** Raw request (or integration response) body as text. */
    body: string;
    /** Method request parameters by location, as `$input.params()` returns them. */
    params: { path: Record<string, string>; querystring: Record<string, string>; header: Record<string, string> };
  };
}

export type CompiledTemplate = (scope: TemplateScope) => string;

/** Compiles template text once, at load; the result renders per request. Throws TemplateCompileError when it cannot. */
export interface TemplateEngine {
  compile(text: string): CompiledTemplate;
}

export class TemplateCompileError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "TemplateCompileError";
  }
}

/** `$input.params(name)` searches path, then query string, then header (mapping-template reference). */
export function inputParam(scope: TemplateScope, name: string): string | undefined {
  const { path, querystring, header } = scope.input.params;
  if (Object.prototype.hasOwnProperty.call(path, name)) return path[name];
  if (Object.prototype.hasOwnProperty.call(querystring, name)) return querystring[name];
  return caseInsensitive(header, name);
}
