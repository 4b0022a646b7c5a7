import { GatewayError } from "../errors/index.ts";
import { selectRequestTemplate } from "../templates/index.ts";
import type { CompiledIntegration } from "./compile.ts";
import type { ParameterScope } from "./parameters.ts";
import { findHeader } from "./request.ts";
import type { RoutedCall } from "./call.ts";

export interface IntegrationRequest {
  /** `integration.request.path.*`, `.querystring.*`, `.header.*` after parameter mapping. */
  path: Record<string, string>;
  querystring: Record<string, string>;
  header: Record<string, string>;
  /** The mapped (or passed-through) body. */
  body: Buffer;
}

/**
 * Integration request for non-proxy integrations: parameter mapping, then template selection by Content-Type
 * with the passthrough rules of integration-passthrough-behaviors.md (spec §1.8):
 * WHEN_NO_MATCH passes through whenever no template matches; WHEN_NO_TEMPLATES only when none is defined;
 * NEVER answers 415 whenever nothing matches.
 */
export function integrationRequest(call: RoutedCall, compiled: CompiledIntegration, scope: ParameterScope): IntegrationRequest {
  const mapped: IntegrationRequest = { path: {}, querystring: {}, header: {}, body: call.request.body };
  for (const { location, name, source } of compiled.requestParameters) {
    const value = source(scope);
    if (value !== undefined) mapped[location][name] = value;
  }
  const template = selectRequestTemplate(compiled.requestTemplates, findHeader(call.request.headerPairs, "content-type"));
  if (template) {
    mapped.body = Buffer.from(template(scope), "utf8");
    return mapped;
  }
  const behavior = compiled.integration.passthroughBehavior;
  const anyTemplate = Object.keys(compiled.requestTemplates).length > 0;
  if (behavior === "NEVER" || (behavior === "WHEN_NO_TEMPLATES" && anyTemplate)) throw new GatewayError("UNSUPPORTED_MEDIA_TYPE");
  return mapped;
}
