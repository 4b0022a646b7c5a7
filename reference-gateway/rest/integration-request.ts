import { GatewayError } from "../errors/index.ts";
import { emptyOverrides, selectRequestTemplate, type CompiledTemplate } from "../templates/index.ts";
import type { CompiledIntegration } from "./compile.ts";
import type { ParameterScope } from "./parameters.ts";
import { withBody } from "./scope.ts";
import { findHeader } from "./request.ts";
import { isBinaryMediaType } from "./binary.ts";
import { convertRequestPayload } from "./content-handling.ts";
import type { RoutedCall } from "./call.ts";

export interface IntegrationRequest {
  /** `integration.request.path.*`, `.querystring.*`, `.header.*` after parameter mapping. */
  path: Record<string, string>;
  querystring: Record<string, string>;
  header: Record<string, string>;
  /** The mapped (or passed-through) body. */
  body: Buffer;
}

/** `integration.request.*` parameter mappings, written over what `mapped` already holds. */
export function applyRequestParameters(compiled: CompiledIntegration, scope: ParameterScope, mapped: IntegrationRequest): void {
  for (const { location, name, source } of compiled.requestParameters) {
    const value = source(scope);
    if (value !== undefined) mapped[location][name] = value;
  }
}

/** `${stageVariables.x}` in an integration URI or function name (aws-api-gateway-stage-variables-reference.md). */
export function substituteStageVariables(text: string, stageVariables: Record<string, string>): string {
  return text.replace(/\$\{stageVariables\.([A-Za-z0-9_]+)\}/g, (_, name: string) => stageVariables[name] ?? "");
}

/** A constant template's bytes, encoded once (integration request bodies are read, never written to). */
const constantBodies = new WeakMap<CompiledTemplate, Buffer>();
/** The same bytes, for integrations that derive something from a body once per constant template. */
const constantBodySet = new WeakSet<Buffer>();

function constantBody(template: CompiledTemplate, text: string): Buffer {
  let body = constantBodies.get(template);
  if (body === undefined) {
    constantBodies.set(template, (body = Buffer.from(text, "utf8")));
    constantBodySet.add(body);
  }
  return body;
}

/** Whether a mapped body is a constant template's (the same Buffer every request), so what is read from it may be kept. */
export function isConstantBody(body: Buffer): boolean {
  return constantBodySet.has(body);
}

/**
 * Integration request for non-proxy integrations: parameter mapping, then template selection by Content-Type
 * with the passthrough rules of integration-passthrough-behaviors.md (spec §1.8):
 * WHEN_NO_MATCH passes through whenever no template matches; WHEN_NO_TEMPLATES only when none is defined;
 * NEVER answers 415 whenever nothing matches.
 */
export function integrationRequest(call: RoutedCall, compiled: CompiledIntegration, scope: ParameterScope): IntegrationRequest {
  const contentType = findHeader(call.request.headerPairs, "content-type");
  const payload = convertRequestPayload(
    { body: call.request.body, binary: isBinaryMediaType(call.api.binaryMediaTypes, contentType) },
    compiled.integration.contentHandling,
  );
  const mapped: IntegrationRequest = { path: {}, querystring: {}, header: {}, body: payload.body };
  applyRequestParameters(compiled, scope, mapped);
  // Templates see text only; a binary payload can only pass through.
  const template = payload.binary ? undefined : selectRequestTemplate(compiled.requestTemplates, contentType);
  if (template?.constant !== undefined) {
    mapped.body = constantBody(template, template.constant);
    return mapped;
  }
  if (template) {
    const text = payload.body.toString("utf8");
    const overrides = emptyOverrides();
    mapped.body = Buffer.from(template(withBody(scope, text, { overrides })), "utf8");
    // `$context.requestOverride.*` wins over parameter mappings (apigateway-override-request-response-parameters.md).
    Object.assign(mapped.header, overrides.request.header);
    Object.assign(mapped.path, overrides.request.path);
    Object.assign(mapped.querystring, overrides.request.querystring);
    return mapped;
  }
  const behavior = compiled.integration.passthroughBehavior;
  const anyTemplate = Object.keys(compiled.requestTemplates).length > 0;
  if (behavior === "NEVER" || (behavior === "WHEN_NO_TEMPLATES" && anyTemplate)) throw new GatewayError("UNSUPPORTED_MEDIA_TYPE");
  return mapped;
}
