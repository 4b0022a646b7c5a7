/**
 * HTTP APIs (API Gateway v2) from SAM and CloudFormation:
 *   - `AWS::Serverless::HttpApi` (+ `Globals.HttpApi`) and function `HttpApi` events, including the implicit
 *     `ServerlessHttpApi` SAM creates for events without ApiId;
 *   - `AWS::ApiGatewayV2::Api` (ProtocolType HTTP; Body/BodyS3Location, CorsConfiguration, quick create with Target)
 *     with its `Route`, `Integration`, `Stage` and `Authorizer` resources.
 * WebSocket APIs (ProtocolType WEBSOCKET) are not claimed here.
 */
import type { HttpApi, HttpAuthorizer, HttpCorsConfiguration, HttpIntegration, HttpRoute, HttpRouteThrottle, HttpStage } from "../model/http-api.ts";
import type { LambdaFunction } from "../model/types.ts";
import { readDocument } from "./detect.ts";
import { refuseDisabledDefaultEndpoint } from "./default-endpoint.ts";
import { refuseBasePathMode } from "./import-parameters.ts";
import { fail } from "./errors.ts";
import { apiId, authorizerId, resourceId } from "./ids.ts";
import { NO_VALUE, type ResourceEntry, type Template } from "./intrinsics.ts";
import { child } from "./json-path.ts";
import {
  authorizationOf, checkHttpUri, checkRouteKey, corsConfiguration, httpLambdaTarget, HTTP_TIMEOUT_MAX, identitySources, jwtAuthorizer, lambdaAuthorizer,
  readHttpOpenApi, requestMapping, responseMapping, type HttpApiParts,
} from "./http-api-openapi.ts";
import { readStageSettings, throttle } from "./route-settings.ts";
import type { StackContext } from "./stack-context.ts";
import { bool, checkKeys, int, isObject, list, obj, stageName, stageVariables, str } from "./values.ts";

export const IMPLICIT_HTTP_API = "ServerlessHttpApi";

const V2_HTTP_CHILDREN = new Set(["AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Stage", "AWS::ApiGatewayV2::Authorizer", "AWS::ApiGatewayV2::Deployment"]);

const propPath = (entry: ResourceEntry, name: string) => child(child(entry.path, "Properties"), name);

/** The logical id of the ApiGatewayV2::Api an `ApiId` property refers to (a Ref, or the resolved API id). */
function v2ApiOf(t: Template, stackName: string, entry: ResourceEntry): string | undefined {
  const raw = entry.properties["ApiId"];
  if (isObject(raw) && typeof raw["Ref"] === "string") return raw["Ref"];
  if (typeof raw === "string") {
    for (const e of t.resources.values()) if (e.type === "AWS::ApiGatewayV2::Api" && (e.logicalId === raw || apiId(stackName, e.logicalId) === raw)) return e.logicalId;
  }
  return undefined;
}

function isHttpProtocol(t: Template, entry: ResourceEntry): boolean {
  return t.prop(entry, "ProtocolType") === "HTTP";
}

/**
 * Whether this loader handles the resource: every HTTP API piece. A WebSocket API and its pieces are left to
 * whoever handles them (stack.ts refuses what nobody claims).
 */
export function claimsHttpApiResource(t: Template, entry: ResourceEntry): boolean {
  const { stackName } = t.ctx;
  if (entry.type === "AWS::Serverless::HttpApi") return true;
  if (entry.type === "AWS::ApiGatewayV2::Api") return isHttpProtocol(t, entry);
  if (!V2_HTTP_CHILDREN.has(entry.type)) return false;
  const api = v2ApiOf(t, stackName, entry);
  const apiEntry = api === undefined ? undefined : t.resources.get(api);
  return apiEntry !== undefined && apiEntry.type === "AWS::ApiGatewayV2::Api" && isHttpProtocol(t, apiEntry);
}

/** Physical ids for `Ref` on HTTP API resources (API id, route/integration/authorizer id, stage name). */
export function httpApiRef(ctx: StackContext, entry: ResourceEntry): string | undefined {
  const { t, stackName } = ctx;
  if (entry.type === "AWS::Serverless::HttpApi" || (entry.type === "AWS::ApiGatewayV2::Api" && isHttpProtocol(t, entry))) return apiId(stackName, entry.logicalId);
  if (!V2_HTTP_CHILDREN.has(entry.type)) return undefined;
  const api = v2ApiOf(t, stackName, entry);
  if (api === undefined) return undefined;
  const id = apiId(stackName, api);
  if (entry.type === "AWS::ApiGatewayV2::Authorizer") return authorizerId(id, entry.logicalId);
  if (entry.type === "AWS::ApiGatewayV2::Stage") {
    const name = t.prop(entry, "StageName");
    return typeof name === "string" ? name : undefined;
  }
  return v2ChildId(id, entry);
}

function v2ChildId(api: string, entry: ResourceEntry): string {
  return resourceId(api, `${entry.type}:${entry.logicalId}`) + "a";
}

/** `Fn::GetAtt` on HTTP APIs: ApiId and ApiEndpoint. */
export function httpApiGetAtt(ctx: StackContext, entry: ResourceEntry, attribute: string): string | undefined {
  if (entry.type !== "AWS::Serverless::HttpApi" && !(entry.type === "AWS::ApiGatewayV2::Api" && isHttpProtocol(ctx.t, entry))) return undefined;
  const id = apiId(ctx.stackName, entry.logicalId);
  if (attribute === "ApiId") return id;
  if (attribute === "ApiEndpoint") return `https://${id}.execute-api.${ctx.region}.amazonaws.com`;
  return undefined;
}

