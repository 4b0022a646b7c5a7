/**
 * WebSocket APIs from CloudFormation / SAM: `AWS::ApiGatewayV2::Api` with `ProtocolType: WEBSOCKET` and the Route,
 * Integration, RouteResponse, IntegrationResponse, Stage and Deployment resources that point at it (by `ApiId`).
 * HTTP APIs (`ProtocolType: HTTP`) are not read here.
 *
 * Property names and rules: AWS::ApiGatewayV2::* resource reference (CloudFormation user guide) and spec §12:
 * custom route keys must not start with `$`, route responses only with selection expression `$default`,
 * authorization only on `$connect`, integration timeout 50..29000 ms (spec §10).
 */
import type { WebSocketApi, WebSocketIntegration, WebSocketRoute, WebSocketStage } from "../model/websocket.ts";
import { refuseDisabledDefaultEndpoint } from "./default-endpoint.ts";
import { fail } from "./errors.ts";
import { apiId, resourceId, urlSuffixOf } from "./ids.ts";
import type { ResourceEntry, Template } from "./intrinsics.ts";
import { child } from "./json-path.ts";
import { readStageSettings } from "./route-settings.ts";
import type { StackContext } from "./stack-context.ts";
import { checkKeys, int, isObject, stageName, stageVariables } from "./values.ts";

const V2 = "AWS::ApiGatewayV2::";
const PREDEFINED_ROUTES = new Set(["$connect", "$disconnect", "$default"]);

/** The logical id an `ApiId` value names when written as `!Ref Api` or `!GetAtt Api.ApiId` (unresolved form). */
function referencedApi(raw: unknown): string | undefined {
  if (!isObject(raw)) return undefined;
  if (typeof raw["Ref"] === "string") return raw["Ref"];
  const getAtt = raw["Fn::GetAtt"];
  if (typeof getAtt === "string" && getAtt.endsWith(".ApiId")) return getAtt.slice(0, -".ApiId".length);
  if (Array.isArray(getAtt) && getAtt[1] === "ApiId" && typeof getAtt[0] === "string") return getAtt[0];
  return undefined;
}

function isWebSocketApi(t: Template, logicalId: string | undefined): boolean {
  if (logicalId === undefined) return false;
  const e = t.resources.get(logicalId);
  return e !== undefined && e.type === `${V2}Api` && t.prop(e, "ProtocolType") === "WEBSOCKET";
}

/**
 * True for the resources this loader reads: a WEBSOCKET Api, and V2 resources whose `ApiId` references one.
 * Anything else under `AWS::ApiGatewayV2::` (HTTP APIs, domain names) is someone else's.
 */
export function isWebSocketResource(t: Template, e: ResourceEntry): boolean {
  if (!e.type.startsWith(V2)) return false;
  if (e.type === `${V2}Api`) return isWebSocketApi(t, e.logicalId);
  return isWebSocketApi(t, referencedApi(e.properties["ApiId"]));
}

/** Physical ids for `Ref` (AWS: route/integration ids are short lowercase alphanumerics; stage → its name). */
export function webSocketRef(t: Template, stackName: string, e: ResourceEntry): string | undefined {
  switch (e.type) {
    case `${V2}Api`:
      return apiId(stackName, e.logicalId);
    case `${V2}Stage`: {
      const v = t.prop(e, "StageName");
      return typeof v === "string" ? v : undefined;
    }
    case `${V2}Route`:
    case `${V2}Integration`:
    case `${V2}RouteResponse`:
    case `${V2}IntegrationResponse`:
    case `${V2}Deployment`:
      return childId(stackName, e);
    default:
      return undefined;
  }
}

/** `Fn::GetAtt` on the Api: `ApiId`, and `ApiEndpoint` as AWS prints it (`wss://{id}.execute-api.{region}.amazonaws.com`). */
export function webSocketGetAtt(stackName: string, region: string, e: ResourceEntry, attribute: string): string | undefined {
  if (e.type !== `${V2}Api`) return undefined;
  const id = apiId(stackName, e.logicalId);
  if (attribute === "ApiId") return id;
  if (attribute === "ApiEndpoint") return `wss://${id}.execute-api.${region}.${urlSuffixOf(region)}`;
  return undefined;
}

