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
  /**
   * Output sink for `$context.requestOverride.*` / `$context.responseOverride.*` (apigateway-override-request-response-
   * parameters.md). When present, the VTL engine fills it after the whole template rendered; list values arrive
   * comma-joined. Engines that do not understand overrides leave it untouched.
   */
  overrides?: TemplateOverrides;
}

export interface TemplateOverrides {
  request: { header: Record<string, string>; path: Record<string, string>; querystring: Record<string, string> };
  response: { status?: number; header: Record<string, string> };
}

/** A fresh, empty overrides sink (null-prototype maps: client-chosen names are plain keys). */
export function emptyOverrides(): TemplateOverrides {
  const map = (): Record<string, string> => Object.create(null) as Record<string, string>;
  return { request: { header: map(), path: map(), querystring: map() }, response: { header: map() } };
}

/**
 * A template ready to render. `constant`: the engine found no directive or reference, so every render gives this
 * text and sets no override; callers may use it without building a scope.
 */
export type CompiledTemplate = ((scope: TemplateScope) => string) & { readonly constant?: string };

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

/**
 * A template failed while rendering (per request): API Gateway answers 5XX, except `kind: "invalid-json"`, where the
 * body could not be parsed as JSON for `$input.json`/`$input.path` (a 400 "Could not parse request body into json" on AWS).
 */
export class TemplateRenderError extends Error {
  readonly kind: "invalid-json" | "override-conflict" | "limit" | "refused" | "error";
  constructor(reason: string, kind: TemplateRenderError["kind"] = "error") {
    super(reason);
    this.name = "TemplateRenderError";
    this.kind = kind;
  }
}

/** `$input.params(name)` searches path, then query string, then header (mapping-template reference). */
export function inputParam(scope: TemplateScope, name: string): string | undefined {
  const { path, querystring, header } = scope.input.params;
  if (Object.prototype.hasOwnProperty.call(path, name)) return path[name];
  if (Object.prototype.hasOwnProperty.call(querystring, name)) return querystring[name];
  return caseInsensitive(header, name);
}