// ------------------------------------------------------------------ checks shared by every form

function finish(api: HttpApi, file: string): HttpApi {
  const seen = new Set<string>();
  for (const route of api.routes) {
    if (seen.has(route.routeKey)) fail(file, route.location.path, `route key "${route.routeKey}" is defined twice`);
    seen.add(route.routeKey);
  }
  // limits.md: 300 routes, 10 stages, 10 authorizers per HTTP API.
  if (api.routes.length > 300) fail(file, api.location.path, `an HTTP API has at most 300 routes, got ${api.routes.length}`);
  if (api.stages.length > 10) fail(file, api.location.path, `an HTTP API has at most 10 stages, got ${api.stages.length}`);
  if (Object.keys(api.authorizers).length > 10) fail(file, api.location.path, "an HTTP API has at most 10 authorizers");
  return api;
}

// ------------------------------------------------------------------ SAM

export interface HttpApiEvent {
  apiLogicalId: string;
  route: HttpRoute;
  /** Auth.Authorizer as written (a name, "NONE" or "AWS_IAM"); undefined = the API's DefaultAuthorizer. */
  authorizer?: string;
  authorizationScopes?: string[];
  /** The event's RouteSettings throttling (SAM puts it in the stage's RouteSettings under the route key). */
  routeThrottle?: HttpRouteThrottle;
  path: string;
}

const EVENT_KEYS = new Set(["ApiId", "Method", "Path", "PayloadFormatVersion", "TimeoutInMillis", "Auth", "RouteSettings"]);

/** The `Type: HttpApi` events of a serverless function (AWS_PROXY, payload 2.0 unless stated: SAM's default). */
export function samHttpApiEvents(ctx: StackContext, entry: ResourceEntry, fn: LambdaFunction): HttpApiEvent[] {
  const { t } = ctx;
  const file = t.file;
  const eventsPath = child(child(entry.path, "Properties"), "Events");
  const out: HttpApiEvent[] = [];
  for (const [name, raw] of Object.entries(obj(entry.properties["Events"], file, eventsPath, "Events"))) {
    const path = child(eventsPath, name);
    const ev = obj(raw, file, path, "event");
    if (ev["Type"] !== "HttpApi") continue;
    const pp = child(path, "Properties");
    const props = obj(t.resolve(ev["Properties"] ?? {}, pp), file, pp, "event Properties");
    checkKeys(props, EVENT_KEYS, file, pp, "HttpApi event");
    let apiLogicalId = IMPLICIT_HTTP_API;
    const rawApi = isObject(ev["Properties"]) ? ev["Properties"]["ApiId"] : undefined;
    if (rawApi !== undefined) {
      apiLogicalId = isObject(rawApi) && typeof rawApi["Ref"] === "string" ? rawApi["Ref"] : typeof rawApi === "string" ? rawApi : fail(file, child(pp, "ApiId"), "ApiId must be a Ref to an AWS::Serverless::HttpApi");
      if (t.resources.get(apiLogicalId)?.type !== "AWS::Serverless::HttpApi") fail(file, child(pp, "ApiId"), `ApiId "${apiLogicalId}" is not an AWS::Serverless::HttpApi in this template`);
    }
    // SAM: without Path and Method the event is the $default route; Method defaults to ANY.
    const routePath = props["Path"] === undefined ? undefined : str(props["Path"], file, child(pp, "Path"), "Path");
    let method = props["Method"] === undefined ? "ANY" : str(props["Method"], file, child(pp, "Method"), "Method").toUpperCase();
    if (method === "X-AMAZON-APIGATEWAY-ANY-METHOD") method = "ANY";
    const routeKey = routePath === undefined && props["Method"] === undefined ? "$default" : `${method} ${routePath ?? "/"}`;
    const parsed = checkRouteKey(routeKey, file, routePath === undefined ? pp : child(pp, "Path"));
    const version = props["PayloadFormatVersion"] === undefined ? "2.0" : str(props["PayloadFormatVersion"], file, child(pp, "PayloadFormatVersion"), "PayloadFormatVersion");
    if (version !== "1.0" && version !== "2.0") fail(file, child(pp, "PayloadFormatVersion"), "PayloadFormatVersion must be \"1.0\" or \"2.0\"");
    const timeoutInMillis = props["TimeoutInMillis"] === undefined ? HTTP_TIMEOUT_MAX : int(props["TimeoutInMillis"], file, child(pp, "TimeoutInMillis"), "TimeoutInMillis", 50, HTTP_TIMEOUT_MAX);
    // SAM copies an event's RouteSettings into the stage's RouteSettings under the event's route key.
    const routeThrottle = props["RouteSettings"] === undefined ? undefined : throttle(props["RouteSettings"], file, child(pp, "RouteSettings"));
    const event: HttpApiEvent = {
      apiLogicalId,
      path,
      ...(routeThrottle ? { routeThrottle } : {}),
      route: {
        routeKey,
        ...parsed,
        authorizationType: "NONE",
        authorizationScopes: [],
        integration: { type: "AWS_PROXY", payloadFormatVersion: version, functionLogicalId: fn.logicalId, timeoutInMillis },
        location: { file, path },
      },
    };
    if (props["Auth"] !== undefined) {
      const ap = child(pp, "Auth");
      const auth = obj(props["Auth"], file, ap, "Auth");
      checkKeys(auth, new Set(["Authorizer", "AuthorizationScopes"]), file, ap, "HttpApi event Auth");
      if (auth["Authorizer"] !== undefined) event.authorizer = str(auth["Authorizer"], file, child(ap, "Authorizer"), "Authorizer");
      if (auth["AuthorizationScopes"] !== undefined) event.authorizationScopes = list(auth["AuthorizationScopes"], file, child(ap, "AuthorizationScopes"), "AuthorizationScopes").map((s, i) => str(s, file, child(child(ap, "AuthorizationScopes"), i), "scope"));
    }
    out.push(event);
  }
  return out;
}