function childId(stackName: string, e: ResourceEntry): string {
  // A 6-character lowercase id, stable per logical id (ids.ts's resource-id scheme under a WebSocket namespace).
  return resourceId(`ws:${stackName}`, `${e.type}/${e.logicalId}`);
}

interface Draft {
  api: WebSocketApi;
  routesById: Map<string, WebSocketRoute>;
}

const API_KEYS = new Set(["Name", "ProtocolType", "RouteSelectionExpression", "Description", "Tags", "Version", "DisableSchemaValidation", "ApiKeySelectionExpression", "DisableExecuteApiEndpoint", "FailOnWarnings"]);
const API_REASONS: Record<string, string> = {
  Body: "OpenAPI bodies for WebSocket APIs are not supported (WebSocket APIs have no OpenAPI form); declare Route and Integration resources",
  BodyS3Location: "OpenAPI bodies for WebSocket APIs are not supported; declare Route and Integration resources",
  Target: "quick create (Target) is an HTTP API feature",
  CredentialsArn: "quick create (CredentialsArn) is an HTTP API feature",
  RouteKey: "quick create (RouteKey) is an HTTP API feature",
  CorsConfiguration: "CorsConfiguration is an HTTP API feature",
};
const ROUTE_KEYS = new Set(["ApiId", "RouteKey", "Target", "AuthorizationType", "AuthorizerId", "RouteResponseSelectionExpression", "OperationName", "ApiKeyRequired"]);
const AUTHORIZER_KEYS = new Set(["ApiId", "AuthorizerType", "AuthorizerUri", "IdentitySource", "Name", "AuthorizerCredentialsArn"]);
const AUTHORIZER_REASONS: Record<string, string> = {
  AuthorizerResultTtlInSeconds: "AuthorizerResultTtlInSeconds is supported only for HTTP API authorizers (WebSocket authorizer results are not cached)",
  AuthorizerPayloadFormatVersion: "AuthorizerPayloadFormatVersion is an HTTP API setting",
  EnableSimpleResponses: "EnableSimpleResponses is an HTTP API setting",
  JwtConfiguration: "JWT authorizers are an HTTP API feature",
  IdentityValidationExpression: "IdentityValidationExpression is not supported on WebSocket authorizers",
};
/** WebSocket identity sources (serverless/serverless#5867, aws/aws-cdk#14085: `route.request.header.Auth`, `route.request.querystring.token`). */
const WS_IDENTITY_SOURCE = /^(route\.request\.header\.[^\s]+|route\.request\.querystring\.[^\s]+|stageVariables\.[^\s]+|context\.[^\s]+)$/;
const ROUTE_REASONS: Record<string, string> = {
  AuthorizationScopes: "authorization scopes are a JWT (HTTP API) feature",
  ModelSelectionExpression: "WebSocket request models are not supported yet",
  RequestModels: "WebSocket request models are not supported yet",
  RequestParameters: "WebSocket route request parameters are not supported yet",
};
const INTEGRATION_KEYS = new Set(["ApiId", "IntegrationType", "IntegrationUri", "IntegrationMethod", "TimeoutInMillis", "Description", "PayloadFormatVersion", "ContentHandlingStrategy"]);
const STAGE_KEYS = new Set(["ApiId", "StageName", "DeploymentId", "StageVariables", "AutoDeploy", "Description", "Tags", "AccessLogSettings", "DefaultRouteSettings", "RouteSettings"]);

function props(t: Template, e: ResourceEntry): Record<string, unknown> {
  const path = child(e.path, "Properties");
  const v = t.resolve(e.properties, path);
  return isObject(v) ? v : {};
}

/**
 * Spec §12.1: `$request.body.{jsonpath}` or a template of `${request.body.x}` parts and static text. A selection
 * expression that never reads the body would route every message to one key; AWS only documents body selection.
 */
function checkSelectionExpression(expr: string, file: string, path: string): void {
  const plain = /^\$request\.body\.[^\s$]+$/.test(expr);
  const template = /\$\{request\.body\.[^}]+\}/.test(expr);
  if (!plain && !template) fail(file, path, `RouteSelectionExpression "${expr}" must be $request.body.{path} or use \${request.body.{path}} parts`);
}

