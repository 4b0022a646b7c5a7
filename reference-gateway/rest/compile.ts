import type { GatewayModel, Integration, IntegrationResponse, Method, Resource, RestApi } from "../model/index.ts";
import { indexApiKeys, type ApiKeyIndex } from "../auth/api-key.ts";
import { LoadError } from "../load/errors.ts";
import { compileGatewayResponses, type CompiledGatewayResponses } from "../errors/index.ts";
import { TemplateCompileError, type CompiledTemplate, type TemplateEngine } from "../templates/index.ts";
import { compileParameterSource, type ParameterSource } from "./parameters.ts";
import { Router } from "./router.ts";
import { stageSides, type StageSides } from "./canary.ts";
import { compileValidation, createModelValidator, type CompiledValidation } from "./validate.ts";
import { compileCachePlan, type CachePlan } from "../cache/plan.ts";
import { compileAccessLogFormat, type CompiledAccessLog } from "../observe/access-log.ts";

export interface CompiledIntegrationResponse {
  /** Java `Pattern` semantics: the whole status code / error message must match. Undefined = the default response. */
  pattern?: RegExp;
  response: IntegrationResponse;
  headers: Array<[string, ParameterSource]>;
  templates: Record<string, CompiledTemplate>;
}

export interface CompiledIntegration {
  integration: Integration;
  requestTemplates: Record<string, CompiledTemplate>;
  requestParameters: Array<{ location: "path" | "querystring" | "header"; name: string; source: ParameterSource }>;
  responses: CompiledIntegrationResponse[];
}

/** Everything about a REST API that can be prepared before the first request: routes, templates, regexes, mappings. */
export interface CompiledRestApi {
  api: RestApi;
  router: Router;
  /** Stage name → the stage and, when it has one, its canary side. */
  stages: Map<string, StageSides>;
  gatewayResponses: CompiledGatewayResponses;
  integrations: Map<Method, CompiledIntegration>;
  /** Request validation per method (validate.ts); absent when the method validates nothing. */
  validations: Map<Method, CompiledValidation>;
  /** The API keys valid on this API, by value, with their usage plan per stage (auth/api-key.ts). */
  apiKeys: ApiKeyIndex;
  /** Response cache: stages with a cache cluster and every method's cache key parameters (cache/plan.ts). */
  cache: CachePlan;
  /** Stage name → its compiled `AccessLogSetting.Format` (observe/access-log.ts); absent = no access log. */
  accessLogs: Map<string, CompiledAccessLog>;
}

/** `keys`: the model's API keys and usage plans, which live beside the APIs rather than in them. */
export async function compileRestApi(api: RestApi, engine: TemplateEngine, keys: Pick<GatewayModel, "apiKeys" | "usagePlans">): Promise<CompiledRestApi> {
  const integrations = new Map<Method, CompiledIntegration>();
  const validations = new Map<Method, CompiledValidation>();
  const model = await createModelValidator(api);
  const visit = (resource: Resource) => {
    for (const method of Object.values(resource.methods)) {
      integrations.set(method, compileIntegration(method, engine));
      const validation = compileValidation(method, model);
      if (validation) validations.set(method, validation);
    }
    resource.children.forEach(visit);
  };
  visit(api.root);
  return {
    api,
    router: new Router(api.root),
    stages: new Map(api.stages.map((stage) => [stage.name, stageSides(stage)])),
    gatewayResponses: guard(api.location.file, `${api.location.path} (gateway responses)`, () => compileGatewayResponses(api.gatewayResponses)),
    integrations,
    validations,
    apiKeys: indexApiKeys(api, keys),
    cache: compileCachePlan(api),
    accessLogs: new Map(api.stages.flatMap((stage) => (stage.accessLog ? [[stage.name, compileAccessLogFormat(stage.accessLog.format)] as const] : []))),
  };
}

function guard<T>(file: string, jsonPath: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof TemplateCompileError || error instanceof SyntaxError) throw new LoadError(file, jsonPath, error.message);
    throw error;
  }
}

function compileTemplates(templates: Record<string, string>, engine: TemplateEngine, file: string, at: string): Record<string, CompiledTemplate> {
  return Object.fromEntries(
    Object.entries(templates).map(([type, text]) => [type, guard(file, `${at}['${type}']`, () => engine.compile(text))]),
  );
}

function compileIntegration(method: Method, engine: TemplateEngine): CompiledIntegration {
  const { integration, location } = method;
  const at = `${location.path} (integration)`;
  const requestParameters = Object.entries(integration.requestParameters).map(([target, expression]) => {
    const match = /^integration\.request\.(path|querystring|header)\.([a-zA-Z0-9._$-]+)$/.exec(target);
    if (!match) throw new LoadError(location.file, `${at}.requestParameters`, `invalid mapping target ${JSON.stringify(target)}`);
    const source = guard(location.file, `${at}.requestParameters['${target}']`, () => compileParameterSource(expression, "integration-request"));
    return { location: match[1] as "path" | "querystring" | "header", name: match[2]!, source };
  });
  const responses = integration.integrationResponses.map((response, index) => {
    const where = `${at}.responses[${index}]`;
    // IntegrationResponse.statusCode must match [1-5]\d\d (API reference); a 1xx is never a final answer.
    if (!/^[2-5]\d\d$/.test(response.statusCode)) {
      throw new LoadError(location.file, `${where}.statusCode`, `status ${JSON.stringify(response.statusCode)} is not a final HTTP status (200-599)`);
    }
    return {
      pattern:
        response.selectionPattern === undefined ? undefined : guard(location.file, `${where}.selectionPattern`, () => new RegExp(`^(?:${response.selectionPattern})$`)),
      response,
      headers: Object.entries(response.responseParameters).map(([target, expression]): [string, ParameterSource] => {
        const match = /^method\.response\.header\.([a-zA-Z0-9._$-]+)$/.exec(target);
        if (!match) throw new LoadError(location.file, `${where}.responseParameters`, `invalid mapping target ${JSON.stringify(target)}`);
        return [match[1]!, guard(location.file, `${where}.responseParameters['${target}']`, () => compileParameterSource(expression, "method-response"))];
      }),
      templates: compileTemplates(response.responseTemplates, engine, location.file, `${where}.responseTemplates`),
    };
  });
  return {
    integration,
    requestTemplates: compileTemplates(integration.requestTemplates, engine, location.file, `${at}.requestTemplates`),
    requestParameters,
    responses,
  };
}