/** Where the first HttpApi event without ApiId is (SAM then creates ServerlessHttpApi), if any. */
export function implicitHttpApiEventAt(t: Template): string | undefined {
  for (const e of t.resources.values()) {
    if (e.type !== "AWS::Serverless::Function" || !isObject(e.properties["Events"])) continue;
    for (const [name, ev] of Object.entries(e.properties["Events"])) {
      if (isObject(ev) && ev["Type"] === "HttpApi" && !(isObject(ev["Properties"]) && ev["Properties"]["ApiId"] !== undefined)) {
        return child(child(child(e.path, "Properties"), "Events"), name);
      }
    }
  }
  return undefined;
}

const SAM_KEYS = new Set([
  "StageName", "StageVariables", "DefinitionBody", "DefinitionUri", "CorsConfiguration", "Auth", "DefaultRouteSettings", "RouteSettings",
  "Name", "Description", "Tags", "FailOnWarnings", "AccessLogSettings", "PropagateTags", "DisableExecuteApiEndpoint",
]);
const SAM_REASONS: Record<string, string> = { Domain: "custom domains (Domain) are not supported yet" };

/** SAM's HttpApiCorsConfiguration: `true` allows every origin ('*'); an object uses PascalCase keys. */
function samCors(v: unknown, file: string, path: string): HttpCorsConfiguration | undefined {
  if (v === true || v === "true") return { allowOrigins: ["*"], allowMethods: [], allowHeaders: [], exposeHeaders: [], allowCredentials: false };
  if (v === false || v === "false") return undefined;
  return corsConfiguration(v, file, path, true);
}

/** SAM Auth.Authorizers: JwtConfiguration (OAuth 2.0 / JWT) or FunctionArn (Lambda). */
function samAuthorizers(ctx: StackContext, v: unknown, id: string, file: string, path: string): Record<string, HttpAuthorizer> {
  const out: Record<string, HttpAuthorizer> = {};
  for (const [name, raw] of Object.entries(obj(v, file, path, "Authorizers"))) {
    const p = child(path, name);
    const a = obj(raw, file, p, "authorizer");
    const location = { file, path: p };
    const aid = authorizerId(id, name);
    if (a["JwtConfiguration"] !== undefined) {
      checkKeys(a, new Set(["JwtConfiguration", "IdentitySource", "AuthorizationScopes"]), file, p, "JWT authorizer");
      const jp = child(p, "JwtConfiguration");
      const jwt = obj(a["JwtConfiguration"], file, jp, "JwtConfiguration");
      // SAM takes either spelling; anything else (a misspelt audience) would leave the audience unchecked.
      checkKeys(jwt, new Set(["issuer", "audience", "Issuer", "Audience"]), file, jp, "JwtConfiguration");
      const aud = jwt["audience"] ?? jwt["Audience"];
      const audience = list(aud, file, child(jp, "audience"), "audience").map((x, i) => str(x, file, child(child(jp, "audience"), i), "audience"));
      out[aid] = jwtAuthorizer({ id: aid, name, issuer: jwt["issuer"] ?? jwt["Issuer"], audience, identitySource: a["IdentitySource"] ?? "$request.header.Authorization", location }, file, p, jp);
    } else if (a["FunctionArn"] !== undefined) {
      checkKeys(a, new Set(["FunctionArn", "FunctionInvokeRole", "AuthorizerPayloadFormatVersion", "EnableSimpleResponses", "Identity", "EnableFunctionDefaultPermissions"]), file, p, "Lambda authorizer");
      const ip = child(p, "Identity");
      const identity = obj(a["Identity"], file, ip, "Identity");
      checkKeys(identity, new Set(["Headers", "QueryStrings", "StageVariables", "Context", "ReauthorizeEvery"]), file, ip, "Identity");
      const sources: string[] = [];
      for (const [key, prefix] of [["Headers", "$request.header."], ["QueryStrings", "$request.querystring."], ["StageVariables", "$stageVariables."], ["Context", "$context."]] as const) {
        list(identity[key], file, child(ip, key), key).forEach((x, i) => sources.push(prefix + str(x, file, child(child(ip, key), i), key)));
      }
      out[aid] = lambdaAuthorizer(
        {
          id: aid,
          name,
          uri: a["FunctionArn"],
          payloadFormatVersion: a["AuthorizerPayloadFormatVersion"],
          enableSimpleResponses: a["EnableSimpleResponses"],
          identitySource: sources,
          ttl: identity["ReauthorizeEvery"],
          location,
        },
        { file, functions: ctx.index, region: ctx.region },
        { uri: child(p, "FunctionArn"), version: child(p, "AuthorizerPayloadFormatVersion"), simple: child(p, "EnableSimpleResponses"), identity: ip, ttl: child(ip, "ReauthorizeEvery") },
      );
    } else fail(file, p, "an HttpApi authorizer needs JwtConfiguration (JWT) or FunctionArn (Lambda)");
  }
  return out;
}