/** Reads every WEBSOCKET API of the stack, in template order. */
export function loadWebSocketApis(ctx: StackContext): WebSocketApi[] {
  const { t, stackName } = ctx;
  const file = t.file;
  const drafts = new Map<string, Draft>();
  // Whatever the stack's Ref hook answers for a Route or Integration is what Target/RouteId values hold.
  const refOf = (e: ResourceEntry): string => t.resolveString({ Ref: e.logicalId }, e.path, "Ref");
  const byApiId = new Map<string, string>();
  const apiOf = (e: ResourceEntry): Draft => {
    const path = child(child(e.path, "Properties"), "ApiId");
    if (e.properties["ApiId"] === undefined) fail(file, path, "ApiId is required");
    const id = t.resolveString(e.properties["ApiId"], path, "ApiId");
    const logical = byApiId.get(id);
    return (logical === undefined ? undefined : drafts.get(logical)) ?? fail(file, path, `ApiId "${id}" is not a WEBSOCKET Api of this template`);
  };

  for (const e of t.resources.values()) {
    if (e.type !== `${V2}Api` || !isWebSocketApi(t, e.logicalId)) continue;
    const p = props(t, e);
    const at = child(e.path, "Properties");
    checkKeys(p, API_KEYS, file, at, "WebSocket Api", API_REASONS);
    refuseDisabledDefaultEndpoint(p["DisableExecuteApiEndpoint"], file, child(at, "DisableExecuteApiEndpoint"));
    const expr = p["RouteSelectionExpression"];
    if (typeof expr !== "string") fail(file, child(at, "RouteSelectionExpression"), "RouteSelectionExpression is required for a WEBSOCKET Api");
    checkSelectionExpression(expr, file, child(at, "RouteSelectionExpression"));
    const id = apiId(stackName, e.logicalId);
    byApiId.set(id, e.logicalId);
    drafts.set(e.logicalId, {
      api: {
        logicalId: e.logicalId,
        id,
        name: typeof p["Name"] === "string" ? p["Name"] : e.logicalId,
        routeSelectionExpression: expr,
        stages: [],
        routes: {},
        location: { file, path: e.path },
      },
      routesById: new Map(),
    });
  }
  if (drafts.size === 0) return [];

  // Integrations first: routes name them in Target as `integrations/{id}`.
  const integrations = new Map<string, WebSocketIntegration>();
  for (const e of t.resources.values()) {
    if (e.type !== `${V2}Integration` || !isWebSocketResource(t, e)) continue;
    apiOf(e);
    const p = props(t, e);
    const at = child(e.path, "Properties");
    checkKeys(p, INTEGRATION_KEYS, file, at, "WebSocket Integration", {
      RequestTemplates: "mapping templates on WebSocket integrations are not supported yet (AWS_PROXY only)",
      TemplateSelectionExpression: "mapping templates on WebSocket integrations are not supported yet (AWS_PROXY only)",
      PassthroughBehavior: "mapping templates on WebSocket integrations are not supported yet (AWS_PROXY only)",
      CredentialsArn: "integration credentials are not supported yet",
    });
    const type = p["IntegrationType"];
    if (type !== "AWS_PROXY") fail(file, child(at, "IntegrationType"), `IntegrationType ${String(type)} is not supported yet on WebSocket APIs (AWS_PROXY Lambda integrations only)`);
    const uriPath = child(at, "IntegrationUri");
    if (typeof p["IntegrationUri"] !== "string") fail(file, uriPath, "IntegrationUri is required");
    const id = refOf(e);
    integrations.set(id, {
      id,
      type: "AWS_PROXY",
      functionLogicalId: ctx.index.resolveUri(p["IntegrationUri"], file, uriPath),
      timeoutInMillis: p["TimeoutInMillis"] === undefined ? 29000 : int(p["TimeoutInMillis"], file, child(at, "TimeoutInMillis"), "TimeoutInMillis", 50, 29000),
    });
  }

  // Authorizers next: routes name them in AuthorizerId (the Authorizer's Ref).
  for (const e of t.resources.values()) {
    if (e.type !== `${V2}Authorizer` || !isWebSocketResource(t, e)) continue;
    const draft = apiOf(e);
    const p = props(t, e);
    const at = child(e.path, "Properties");
    checkKeys(p, AUTHORIZER_KEYS, file, at, "WebSocket Authorizer", AUTHORIZER_REASONS);
    if (p["AuthorizerType"] !== "REQUEST") fail(file, child(at, "AuthorizerType"), `AuthorizerType must be REQUEST on a WebSocket API (Lambda REQUEST authorizers only), got ${JSON.stringify(p["AuthorizerType"])}`);
    if (p["AuthorizerCredentialsArn"] !== undefined) fail(file, child(at, "AuthorizerCredentialsArn"), "authorizer credentials are not supported yet");
    const uriPath = child(at, "AuthorizerUri");
    if (typeof p["AuthorizerUri"] !== "string") fail(file, uriPath, "AuthorizerUri is required");
    const sources = p["IdentitySource"] === undefined ? [] : Array.isArray(p["IdentitySource"]) ? p["IdentitySource"] : typeof p["IdentitySource"] === "string" ? p["IdentitySource"].split(",") : fail(file, child(at, "IdentitySource"), "IdentitySource must be a list of strings");
    const identitySource = sources.map((s, i) => {
      const v = typeof s === "string" ? s.trim() : fail(file, child(child(at, "IdentitySource"), i), "an identity source must be a string");
      if (!WS_IDENTITY_SOURCE.test(v)) fail(file, child(child(at, "IdentitySource"), i), `identity source "${v}" must be route.request.header.X, route.request.querystring.X, stageVariables.X or context.X`);
      return v;
    });
    const id = refOf(e);
    (draft.api.authorizers ??= {})[id] = {
      id,
      name: typeof p["Name"] === "string" ? p["Name"] : e.logicalId,
      type: "REQUEST",
      functionLogicalId: ctx.index.resolveUri(p["AuthorizerUri"], file, uriPath),
      identitySource,
    };
  }

  for (const e of t.resources.values()) {
    if (e.type !== `${V2}Route` || !isWebSocketResource(t, e)) continue;
    const draft = apiOf(e);
    const p = props(t, e);
    const at = child(e.path, "Properties");
    checkKeys(p, ROUTE_KEYS, file, at, "WebSocket Route", ROUTE_REASONS);
    const key = p["RouteKey"];
    if (typeof key !== "string" || key === "") fail(file, child(at, "RouteKey"), "RouteKey is required");
    if (key.startsWith("$") && !PREDEFINED_ROUTES.has(key)) fail(file, child(at, "RouteKey"), `route key "${key}": only $connect, $disconnect and $default may start with $`);
    if (draft.api.routes[key]) fail(file, child(at, "RouteKey"), `route key "${key}" is declared twice`);
    const auth = p["AuthorizationType"] ?? "NONE";
    if (auth !== "NONE" && auth !== "AWS_IAM" && auth !== "CUSTOM") fail(file, child(at, "AuthorizationType"), `AuthorizationType ${String(auth)} is not valid on a WebSocket route (NONE, AWS_IAM or CUSTOM)`);
    if (auth !== "NONE" && key !== "$connect") fail(file, child(at, "AuthorizationType"), "authorization is only possible on the $connect route");
    let authorizerId: string | undefined;
    if (auth === "CUSTOM") {
      const idPath = child(at, "AuthorizerId");
      if (p["AuthorizerId"] === undefined) fail(file, idPath, "AuthorizerId is required with AuthorizationType CUSTOM");
      authorizerId = typeof p["AuthorizerId"] === "string" ? p["AuthorizerId"] : fail(file, idPath, "AuthorizerId must be a string");
      if (!draft.api.authorizers?.[authorizerId]) fail(file, idPath, `AuthorizerId "${authorizerId}" is not an Authorizer of this API`);
    } else if (p["AuthorizerId"] !== undefined) fail(file, child(at, "AuthorizerId"), "AuthorizerId needs AuthorizationType CUSTOM");
    if (p["ApiKeyRequired"] === true || p["ApiKeyRequired"] === "true") fail(file, child(at, "ApiKeyRequired"), "API keys on WebSocket routes are not supported yet");
    const rrse = p["RouteResponseSelectionExpression"];
    if (rrse !== undefined && rrse !== "$default") fail(file, child(at, "RouteResponseSelectionExpression"), `RouteResponseSelectionExpression must be $default (the only value WebSocket APIs support), got ${JSON.stringify(rrse)}`);
    const targetPath = child(at, "Target");
    if (typeof p["Target"] !== "string") fail(file, targetPath, "Target (integrations/{IntegrationId}) is required: gateproof serves routes with an integration only");
    const m = /^integrations\/(.+)$/.exec(p["Target"]);
    if (!m) fail(file, targetPath, `Target must be integrations/{IntegrationId}, got "${p["Target"]}"`);
    const integration = integrations.get(m[1]!) ?? fail(file, targetPath, `Target names integration "${m[1]}", which is not an Integration of this API`);
    const route: WebSocketRoute = {
      routeKey: key,
      id: refOf(e),
      authorizationType: auth,
      ...(authorizerId === undefined ? {} : { authorizerId }),
      ...(rrse === "$default" ? { routeResponseSelectionExpression: "$default" } : {}),
      twoWay: false,
      integration,
      location: { file, path: e.path },
    };
    draft.api.routes[key] = route;
    draft.routesById.set(route.id, route);
  }

  for (const e of t.resources.values()) {
    if (!isWebSocketResource(t, e)) continue;
    const at = child(e.path, "Properties");
    if (e.type === `${V2}RouteResponse`) {
      const draft = apiOf(e);
      const p = props(t, e);
      if (p["RouteResponseKey"] !== "$default") fail(file, child(at, "RouteResponseKey"), `RouteResponseKey must be $default, got ${JSON.stringify(p["RouteResponseKey"])}`);
      const routeId = typeof p["RouteId"] === "string" ? p["RouteId"] : fail(file, child(at, "RouteId"), "RouteId is required");
      const route = draft.routesById.get(routeId) ?? fail(file, child(at, "RouteId"), `RouteId "${routeId}" is not a Route of this API`);
      // Two-way only when the route also selects the response (spec §12.1: enabled by routeResponseSelectionExpression).
      route.twoWay = route.routeResponseSelectionExpression === "$default";
    } else if (e.type === `${V2}Stage`) {
      const draft = apiOf(e);
      const p = props(t, e);
      checkKeys(p, STAGE_KEYS, file, at, "WebSocket Stage");
      const stage: WebSocketStage = {
        name: stageName(p["StageName"], file, child(at, "StageName")),
        variables: stageVariables(p["StageVariables"], file, child(at, "StageVariables")),
        // Route throttling, enforced on $connect handshakes and messages (websocket/throttle.ts).
        ...readStageSettings(p["DefaultRouteSettings"], p["RouteSettings"], file, { defaults: child(at, "DefaultRouteSettings"), routes: child(at, "RouteSettings") }),
      };
      if (draft.api.stages.some((s) => s.name === stage.name)) fail(file, child(at, "StageName"), `stage "${stage.name}" is declared twice`);
      draft.api.stages.push(stage);
    } else if (e.type === `${V2}Authorizer`) {
      // Read above.
    } else if (e.type === `${V2}IntegrationResponse` || e.type === `${V2}Deployment`) {
      apiOf(e); // AWS_PROXY integrations pass the function's answer through; a deployment only publishes.
    } else if (e.type !== `${V2}Api` && e.type !== `${V2}Route` && e.type !== `${V2}Integration`) {
      fail(file, child(e.path, "Type"), `${e.type} is not supported yet on WebSocket APIs`);
    }
  }

  const apis: WebSocketApi[] = [];
  for (const { api } of drafts.values()) {
    if (api.stages.length === 0) fail(file, api.location.path, "WebSocket Api has no AWS::ApiGatewayV2::Stage; it would not be reachable");
    apis.push(api);
  }
  return apis;
}
