/** The SAM transform, done in-process: AWS::Serverless::Function (+ Api events) and AWS::Serverless::Api. */
import type { GatewayResponseConfig, GatewayResponseType, LambdaFunction, Method, RequestValidator, RestApi } from "../model/types.ts";
import { refuseDisabledDefaultEndpoint } from "./default-endpoint.ts";
import { refusePrivateWithoutPolicy, samEndpointIsPrivate } from "./private-api.ts";
import { fail } from "./errors.ts";
import { checkCodeDir, checkHandler, checkRuntime, LAMBDA_DEFAULTS, makeFunction, writeInlineCode } from "./functions.ts";
import { apiId, generatedFunctionName } from "./ids.ts";
import { gatewayResponse } from "./integration.ts";
import { NO_VALUE, type ResourceEntry } from "./intrinsics.ts";
import { child } from "./json-path.ts";
import { readApiDefinition } from "./definition.ts";
import { canarySettings } from "./cloudformation.ts";
import { ModelSet } from "./models.ts";
import type { KeyLedger } from "./security/api-keys.ts";
import { requireEnforced } from "./security/gate.ts";
import { readSamApiAuth, SAM_IMPLICIT_SCHEMES, type SamApiAuth } from "./security/sam-auth.ts";
import { readSamEventAuth, samInvokeCredentials, samRequirements, type SamEventAuth } from "./security/sam-method-auth.ts";
import { SamPolicyBuilder, type PathMethods } from "./security/sam-resource-policy.ts";
import { samUsagePlan } from "./security/sam-usage-plan.ts";
import { addSamCors } from "./sam-cors.ts";
import { authorizersOf, readSchemes, resolveSecurity } from "./security/schemes.ts";
import type { StackContext } from "./stack-context.ts";
import { lambdaUri } from "./stack-context.ts";
import { buildTree, type Route } from "./tree.ts";
import { readStageSettings } from "./stage-settings.ts";
import { bool, checkKeys, int, isObject, list, obj, stageName, stageVariables, str, stringMap } from "./values.ts";

export const IMPLICIT_API = "ServerlessRestApi";

/** A resolved property of a serverless resource, falling back to `Globals.<section>`. */
function withGlobals(ctx: StackContext, entry: ResourceEntry, section: "Function" | "Api", name: string): { value: unknown; path: string } {
  const own = entry.properties[name];
  if (own !== undefined) {
    const path = child(child(entry.path, "Properties"), name);
    return { value: ctx.t.resolve(own, path), path };
  }
  const globals = ctx.t.doc["Globals"];
  const sectionObj = isObject(globals) ? globals[section] : undefined;
  const g = isObject(sectionObj) ? sectionObj[name] : undefined;
  const path = child(child("$.Globals", section), name);
  return { value: g === undefined ? undefined : ctx.t.resolve(g, path), path };
}

function present(v: { value: unknown }): boolean {
  return v.value !== undefined && v.value !== NO_VALUE && v.value !== null;
}

export function samFunctionName(ctx: StackContext, entry: ResourceEntry): string {
  return ctx.t.once(`fnname:${entry.logicalId}`, entry.path, () => {
    const v = ctx.t.prop(entry, "FunctionName");
    return v === undefined ? generatedFunctionName(ctx.stackName, entry.logicalId) : str(v, ctx.t.file, child(child(entry.path, "Properties"), "FunctionName"), "FunctionName");
  });
}