/**
 * samtranslator edits only an inline DefinitionBody: a set Auth or CorsConfiguration (own or from Globals) next to a
 * DefinitionUri fails its transform (http_api_generator.py _add_auth / _add_cors), with these messages.
 */
function refuseWithDefinitionUri(entry: ResourceEntry | undefined, prop: { value: unknown; path: string }, message: string, file: string): void {
  const set = isObject(prop.value) ? Object.keys(prop.value).length > 0 : Boolean(prop.value);
  if (set && entry?.properties["DefinitionUri"] !== undefined) fail(file, prop.path, message);
}

/** A resolved property of an HttpApi, falling back to `Globals.HttpApi`. */
function samProp(ctx: StackContext, entry: ResourceEntry | undefined, name: string): { value: unknown; path: string } {
  const own = entry?.properties[name];
  if (entry && own !== undefined) {
    const path = propPath(entry, name);
    const value = ctx.t.resolve(own, path);
    return { value: value === NO_VALUE ? undefined : value, path };
  }
  const globals = ctx.t.doc["Globals"];
  const section = isObject(globals) ? globals["HttpApi"] : undefined;
  const g = isObject(section) ? section[name] : undefined;
  const path = child("$.Globals.HttpApi", name);
  const value = g === undefined ? undefined : ctx.t.resolve(g, path);
  return { value: value === NO_VALUE ? undefined : value, path };
}

/** The OpenAPI definition of an HttpApi / V2 Api: inline (intrinsics resolved, or AWS::Include) or a local file. */
function readDefinition(ctx: StackContext, entry: ResourceEntry, bodyKey: string, locationKey: string, id: string): HttpApiParts | undefined {
  const { t } = ctx;
  const body = entry.properties[bodyKey];
  const location = entry.properties[locationKey];
  if (body !== undefined && location !== undefined) fail(t.file, propPath(entry, locationKey), `${bodyKey} and ${locationKey} are mutually exclusive`);
  const context = (file: string, path: string) => ({ file, path, apiId: id, functions: ctx.index, region: ctx.region });
  if (body !== undefined) {
    const bodyPath = propPath(entry, bodyKey);
    if (isObject(body) && Object.keys(body).length === 1 && body["Fn::Transform"] !== undefined) {
      const { includedFile } = t.includeTarget(body["Fn::Transform"], child(bodyPath, "Fn::Transform"));
      return readHttpOpenApi(t.resolve(readDocument(includedFile, t.file, bodyPath), "$", includedFile), context(includedFile, "$"));
    }
    return readHttpOpenApi(t.resolve(body, bodyPath), context(t.file, bodyPath));
  }
  if (location === undefined) return undefined;
  const locPath = propPath(entry, locationKey);
  const loc = t.resolve(location, locPath);
  let local: string;
  if (typeof loc === "string") {
    if (/^s3:\/\//i.test(loc)) return fail(t.file, locPath, `${locationKey} from S3 is not supported yet (use a local file path)`);
    local = loc;
  } else local = str(obj(loc, t.file, locPath, locationKey)["Key"], t.file, child(locPath, "Key"), `${locationKey}.Key`);
  const file = t.localPath(local);
  return readHttpOpenApi(readDocument(file, t.file, locPath), context(file, "$"));
}

/** AWS::Serverless::HttpApi (or the implicit ServerlessHttpApi when `entry` is undefined) with the events that target it. */
export function samHttpApi(ctx: StackContext, entry: ResourceEntry | undefined, events: HttpApiEvent[]): HttpApi {
  const { t } = ctx;
  const file = t.file;
  const logicalId = entry?.logicalId ?? IMPLICIT_HTTP_API;
  const basePath = entry?.path ?? events[0]?.path ?? "$";
  checkKeys(entry?.properties ?? {}, SAM_KEYS, file, child(basePath, "Properties"), "AWS::Serverless::HttpApi", SAM_REASONS);
  const globals = t.doc["Globals"];
  if (isObject(globals) && isObject(globals["HttpApi"])) checkKeys(globals["HttpApi"], SAM_KEYS, file, "$.Globals.HttpApi", "Globals.HttpApi", SAM_REASONS);
  const g = (name: string) => samProp(ctx, entry, name);
  const id = apiId(ctx.stackName, logicalId);
  const disable = g("DisableExecuteApiEndpoint");
  refuseDisabledDefaultEndpoint(disable.value, file, disable.path);

  const definition = entry ? readDefinition(ctx, entry, "DefinitionBody", "DefinitionUri", id) : undefined;
  const authorizers: Record<string, HttpAuthorizer> = { ...definition?.authorizers };
  const auth = g("Auth");
  refuseWithDefinitionUri(entry, auth, "Auth works only with inline OpenApi specified in the 'DefinitionBody' property.", file);
  let defaultAuthorizer: string | undefined;
  let iamEnabled = false;
  if (auth.value !== undefined) {
    const a = obj(auth.value, file, auth.path, "Auth");
    checkKeys(a, new Set(["Authorizers", "DefaultAuthorizer", "EnableIamAuthorizer"]), file, auth.path, "HttpApi Auth");
    Object.assign(authorizers, samAuthorizers(ctx, a["Authorizers"], id, file, child(auth.path, "Authorizers")));
    iamEnabled = bool(a["EnableIamAuthorizer"], file, child(auth.path, "EnableIamAuthorizer"), "EnableIamAuthorizer");
    if (a["DefaultAuthorizer"] !== undefined) defaultAuthorizer = str(a["DefaultAuthorizer"], file, child(auth.path, "DefaultAuthorizer"), "DefaultAuthorizer");
  }
  const byName = (name: string, path: string): string => {
    if (name === "NONE") return "NONE";
    if (name === "AWS_IAM") return iamEnabled ? "AWS_IAM" : fail(file, path, "Authorizer AWS_IAM needs Auth.EnableIamAuthorizer: true on the HttpApi");
    const aid = authorizerId(id, name);
    return authorizers[aid] ? aid : fail(file, path, `authorizer "${name}" is not defined in the HttpApi's Auth.Authorizers`);
  };
  const defaultPath = child(auth.path, "DefaultAuthorizer");
  if (defaultAuthorizer !== undefined) byName(defaultAuthorizer, defaultPath);

  // SAM puts DefaultAuthorizer (with its AuthorizationScopes) on every method without security of its own, OPTIONS
  // excepted (samtranslator open_api.py set_path_default_authorizer): DefinitionBody methods as well as events.
  const fallback = defaultAuthorizer;
  const takesDefault = (routeKey: string): boolean => fallback !== undefined && !routeKey.startsWith("OPTIONS ");
  const routes: HttpRoute[] = (definition?.routes ?? []).map((r) =>
    fallback === undefined || r.authorizationType !== "NONE" || !takesDefault(r.routeKey)
      ? r
      : { ...r, ...authorizationOf(byName(fallback, defaultPath), entry ? samDefaultScopes(ctx, entry, fallback) : [], authorizers, file, defaultPath) },
  );
  for (const ev of events) {
    const name = ev.authorizer ?? (takesDefault(ev.route.routeKey) ? fallback : undefined);
    const samAuthorizer = name === undefined ? undefined : Object.values(authorizers).find((a) => a.name === name);
    // A JWT authorizer's AuthorizationScopes in Auth.Authorizers apply to routes that do not give their own (SAM).
    const authorizerScopes = samAuthorizer && entry ? samDefaultScopes(ctx, entry, samAuthorizer.name) : [];
    const route = { ...ev.route, ...authorizationOf(name === undefined ? "NONE" : byName(name, child(child(ev.path, "Properties"), "Auth")), ev.authorizationScopes ?? authorizerScopes, authorizers, file, ev.path) };
    // SAM merges event routes into an inline definition: the event's integration wins on the same route key.
    const existing = routes.findIndex((r) => r.routeKey === route.routeKey);
    if (existing >= 0) routes[existing] = route;
    else routes.push(route);
  }

  const stageProp = g("StageName");
  const stage = stageProp.value === undefined ? "$default" : str(stageProp.value, file, stageProp.path, "StageName");
  if (stage !== "$default") stageName(stage, file, stageProp.path);
  const vars = g("StageVariables");
  const defaults = g("DefaultRouteSettings");
  const routeSettings = g("RouteSettings");
  const settings = readStageSettings(defaults.value, routeSettings.value, file, { defaults: defaults.path, routes: routeSettings.path });
  const httpStage: HttpStage = { name: stage, variables: vars.value === undefined ? {} : stageVariables(vars.value, file, vars.path), autoDeploy: true, ...settings };
  for (const ev of events) if (ev.apiLogicalId === logicalId && ev.routeThrottle) httpStage.routeThrottles[ev.route.routeKey] = { ...httpStage.routeThrottles[ev.route.routeKey], ...ev.routeThrottle };

  const corsProp = g("CorsConfiguration");
  refuseWithDefinitionUri(entry, corsProp, "Cors works only with inline OpenApi specified in 'DefinitionBody' property.", file);
  const cors = corsProp.value === undefined ? definition?.cors : samCors(corsProp.value, file, corsProp.path);
  const nameProp = g("Name");
  return finish(
    {
      logicalId,
      id,
      name: nameProp.value === undefined ? (definition?.title ?? (entry ? logicalId : ctx.stackName)) : str(nameProp.value, file, nameProp.path, "Name"),
      stages: [httpStage],
      routes,
      authorizers,
      ...(cors ? { cors } : {}),
      location: { file, path: basePath },
    },
    file,
  );
}

function samDefaultScopes(ctx: StackContext, entry: ResourceEntry, name: string): string[] {
  const auth = samProp(ctx, entry, "Auth").value;
  const a = isObject(auth) && isObject(auth["Authorizers"]) ? auth["Authorizers"][name] : undefined;
  const scopes = isObject(a) ? a["AuthorizationScopes"] : undefined;
  return Array.isArray(scopes) ? scopes.map(String) : [];
}

// ------------------------------------------------------------------ CloudFormation AWS::ApiGatewayV2::*

function children(ctx: StackContext, api: string, type: string): ResourceEntry[] {
  return [...ctx.t.resources.values()].filter((e) => e.type === type && v2ApiOf(ctx.t, ctx.stackName, e) === api);
}

function cfnIntegration(ctx: StackContext, e: ResourceEntry): HttpIntegration {
  const { t } = ctx;
  const file = t.file;
  const p = (name: string) => propPath(e, name);
  const props = obj(t.resolve(e.properties, child(e.path, "Properties")), file, child(e.path, "Properties"), "Properties");
  checkKeys(
    props,
    new Set(["ApiId", "IntegrationType", "IntegrationUri", "IntegrationMethod", "PayloadFormatVersion", "RequestParameters", "ResponseParameters", "TimeoutInMillis", "Description", "ConnectionType", "CredentialsArn"]),
    file,
    child(e.path, "Properties"),
    "AWS::ApiGatewayV2::Integration",
  );
  const type = str(props["IntegrationType"], file, p("IntegrationType"), "IntegrationType");
  const timeoutInMillis = props["TimeoutInMillis"] === undefined ? HTTP_TIMEOUT_MAX : int(props["TimeoutInMillis"], file, p("TimeoutInMillis"), "TimeoutInMillis", 50, HTTP_TIMEOUT_MAX);
  if (props["ConnectionType"] !== undefined && props["ConnectionType"] !== "INTERNET") fail(file, p("ConnectionType"), "VPC links are not supported yet");
  const uri = str(props["IntegrationUri"] ?? fail(file, child(e.path, "Properties"), "IntegrationUri is required"), file, p("IntegrationUri"), "IntegrationUri");
  const version = props["PayloadFormatVersion"] === undefined ? undefined : str(props["PayloadFormatVersion"], file, p("PayloadFormatVersion"), "PayloadFormatVersion");
  if (type === "AWS_PROXY") {
    if (version !== "1.0" && version !== "2.0") return fail(file, p("PayloadFormatVersion"), "PayloadFormatVersion must be \"1.0\" or \"2.0\" for a Lambda integration");
    for (const key of ["RequestParameters", "ResponseParameters"]) if (props[key] !== undefined) fail(file, p(key), `${key} on Lambda integrations is not supported yet`);
    return { type, payloadFormatVersion: version, ...httpLambdaTarget(uri, ctx.index, ctx.region, file, p("IntegrationUri")), timeoutInMillis };
  }
  if (type === "HTTP_PROXY") {
    if (version !== undefined && version !== "1.0") fail(file, p("PayloadFormatVersion"), "HTTP_PROXY integrations only take PayloadFormatVersion 1.0");
    return {
      type,
      payloadFormatVersion: "1.0",
      uri: checkHttpUri(uri, file, p("IntegrationUri")),
      method: str(props["IntegrationMethod"] ?? fail(file, child(e.path, "Properties"), "IntegrationMethod is required for HTTP_PROXY"), file, p("IntegrationMethod"), "IntegrationMethod").toUpperCase(),
      requestParameters: requestMapping(props["RequestParameters"], file, p("RequestParameters")),
      responseParameters: responseMapping(props["ResponseParameters"], file, p("ResponseParameters")),
      timeoutInMillis,
    };
  }
  return fail(file, p("IntegrationType"), `IntegrationType ${type} is not available for HTTP APIs (AWS_PROXY and HTTP_PROXY are)`);
}

function cfnAuthorizer(ctx: StackContext, e: ResourceEntry, id: string): HttpAuthorizer {
  const { t } = ctx;
  const file = t.file;
  const pp = child(e.path, "Properties");
  const props = obj(t.resolve(e.properties, pp), file, pp, "Properties");
  checkKeys(
    props,
    new Set(["ApiId", "AuthorizerType", "Name", "IdentitySource", "JwtConfiguration", "AuthorizerUri", "AuthorizerPayloadFormatVersion", "EnableSimpleResponses", "AuthorizerResultTtlInSeconds", "AuthorizerCredentialsArn"]),
    file,
    pp,
    "AWS::ApiGatewayV2::Authorizer",
  );
  const aid = authorizerId(id, e.logicalId);
  const name = props["Name"] === undefined ? e.logicalId : str(props["Name"], file, child(pp, "Name"), "Name");
  const type = str(props["AuthorizerType"], file, child(pp, "AuthorizerType"), "AuthorizerType");
  const location = { file, path: e.path };
  if (type === "JWT") {
    const jp = child(pp, "JwtConfiguration");
    const jwt = obj(props["JwtConfiguration"], file, jp, "JwtConfiguration");
    // An unread key would pass unnoticed: a misspelt Audience leaves the audience unchecked.
    checkKeys(jwt, new Set(["Issuer", "Audience"]), file, jp, "JwtConfiguration");
    const audience = list(jwt["Audience"], file, child(jp, "Audience"), "Audience").map((x, i) => str(x, file, child(child(jp, "Audience"), i), "Audience"));
    return jwtAuthorizer({ id: aid, name, issuer: jwt["Issuer"], audience, identitySource: props["IdentitySource"], location }, file, pp, jp);
  }
  if (type === "REQUEST") {
    return lambdaAuthorizer(
      { id: aid, name, uri: props["AuthorizerUri"], payloadFormatVersion: props["AuthorizerPayloadFormatVersion"], enableSimpleResponses: props["EnableSimpleResponses"], identitySource: props["IdentitySource"], ttl: props["AuthorizerResultTtlInSeconds"], location },
      { file, functions: ctx.index, region: ctx.region },
      { uri: child(pp, "AuthorizerUri"), version: child(pp, "AuthorizerPayloadFormatVersion"), simple: child(pp, "EnableSimpleResponses"), identity: child(pp, "IdentitySource"), ttl: child(pp, "AuthorizerResultTtlInSeconds") },
    );
  }
  return fail(file, child(pp, "AuthorizerType"), `AuthorizerType ${type} is not available for HTTP APIs (JWT and REQUEST are)`);
}

const CFN_API_KEYS = new Set([
  "Name", "ProtocolType", "Body", "BodyS3Location", "CorsConfiguration", "Target", "RouteKey", "Description", "Tags", "Version",
  "DisableExecuteApiEndpoint", "DisableSchemaValidation", "FailOnWarnings", "CredentialsArn", "BasePath",
]);

/** One AWS::ApiGatewayV2::Api (ProtocolType HTTP) with its routes, integrations, stages and authorizers. */
export function cfnHttpApi(ctx: StackContext, entry: ResourceEntry): HttpApi {
  const { t } = ctx;
  const file = t.file;
  const pp = child(entry.path, "Properties");
  checkKeys(entry.properties, CFN_API_KEYS, file, pp, "AWS::ApiGatewayV2::Api");
  refuseDisabledDefaultEndpoint(t.prop(entry, "DisableExecuteApiEndpoint"), file, child(pp, "DisableExecuteApiEndpoint"));
  refuseBasePathMode(t.prop(entry, "BasePath"), file, child(pp, "BasePath"));
  const id = apiId(ctx.stackName, entry.logicalId);
  const definition = readDefinition(ctx, entry, "Body", "BodyS3Location", id);
  const authorizers: Record<string, HttpAuthorizer> = { ...definition?.authorizers };
  for (const e of children(ctx, entry.logicalId, "AWS::ApiGatewayV2::Authorizer")) {
    const a = cfnAuthorizer(ctx, e, id);
    authorizers[a.id] = a;
  }
  const integrations = new Map<string, HttpIntegration>();
  for (const e of children(ctx, entry.logicalId, "AWS::ApiGatewayV2::Integration")) integrations.set(v2ChildId(id, e), cfnIntegration(ctx, e));

  const routes: HttpRoute[] = [...(definition?.routes ?? [])];
  const stages: HttpStage[] = [];
  // Quick create (Target): a $default-stage API with one route (RouteKey, default $default) to a Lambda or HTTP URL.
  const target = t.prop(entry, "Target");
  if (target !== undefined) {
    const targetUri = str(target, file, propPath(entry, "Target"), "Target");
    const routeKey = t.prop(entry, "RouteKey") === undefined ? "$default" : str(t.prop(entry, "RouteKey"), file, propPath(entry, "RouteKey"), "RouteKey");
    const integration: HttpIntegration = /^https?:\/\//i.test(targetUri)
      ? { type: "HTTP_PROXY", payloadFormatVersion: "1.0", uri: targetUri, method: "ANY", requestParameters: {}, responseParameters: {}, timeoutInMillis: HTTP_TIMEOUT_MAX }
      // Quick create makes Lambda integrations with payload format 2.0 (ApiGatewayV2 CreateApi: "Target … quick create").
      : { type: "AWS_PROXY", payloadFormatVersion: "2.0", ...httpLambdaTarget(targetUri, ctx.index, ctx.region, file, propPath(entry, "Target")), timeoutInMillis: HTTP_TIMEOUT_MAX };
    routes.push({ routeKey, ...checkRouteKey(routeKey, file, propPath(entry, "RouteKey")), authorizationType: "NONE", authorizationScopes: [], integration, location: { file, path: entry.path } });
    stages.push({ name: "$default", variables: {}, autoDeploy: true, routeThrottles: {} });
  }
  for (const e of children(ctx, entry.logicalId, "AWS::ApiGatewayV2::Route")) {
    const rp = child(e.path, "Properties");
    const props = obj(t.resolve(e.properties, rp), file, rp, "Properties");
    checkKeys(props, new Set(["ApiId", "RouteKey", "Target", "AuthorizationType", "AuthorizerId", "AuthorizationScopes", "OperationName", "ApiKeyRequired", "RequestParameters", "ModelSelectionExpression", "RequestModels", "RouteResponseSelectionExpression"]), file, rp, "AWS::ApiGatewayV2::Route");
    if (bool(props["ApiKeyRequired"], file, child(rp, "ApiKeyRequired"), "ApiKeyRequired")) fail(file, child(rp, "ApiKeyRequired"), "HTTP APIs do not support API keys");
    const routeKey = str(props["RouteKey"], file, child(rp, "RouteKey"), "RouteKey");
    const parsed = checkRouteKey(routeKey, file, child(rp, "RouteKey"));
    const targetValue = props["Target"] === undefined ? fail(file, rp, "a route without Target has no integration; gateproof cannot serve it") : str(props["Target"], file, child(rp, "Target"), "Target");
    const integrationId = /^integrations\/(.+)$/.exec(targetValue)?.[1];
    const integration = (integrationId && integrations.get(integrationId)) || fail(file, child(rp, "Target"), `Target "${targetValue}" must be integrations/<id> of an AWS::ApiGatewayV2::Integration of this API`);
    const type = props["AuthorizationType"] === undefined ? "NONE" : str(props["AuthorizationType"], file, child(rp, "AuthorizationType"), "AuthorizationType");
    if (!["NONE", "JWT", "CUSTOM", "AWS_IAM"].includes(type)) fail(file, child(rp, "AuthorizationType"), `AuthorizationType must be NONE, JWT, CUSTOM or AWS_IAM, got ${type}`);
    const scopes = list(props["AuthorizationScopes"], file, child(rp, "AuthorizationScopes"), "AuthorizationScopes").map((s, i) => str(s, file, child(child(rp, "AuthorizationScopes"), i), "scope"));
    let targetAuth = type;
    if (type === "JWT" || type === "CUSTOM") {
      const aid = str(props["AuthorizerId"] ?? fail(file, rp, `AuthorizationType ${type} needs an AuthorizerId`), file, child(rp, "AuthorizerId"), "AuthorizerId");
      const authorizer = authorizers[aid] ?? fail(file, child(rp, "AuthorizerId"), `AuthorizerId ${aid} is not an authorizer of this API`);
      if ((authorizer.type === "JWT") !== (type === "JWT")) fail(file, child(rp, "AuthorizationType"), `AuthorizationType ${type} does not fit the ${authorizer.type} authorizer ${authorizer.name}`);
      targetAuth = aid;
    }
    routes.push({ routeKey, ...parsed, ...authorizationOf(targetAuth, scopes, authorizers, file, child(rp, "AuthorizationScopes")), integration, location: { file, path: e.path } });
  }
  for (const e of children(ctx, entry.logicalId, "AWS::ApiGatewayV2::Stage")) {
    const sp = child(e.path, "Properties");
    const props = obj(t.resolve(e.properties, sp), file, sp, "Properties");
    checkKeys(props, new Set(["ApiId", "StageName", "AutoDeploy", "StageVariables", "DefaultRouteSettings", "RouteSettings", "DeploymentId", "Description", "Tags", "AccessLogSettings", "ClientCertificateId"]), file, sp, "AWS::ApiGatewayV2::Stage");
    const name = str(props["StageName"], file, child(sp, "StageName"), "StageName");
    if (name !== "$default") stageName(name, file, child(sp, "StageName"));
    const paths = { defaults: child(sp, "DefaultRouteSettings"), routes: child(sp, "RouteSettings") };
    const stage: HttpStage = {
      name,
      variables: props["StageVariables"] === undefined ? {} : stageVariables(props["StageVariables"], file, child(sp, "StageVariables")),
      autoDeploy: bool(props["AutoDeploy"], file, child(sp, "AutoDeploy"), "AutoDeploy"),
      ...readStageSettings(props["DefaultRouteSettings"], props["RouteSettings"], file, paths),
    };
    if (stages.some((s) => s.name === name)) fail(file, child(sp, "StageName"), `stage "${name}" is defined twice`);
    stages.push(stage);
  }
  // A stage without AutoDeploy serves whatever a Deployment captured; gateproof serves the template's routes either way.
  if (stages.length === 0) fail(file, entry.path, "the HTTP API has no stage (add an AWS::ApiGatewayV2::Stage, e.g. StageName: $default with AutoDeploy: true)");
  const corsRaw = t.prop(entry, "CorsConfiguration");
  const cors = corsRaw === undefined ? definition?.cors : corsConfiguration(corsRaw, file, propPath(entry, "CorsConfiguration"), true);
  const nameProp = t.prop(entry, "Name");
  return finish(
    {
      logicalId: entry.logicalId,
      id,
      name: nameProp === undefined ? (definition?.title ?? entry.logicalId) : str(nameProp, file, propPath(entry, "Name"), "Name"),
      stages,
      routes,
      authorizers,
      ...(cors ? { cors } : {}),
      location: { file, path: entry.path },
    },
    file,
  );
}

/** Every HTTP API of a stack, in template order (the implicit ServerlessHttpApi last, as SAM adds it). */
export function loadHttpApis(ctx: StackContext, events: HttpApiEvent[], implicitAt: string | undefined): HttpApi[] {
  const apis: HttpApi[] = [];
  for (const e of ctx.t.resources.values()) {
    if (e.type === "AWS::Serverless::HttpApi") apis.push(samHttpApi(ctx, e, events.filter((ev) => ev.apiLogicalId === e.logicalId)));
    else if (e.type === "AWS::ApiGatewayV2::Api" && isHttpProtocol(ctx.t, e)) apis.push(cfnHttpApi(ctx, e));
  }
  if (implicitAt !== undefined) {
    if (ctx.t.resources.has(IMPLICIT_HTTP_API)) fail(ctx.t.file, child("$.Resources", IMPLICIT_HTTP_API), `logical id ${IMPLICIT_HTTP_API} is reserved for SAM's implicit HTTP API`);
    apis.push(samHttpApi(ctx, undefined, events.filter((ev) => ev.apiLogicalId === IMPLICIT_HTTP_API)));
  }
  return apis;
}

/** Refuses V2 pieces this loader does not serve: custom domains, VPC links, WebSocket-only resources on HTTP APIs. */
export function refusedV2(type: string): string | undefined {
  if (type === "AWS::ApiGatewayV2::DomainName" || type === "AWS::ApiGatewayV2::ApiMapping") return "custom domains are not supported yet";
  if (type === "AWS::ApiGatewayV2::VpcLink") return "VPC links are not supported yet";
  return undefined;
}