export function samFunction(ctx: StackContext, entry: ResourceEntry): LambdaFunction {
  const { file } = ctx.t;
  const g = (name: string) => withGlobals(ctx, entry, "Function", name);
  const packageType = g("PackageType");
  if (present(packageType) && packageType.value !== "Zip") fail(file, packageType.path, `PackageType ${String(packageType.value)} is not supported yet`);
  const runtime = g("Runtime");
  checkRuntime(runtime.value, file, present(runtime) ? runtime.path : entry.path);
  const inline = g("InlineCode");
  const codeUri = g("CodeUri");
  let codeDir: string;
  if (present(inline)) codeDir = writeInlineCode(str(inline.value, file, inline.path, "InlineCode"));
  else if (present(codeUri)) {
    if (typeof codeUri.value !== "string" || /^s3:\/\//i.test(codeUri.value)) fail(file, codeUri.path, "S3 code locations are not supported yet (use a local CodeUri directory)");
    codeDir = checkCodeDir(ctx.t.localPath(codeUri.value), file, codeUri.path);
  } else return fail(file, entry.path, "function needs CodeUri or InlineCode");
  const handler = g("Handler");
  const env = g("Environment");
  const globalEnv = (() => {
    const globals = ctx.t.doc["Globals"];
    const fnGlobals = isObject(globals) ? globals["Function"] : undefined;
    const e = isObject(fnGlobals) ? fnGlobals["Environment"] : undefined;
    return e === undefined ? {} : obj(ctx.t.resolve(e, "$.Globals.Function.Environment"), file, "$.Globals.Function.Environment", "Environment");
  })();
  const ownEnv = entry.properties["Environment"] === undefined ? {} : obj(env.value, file, env.path, "Environment");
  const environment = {
    ...stringMap(globalEnv["Variables"], file, "$.Globals.Function.Environment.Variables", "Environment.Variables"),
    ...stringMap(ownEnv["Variables"], file, child(env.path, "Variables"), "Environment.Variables"),
  };
  const timeout = g("Timeout");
  const memory = g("MemorySize");
  return makeFunction({
    logicalId: entry.logicalId,
    functionName: samFunctionName(ctx, entry),
    runtime: runtime.value as string,
    handler: checkHandler(handler.value, file, present(handler) ? handler.path : entry.path),
    codeDir,
    timeoutSeconds: present(timeout) ? int(timeout.value, file, timeout.path, "Timeout", 1, 900) : LAMBDA_DEFAULTS.timeoutSeconds,
    memorySize: present(memory) ? int(memory.value, file, memory.path, "MemorySize", 128, 10240) : LAMBDA_DEFAULTS.memorySize,
    environment,
    location: { file, path: entry.path },
    region: ctx.region,
    accountId: ctx.accountId,
  });
}

export interface ApiEvent {
  apiLogicalId: string;
  route: Route;
  /** `RequestModel.Model`, checked against the API's `Models` when the API is built. */
  model?: { name: string; path: string };
  /** The event's `Auth`, applied with the API's Auth defaults when the API is built. */
  auth?: SamEventAuth;
}

const EVENT_KEYS = new Set(["Path", "Method", "RestApiId", "Auth", "RequestParameters", "RequestModel", "TimeoutInMillis"]);

/** The `Type: Api` events of a serverless function, as routes with AWS_PROXY integrations. */
export function samApiEvents(ctx: StackContext, entry: ResourceEntry, fn: LambdaFunction): ApiEvent[] {
  const { file, t } = { file: ctx.t.file, t: ctx.t };
  const eventsPath = child(child(entry.path, "Properties"), "Events");
  const out: ApiEvent[] = [];
  for (const [name, raw] of Object.entries(obj(entry.properties["Events"], file, eventsPath, "Events"))) {
    const path = child(eventsPath, name);
    const ev = obj(raw, file, path, "event");
    const type = ev["Type"];
    if (type !== "Api") continue;
    const pp = child(path, "Properties");
    const props = obj(ev["Properties"], file, pp, "event Properties");
    checkKeys(props, EVENT_KEYS, file, pp, "Api event");
    let apiLogicalId = IMPLICIT_API;
    const rest = props["RestApiId"];
    if (rest !== undefined) {
      if (isObject(rest) && typeof rest["Ref"] === "string") apiLogicalId = rest["Ref"];
      else if (typeof rest === "string") apiLogicalId = rest;
      else fail(file, child(pp, "RestApiId"), "RestApiId must be a Ref to an AWS::Serverless::Api");
      if (t.resources.get(apiLogicalId)?.type !== "AWS::Serverless::Api") fail(file, child(pp, "RestApiId"), `RestApiId "${apiLogicalId}" is not an AWS::Serverless::Api in this template`);
    }
    const auth = props["Auth"] === undefined ? undefined : readSamEventAuth(t.resolve(props["Auth"], child(pp, "Auth")), file, child(pp, "Auth"));
    let model: ApiEvent["model"];
    let requestValidator: RequestValidator | undefined;
    if (props["RequestModel"] !== undefined) {
      const rmPath = child(pp, "RequestModel");
      const rm = obj(t.resolve(props["RequestModel"], rmPath), file, rmPath, "RequestModel");
      checkKeys(rm, new Set(["Model", "Required", "ValidateBody", "ValidateParameters"]), file, rmPath, "RequestModel");
      model = { name: str(rm["Model"] ?? fail(file, rmPath, "RequestModel needs a Model"), file, child(rmPath, "Model"), "Model"), path: child(rmPath, "Model") };
      bool(rm["Required"], file, child(rmPath, "Required"), "Required");
      // SAM adds a validator only when ValidateBody or ValidateParameters is given; the other one defaults to false.
      // Its name follows SAM's naming: body-and-params, body-only, params-only, no-validation.
      if (rm["ValidateBody"] !== undefined || rm["ValidateParameters"] !== undefined) {
        const body = bool(rm["ValidateBody"], file, child(rmPath, "ValidateBody"), "ValidateBody");
        const params = bool(rm["ValidateParameters"], file, child(rmPath, "ValidateParameters"), "ValidateParameters");
        const name = body && params ? "body-and-params" : body ? "body-only" : params ? "params-only" : "no-validation";
        requestValidator = { name, validateRequestBody: body, validateRequestParameters: params };
      }
    }
    const apiPath = str(t.resolve(props["Path"], child(pp, "Path")), file, child(pp, "Path"), "Path");
    let httpMethod = str(t.resolve(props["Method"], child(pp, "Method")), file, child(pp, "Method"), "Method").toUpperCase();
    if (httpMethod === "ANY" || httpMethod === "X-AMAZON-APIGATEWAY-ANY-METHOD") httpMethod = "ANY";
    const requestParameters: Record<string, boolean> = {};
    const cacheKeyParameters: string[] = [];
    const rpPath = child(pp, "RequestParameters");
    list(t.resolve(props["RequestParameters"], rpPath), file, rpPath, "RequestParameters").forEach((p, i) => {
      if (typeof p === "string") requestParameters[p] = false;
      else for (const [k, v] of Object.entries(obj(p, file, child(rpPath, i), "request parameter"))) {
        const o = obj(v, file, child(child(rpPath, i), k), "request parameter");
        requestParameters[k] = bool(o["Required"], file, child(child(rpPath, i), k), "Required");
        if (bool(o["Caching"], file, child(child(rpPath, i), k), "Caching")) cacheKeyParameters.push(k);
      }
    });
    const timeoutPath = child(pp, "TimeoutInMillis");
    const method: Method = {
      httpMethod,
      authorizationType: "NONE",
      authorizationScopes: [],
      apiKeyRequired: false,
      requestParameters,
      requestModels: model ? { "application/json": model.name } : {},
      ...(requestValidator ? { requestValidator } : {}),
      methodResponses: {},
      integration: {
        type: "AWS_PROXY",
        uri: lambdaUri(ctx, fn),
        functionLogicalId: fn.logicalId,
        httpMethod: "POST",
        requestParameters: {},
        requestTemplates: {},
        passthroughBehavior: "WHEN_NO_MATCH",
        timeoutInMillis: props["TimeoutInMillis"] === undefined ? 29000 : int(t.resolve(props["TimeoutInMillis"], timeoutPath), file, timeoutPath, "TimeoutInMillis", 50, 29000),
        integrationResponses: [],
        cacheKeyParameters,
      },
      location: { file, path },
    };
    out.push({ apiLogicalId, route: { path: apiPath, method, file, jsonPath: child(pp, "Path") }, ...(model ? { model } : {}), ...(auth ? { auth } : {}) });
  }
  return out;
}

const API_KEYS = new Set([
  "StageName", "DefinitionBody", "DefinitionUri", "Variables", "BinaryMediaTypes", "GatewayResponses", "Name", "Description",
  "Tags", "TracingEnabled", "EndpointConfiguration", "OpenApiVersion", "MethodSettings", "AccessLogSetting", "Auth",
  "CacheClusterEnabled", "CacheClusterSize", "Mode", "FailOnWarnings", "MergeDefinitions", "Models", "PropagateTags",
  "AlwaysDeploy", "ApiKeySourceType", "DisableExecuteApiEndpoint", "MinimumCompressionSize", "CanarySetting", "Cors",
]);
const API_REASONS: Record<string, string> = {
  Domain: "custom domains (Domain) are not supported yet",
};

/** AWS::Serverless::Api (or the implicit ServerlessRestApi when `entry` is undefined) with the events that target it. */
export function samApi(ctx: StackContext, entry: ResourceEntry | undefined, events: ApiEvent[], ledger: KeyLedger): RestApi {
  const { t } = ctx;
  const file = t.file;
  const logicalId = entry?.logicalId ?? IMPLICIT_API;
  const basePath = entry?.path ?? events[0]?.route.method.location.path ?? "$";
  const props = entry?.properties ?? {};
  checkKeys(props, API_KEYS, file, child(basePath, "Properties"), "AWS::Serverless::Api", API_REASONS);
  const globals = t.doc["Globals"];
  const globalApi = isObject(globals) && isObject(globals["Api"]) ? globals["Api"] : {};
  checkKeys(globalApi, API_KEYS, file, "$.Globals.Api", "Globals.Api", API_REASONS);
  const g = (name: string): { value: unknown; path: string } => {
    if (entry) return withGlobals(ctx, entry, "Api", name);
    const path = child("$.Globals.Api", name);
    return { value: globalApi[name] === undefined ? undefined : t.resolve(globalApi[name], path), path };
  };

  const authProp = g("Auth");
  const auth = present(authProp) ? readSamApiAuth(ctx, authProp.value, authProp.path) : undefined;
  const disable = g("DisableExecuteApiEndpoint");
  refuseDisabledDefaultEndpoint(disable.value, file, disable.path);
  const mcs = g("MinimumCompressionSize");
  if (present(mcs)) fail(file, mcs.path, "MinimumCompressionSize is not supported yet");
  // SAM passes these to the AWS::ApiGateway::Stage it generates (load/stage-settings.ts).
  const stageSettings = readStageSettings((name) => {
    const v = g(name);
    return present(v) ? v : undefined;
  }, file, ctx.enforcedStageSettings);

  const stageProp = g("StageName");
  if (entry && !present(stageProp)) fail(file, child(entry.path, "Properties"), "StageName is required");
  const stage = present(stageProp) ? stageName(stageProp.value, file, stageProp.path) : "Prod";
  const vars = g("Variables");
  const variables = present(vars) ? stageVariables(vars.value, file, vars.path) : {};

  const canaryProp = g("CanarySetting");
  const canary = present(canaryProp) ? canarySettings(canaryProp.value, file, canaryProp.path) : undefined;

  const id = apiId(ctx.stackName, logicalId);
  const definition = entry ? readApiDefinition(ctx, entry, "DefinitionBody", "DefinitionUri", auth?.schemes) : undefined;
  // SAM: "Auth works only with inline Swagger specified in 'DefinitionBody' property" (api_generator.py _add_auth).
  if (auth && definition && !definition.mergeEvents) fail(file, authProp.path, "Auth works only with an inline DefinitionBody (SAM does not edit a DefinitionUri file)");
  const models = definition?.parts.models ?? new ModelSet();
  const modelsProp = g("Models");
  if (present(modelsProp)) {
    // SAM writes Models into the definition's `definitions` (application/json), so `#/definitions/X` refs work.
    for (const [name, schema] of Object.entries(obj(modelsProp.value, file, modelsProp.path, "Models"))) {
      models.add(name, "application/json", schema, "openapi", file, child(modelsProp.path, name));
    }
  }
  models.check();
  for (const ev of events) if (ev.model) models.need(ev.model.name, file, ev.model.path);
  const routes: Route[] = definition ? [...definition.parts.routes] : [];
  const pushed: ApiEvent[] = [];
  if (!definition || definition.mergeEvents) {
    for (const ev of events) {
      const existing = routes.findIndex((r) => r.path === ev.route.path && r.method.httpMethod === ev.route.method.httpMethod);
      if (existing < 0) {
        routes.push(ev.route);
        pushed.push(ev);
      }
      // An operation already in the DefinitionBody keeps its own integration, as SAM does.
    }
  }
  addSamCors(ctx, entry, routes, definition !== undefined && !definition.mergeEvents); // before Auth, as SAM does
  const schemes = definition?.parts.schemes ?? readSchemes(auth?.schemes ?? [], id, ctx.index);
  for (const [name, scheme] of Object.entries(SAM_IMPLICIT_SCHEMES)) if (!schemes.has(name)) schemes.set(name, scheme);
  for (const route of routes) {
    const ev = pushed.find((e) => e.route === route);
    const requirements = samRequirements(route.method.httpMethod, route.security ?? [], ev?.auth, auth, file);
    Object.assign(route.method, resolveSecurity(requirements, schemes, ctx.enforced, route.iamAuth));
    const credentials = ev ? samInvokeCredentials(ev.auth, auth, ev.auth !== undefined) : undefined;
    if (credentials) route.method.integration.credentials = credentials;
  }
  const policy = samResourcePolicy(ctx, auth, pushed, routes, { id, stage, file, start: definition?.parts.policy });
  const endpoint = g("EndpointConfiguration");
  refusePrivateWithoutPolicy(samEndpointIsPrivate(endpoint.value, file, endpoint.path), policy, file, endpoint.path);
  if (auth?.usagePlan) samUsagePlan(ctx, ledger, logicalId, stage, auth.usagePlan.value, auth.usagePlan.path);

  const bmt = g("BinaryMediaTypes");
  const binaryMediaTypes = [...(definition?.parts.binaryMediaTypes ?? [])];
  list(bmt.value, file, bmt.path, "BinaryMediaTypes").forEach((m, i) => {
    const type = str(m, file, child(bmt.path, i), "binary media type").replace(/~1/g, "/");
    if (!binaryMediaTypes.includes(type)) binaryMediaTypes.push(type);
  });

  const gatewayResponses: Partial<Record<GatewayResponseType, GatewayResponseConfig>> = { ...(definition?.parts.gatewayResponses ?? {}) };
  const grs = g("GatewayResponses");
  for (const [type, raw] of Object.entries(obj(grs.value, file, grs.path, "GatewayResponses"))) {
    const p = child(grs.path, type);
    const gr = obj(raw, file, p, "gateway response");
    const rpPath = child(p, "ResponseParameters");
    const rp = obj(gr["ResponseParameters"], file, rpPath, "ResponseParameters");
    const responseParameters: Record<string, string> = {};
    for (const [section, kind] of [["Headers", "header"], ["Paths", "path"], ["QueryStrings", "querystring"]] as const) {
      for (const [name, v] of Object.entries(stringMap(rp[section], file, child(rpPath, section), section))) {
        responseParameters[`gatewayresponse.${kind}.${name}`] = v;
      }
    }
    for (const k of Object.keys(rp)) if (!["Headers", "Paths", "QueryStrings"].includes(k)) fail(file, child(rpPath, k), `ResponseParameters.${k} must be Headers, Paths or QueryStrings`);
    const [t2, config] = gatewayResponse(type, gr["StatusCode"], responseParameters, stringMap(gr["ResponseTemplates"], file, child(p, "ResponseTemplates"), "ResponseTemplates"), file, p, child(p, "StatusCode"));
    gatewayResponses[t2] = config;
  }

  const keySource = g("ApiKeySourceType");
  let apiKeySource = definition?.parts.apiKeySource ?? "HEADER";
  if (present(keySource)) {
    if (keySource.value !== "HEADER" && keySource.value !== "AUTHORIZER") fail(file, keySource.path, "ApiKeySourceType must be HEADER or AUTHORIZER");
    apiKeySource = keySource.value;
  }
  const nameProp = g("Name");
  const name = present(nameProp) ? str(nameProp.value, file, nameProp.path, "Name") : (definition?.parts.title ?? (entry ? logicalId : ctx.stackName));
  return {
    logicalId,
    id,
    name,
    stages: [{ name: stage, variables, ...(canary ? { canary } : {}), ...stageSettings }],
    root: buildTree(id, routes),
    binaryMediaTypes,
    apiKeySource,
    gatewayResponses,
    models: models.models,
    authorizers: authorizersOf(schemes),
    ...(policy ? { policy } : {}),
    location: { file, path: basePath },
  };
}

/** Event-level ResourcePolicies (in event order), then the Api's over every path, on top of the definition's policy. */
function samResourcePolicy(
  ctx: StackContext,
  auth: SamApiAuth | undefined,
  pushed: ApiEvent[],
  routes: Route[],
  api: { id: string; stage: string; file: string; start: RestApi["policy"] },
): RestApi["policy"] {
  const withPolicy = pushed.filter((ev) => ev.auth?.resourcePolicy);
  if (!auth?.resourcePolicy && withPolicy.length === 0) return api.start;
  const paths: PathMethods[] = [];
  for (const r of routes) {
    const entry = paths.find((p) => p.path === r.path) ?? (paths.push({ path: r.path, methods: [] }), paths[paths.length - 1]!);
    entry.methods.push(r.method.httpMethod);
  }
  const builder = new SamPolicyBuilder({ region: ctx.region, accountId: ctx.accountId, apiId: api.id }, api.stage, api.file, api.start);
  for (const ev of withPolicy) {
    const rp = ev.auth!.resourcePolicy!;
    builder.add(rp.value, rp.path, paths.filter((p) => p.path === ev.route.path));
    requireEnforced(ctx.enforced, "resource-policy", api.file, rp.path, "resource policy (event Auth.ResourcePolicy)");
  }
  if (auth?.resourcePolicy) {
    builder.add(auth.resourcePolicy.value, auth.resourcePolicy.path, paths);
    requireEnforced(ctx.enforced, "resource-policy", api.file, auth.resourcePolicy.path, "resource policy (Auth.ResourcePolicy)");
  }
  return builder.document();
}
