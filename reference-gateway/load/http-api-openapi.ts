/**
 * OpenAPI 3 definitions of HTTP APIs (`AWS::Serverless::HttpApi` DefinitionBody/DefinitionUri,
 * `AWS::ApiGatewayV2::Api` Body): paths → routes, `x-amazon-apigateway-integration` (aws_proxy / http_proxy with
 * payloadFormatVersion), `x-amazon-apigateway-authorizer` (jwt / request) security schemes, `x-amazon-apigateway-cors`,
 * and the `$default` route (`/$default` + `x-amazon-apigateway-any-method` + `isDefaultRoute`).
 * Sources: spec §11.1, api-gateway-swagger-extensions-integration.md, http-api-open-api.md.
 */
import type { HttpAuthorizer, HttpCorsConfiguration, HttpIntegration, HttpRoute } from "../model/http-api.ts";
import { refuseDisabledDefaultEndpointInOpenApi } from "./default-endpoint.ts";
import { fail } from "./errors.ts";
import type { FunctionIndex } from "./functions.ts";
import { authorizerId } from "./ids.ts";
import { child } from "./json-path.ts";
import { bool, checkKeys, int, isObject, list, obj, str, stringMap } from "./values.ts";

export interface HttpOpenApiContext {
  file: string;
  path: string;
  apiId: string;
  functions: FunctionIndex;
  region: string;
}

export interface HttpApiParts {
  title?: string;
  routes: HttpRoute[];
  authorizers: Record<string, HttpAuthorizer>;
  /** Scheme name → authorizer id (JWT / REQUEST), or "AWS_IAM" for an awsSigv4 scheme. */
  schemes: Map<string, string>;
  cors?: HttpCorsConfiguration;
}

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
const OPERATION_KEYS = new Map([...HTTP_METHODS.map((m) => [m.toLowerCase(), m] as const), ["x-amazon-apigateway-any-method", "ANY"]]);

/** HTTP API integration timeout: 50 ms .. 30 s, default 30 s (spec §10 "HTTP API: maximum 30 s"; limits.md). */
export const HTTP_TIMEOUT_MAX = 30000;

/** Route keys: `$default` or `METHOD /path` with `{name}` segments and an optional trailing `{name+}` (http-api-develop-routes.md). */
export function checkRouteKey(routeKey: string, file: string, path: string): { method: string; path?: string } {
  if (routeKey === "$default") return { method: "$default" };
  const m = /^([A-Z]+) (\/.*)$/.exec(routeKey);
  if (!m || (m[1] !== "ANY" && !HTTP_METHODS.includes(m[1]!))) return fail(file, path, `route key "${routeKey}" must be "$default" or "METHOD /path" with METHOD one of ${[...HTTP_METHODS, "ANY"].join(", ")}`);
  const segments = m[2] === "/" ? [] : m[2]!.slice(1).split("/");
  segments.forEach((segment, i) => {
    if (segment === "") fail(file, path, `route key "${routeKey}" has an empty path segment`);
    // "The greedy path variable must be at the end of the resource path" (http-api-develop-routes.md).
    if (/^\{[^}]+\+\}$/.test(segment) && i !== segments.length - 1) fail(file, path, `route key "${routeKey}": a greedy path variable must be the last segment`);
    if (segment.includes("{") && !/^\{[A-Za-z0-9._-]+\+?\}$/.test(segment)) fail(file, path, `route key "${routeKey}": path variables must be whole segments like {name} or {name+}`);
  });
  return { method: m[1]!, path: m[2]! };
}

const LAMBDA_INVOCATION_URI = /^arn:(aws[a-z-]*):apigateway:([a-z0-9-]+):lambda:path\/2015-03-31\/functions\/(.+)\/invocations$/;
const FUNCTION_ARN = /^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):\d{12}:function:.+$/;

/**
 * The function a Lambda integration or authorizer URI names: HTTP APIs take the invocation URI or the function ARN
 * itself (AWS::ApiGatewayV2::Integration IntegrationUri). A `${stageVariables.x}` reference stays a name template.
 */
export function httpLambdaTarget(uri: string, functions: FunctionIndex, region: string, file: string, path: string): { functionLogicalId: string } | { functionNameTemplate: string } {
  const invocation = LAMBDA_INVOCATION_URI.exec(uri);
  const reference = invocation ? invocation[3]! : uri;
  if (/\$\{stageVariables\.[A-Za-z0-9_]+\}/.test(reference)) return { functionNameTemplate: reference };
  if (!invocation && !FUNCTION_ARN.test(uri)) fail(file, path, `Lambda integration uri must be a function ARN or arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations, got "${uri}"`);
  const full = invocation ? uri : `arn:${FUNCTION_ARN.exec(uri)![1]}:apigateway:${region}:lambda:path/2015-03-31/functions/${uri}/invocations`;
  return { functionLogicalId: functions.resolveUri(full, file, path) };
}

const MAPPING_KEY = /^(append|overwrite|remove):(header\.[A-Za-z0-9!#$%&'*+.^_`|~-]+|querystring\.[^\s]+|path)$/;
const RESPONSE_MAPPING_KEY = /^(append|overwrite|remove):header\.[A-Za-z0-9!#$%&'*+.^_`|~-]+$|^overwrite:statuscode$/;

/** Parameter mapping keys (http-api-parameter-mapping.md): `append|overwrite|remove:header.x`, `…:querystring.x`, `overwrite:path`. */
export function requestMapping(v: unknown, file: string, path: string): Record<string, string> {
  const mapping = stringMap(v, file, path, "RequestParameters");
  for (const key of Object.keys(mapping)) {
    const m = MAPPING_KEY.exec(key);
    if (!m) fail(file, child(path, key), `parameter mapping "${key}" must be append:, overwrite: or remove: on header.<name>, querystring.<name> or path`);
    if (m[2] === "path" && m[1] !== "overwrite") fail(file, child(path, key), "the path can only be overwritten (overwrite:path)");
  }
  return mapping;
}

export function responseMapping(v: unknown, file: string, path: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [status, raw] of Object.entries(obj(v, file, path, "ResponseParameters"))) {
    if (!/^[1-5]\d\d$/.test(status)) fail(file, child(path, status), `response parameter mappings are keyed by status code, got "${status}"`);
    const p = child(path, status);
    // `{"200": {"overwrite:header.x": "v"}}` (http-api-parameter-mapping.md).
    const mapping = stringMap(raw, file, p, "ResponseParameters");
    for (const key of Object.keys(mapping)) if (!RESPONSE_MAPPING_KEY.test(key)) fail(file, child(p, key), `response mapping "${key}" must be append:, overwrite: or remove: on header.<name>, or overwrite:statuscode`);
    out[status] = mapping;
  }
  return out;
}

/** CorsConfiguration (CloudFormation, PascalCase) or x-amazon-apigateway-cors (camelCase). */
export function corsConfiguration(v: unknown, file: string, path: string, pascal: boolean): HttpCorsConfiguration {
  const o = obj(v, file, path, "CORS configuration");
  const k = (name: string) => (pascal ? name[0]!.toUpperCase() + name.slice(1) : name);
  const known = new Set(["allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders", "maxAge", "allowCredentials"].map(k));
  for (const key of Object.keys(o)) if (!known.has(key)) fail(file, child(path, key), `CORS configuration property ${key} is unknown`);
  const strings = (name: string) => list(o[k(name)], file, child(path, k(name)), k(name)).map((x, i) => str(x, file, child(child(path, k(name)), i), k(name)));
  const cors: HttpCorsConfiguration = {
    allowOrigins: strings("allowOrigins"),
    allowMethods: strings("allowMethods").map((m) => m.toUpperCase()),
    allowHeaders: strings("allowHeaders"),
    exposeHeaders: strings("exposeHeaders"),
    allowCredentials: bool(o[k("allowCredentials")], file, child(path, k("allowCredentials")), k("allowCredentials")),
  };
  // "MaxAge … -1 disables caching"; the console allows 0..86400 (CorsConfiguration API reference).
  if (o[k("maxAge")] !== undefined) cors.maxAge = int(o[k("maxAge")], file, child(path, k("maxAge")), k("maxAge"), -1, 86400);
  // AWS refuses this combination: "allow-credentials is not supported if 'allow-origin' is *" (aws/aws-cdk#9076).
  if (cors.allowCredentials && cors.allowOrigins.includes("*")) fail(file, child(path, k("allowCredentials")), "allow-credentials is not supported if 'allow-origin' is *");
  return cors;
}

function readIntegration(x: Record<string, unknown>, ctx: HttpOpenApiContext, p: string): HttpIntegration {
  const known = new Set(["type", "uri", "httpMethod", "payloadFormatVersion", "timeoutInMillis", "requestParameters", "responseParameters", "connectionType", "credentials", "passthroughBehavior", "description"]);
  for (const key of Object.keys(x)) if (!known.has(key)) fail(ctx.file, child(p, key), `x-amazon-apigateway-integration property ${key} is not supported for HTTP APIs yet`);
  const type = str(x["type"], ctx.file, child(p, "type"), "type").toUpperCase();
  const timeoutInMillis = x["timeoutInMillis"] === undefined ? HTTP_TIMEOUT_MAX : int(x["timeoutInMillis"], ctx.file, child(p, "timeoutInMillis"), "timeoutInMillis", 50, HTTP_TIMEOUT_MAX);
  if (x["connectionType"] !== undefined && x["connectionType"] !== "INTERNET") fail(ctx.file, child(p, "connectionType"), "VPC links are not supported yet");
  const uri = str(x["uri"] ?? fail(ctx.file, p, "integration needs a uri"), ctx.file, child(p, "uri"), "uri");
  const version = x["payloadFormatVersion"] === undefined ? undefined : str(x["payloadFormatVersion"], ctx.file, child(p, "payloadFormatVersion"), "payloadFormatVersion");
  if (type === "AWS_PROXY") {
    // Required for Lambda proxy integrations of HTTP APIs (spec §6.3: "required via CLI, CloudFormation or SDK").
    if (version !== "1.0" && version !== "2.0") return fail(ctx.file, child(p, "payloadFormatVersion"), "payloadFormatVersion must be \"1.0\" or \"2.0\" for a Lambda integration");
    for (const key of ["requestParameters", "responseParameters"]) if (x[key] !== undefined) fail(ctx.file, child(p, key), `${key} on Lambda integrations is not supported yet`);
    return { type, payloadFormatVersion: version, ...httpLambdaTarget(uri, ctx.functions, ctx.region, ctx.file, child(p, "uri")), timeoutInMillis };
  }
  if (type === "HTTP_PROXY") {
    if (version !== undefined && version !== "1.0") fail(ctx.file, child(p, "payloadFormatVersion"), "HTTP_PROXY integrations only take payloadFormatVersion 1.0");
    return {
      type,
      payloadFormatVersion: "1.0",
      uri: checkHttpUri(uri, ctx.file, child(p, "uri")),
      method: str(x["httpMethod"] ?? "ANY", ctx.file, child(p, "httpMethod"), "httpMethod").toUpperCase(),
      requestParameters: requestMapping(x["requestParameters"], ctx.file, child(p, "requestParameters")),
      responseParameters: responseMapping(x["responseParameters"], ctx.file, child(p, "responseParameters")),
      timeoutInMillis,
    };
  }
  return fail(ctx.file, child(p, "type"), `integration type ${type} is not available for HTTP APIs (AWS_PROXY and HTTP_PROXY are)`);
}

export function checkHttpUri(uri: string, file: string, path: string): string {
  const probe = uri.replace(/\$\{stageVariables\.[A-Za-z0-9_]+\}/g, "x").replace(/\{[^}]+\}/g, "x");
  if (!/^https?:\/\/[^/]+/i.test(probe)) fail(file, path, `HTTP_PROXY uri must be an http(s) URL, got "${uri}"`);
  return uri;
}

/** Identity sources: one comma-separated string in OpenAPI, a list in CloudFormation. */
export function identitySources(v: unknown, file: string, path: string): string[] {
  const raw = Array.isArray(v) ? v.map((x, i) => str(x, file, child(path, i), "identitySource")) : v === undefined ? [] : str(v, file, path, "identitySource").split(",");
  const sources = raw.map((s) => s.trim()).filter((s) => s !== "");
  for (const s of sources) {
    if (!/^\$(request\.header\.[^\s.]+|request\.querystring\.[^\s]+|context\.[A-Za-z0-9_.]+|stageVariables\.[A-Za-z0-9_]+)$/.test(s)) {
      fail(file, path, `identity source "${s}" must be $request.header.<name>, $request.querystring.<name>, $context.<variable> or $stageVariables.<name>`);
    }
  }
  return sources;
}

/**
 * x-amazon-apigateway-authorizer properties an HTTP API reads (api-gateway-swagger-extensions-authorizer): any other
 * key (misspelt, or REST-only like identityValidationExpression) would be dropped for a default, so it stops the load.
 */
const JWT_KEYS = new Set(["type", "jwtConfiguration", "identitySource"]);
const REQUEST_KEYS = new Set(["type", "authorizerUri", "authorizerCredentials", "authorizerPayloadFormatVersion", "enableSimpleResponses", "identitySource", "authorizerResultTtlInSeconds"]);

function readAuthorizer(name: string, a: Record<string, unknown>, ctx: HttpOpenApiContext, p: string): HttpAuthorizer {
  const type = str(a["type"], ctx.file, child(p, "type"), "type").toLowerCase();
  const id = authorizerId(ctx.apiId, name);
  const location = { file: ctx.file, path: p };
  if (type === "jwt") {
    checkKeys(a, JWT_KEYS, ctx.file, p, "jwt x-amazon-apigateway-authorizer");
    const jwt = obj(a["jwtConfiguration"], ctx.file, child(p, "jwtConfiguration"), "jwtConfiguration");
    const jp = child(p, "jwtConfiguration");
    checkKeys(jwt, new Set(["issuer", "audience"]), ctx.file, jp, "jwtConfiguration");
    const audience = list(jwt["audience"], ctx.file, child(jp, "audience"), "audience").map((x, i) => str(x, ctx.file, child(child(jp, "audience"), i), "audience"));
    return jwtAuthorizer({ id, name, issuer: jwt["issuer"], audience, identitySource: a["identitySource"] ?? "$request.header.Authorization", location }, ctx.file, p, jp);
  }
  if (type === "request") {
    checkKeys(a, REQUEST_KEYS, ctx.file, p, "request x-amazon-apigateway-authorizer");
    return lambdaAuthorizer(
      {
        id,
        name,
        uri: a["authorizerUri"],
        payloadFormatVersion: a["authorizerPayloadFormatVersion"],
        enableSimpleResponses: a["enableSimpleResponses"],
        identitySource: a["identitySource"],
        ttl: a["authorizerResultTtlInSeconds"],
        location,
      },
      ctx,
      { uri: child(p, "authorizerUri"), version: child(p, "authorizerPayloadFormatVersion"), simple: child(p, "enableSimpleResponses"), identity: child(p, "identitySource"), ttl: child(p, "authorizerResultTtlInSeconds") },
    );
  }
  return fail(ctx.file, child(p, "type"), `authorizer type ${type} is not available for HTTP APIs (jwt and request are)`);
}

export function jwtAuthorizer(
  a: { id: string; name: string; issuer: unknown; audience: string[]; identitySource: unknown; location: { file: string; path: string } },
  file: string,
  identityPath: string,
  jwtPath: string,
): HttpAuthorizer {
  const issuer = str(a.issuer ?? fail(file, jwtPath, "a JWT authorizer needs an issuer"), file, child(jwtPath, "issuer"), "issuer");
  // limits.md: 50 audiences per authorizer.
  if (a.audience.length > 50) fail(file, child(jwtPath, "audience"), `a JWT authorizer takes at most 50 audiences, got ${a.audience.length}`);
  const identitySource = identitySources(a.identitySource, file, child(identityPath, "identitySource"));
  if (identitySource.length !== 1) fail(file, child(identityPath, "identitySource"), "a JWT authorizer takes exactly one identity source");
  return { type: "JWT", id: a.id, name: a.name, issuer, audience: a.audience, identitySource, location: a.location };
}

export function lambdaAuthorizer(
  a: { id: string; name: string; uri: unknown; payloadFormatVersion: unknown; enableSimpleResponses: unknown; identitySource: unknown; ttl: unknown; location: { file: string; path: string } },
  ctx: Pick<HttpOpenApiContext, "file" | "functions" | "region">,
  paths: { uri: string; version: string; simple: string; identity: string; ttl: string },
): HttpAuthorizer {
  const { file } = ctx;
  const uri = str(a.uri ?? fail(file, paths.uri, "a Lambda authorizer needs its function's URI"), file, paths.uri, "authorizer URI");
  const version = a.payloadFormatVersion === undefined ? undefined : str(a.payloadFormatVersion, file, paths.version, "authorizer payload format version");
  // Required for Lambda authorizers of HTTP APIs (spec §7.3).
  if (version !== "1.0" && version !== "2.0") return fail(file, paths.version, "the authorizer payload format version must be \"1.0\" or \"2.0\"");
  const enableSimpleResponses = bool(a.enableSimpleResponses, file, paths.simple, "enableSimpleResponses");
  // Simple responses exist for format 2.0 only (spec §7.3: "For v1.0 only the IAM policy form exists").
  if (enableSimpleResponses && version !== "2.0") fail(file, paths.simple, "simple responses need authorizer payload format version 2.0");
  const resultTtlSeconds = a.ttl === undefined ? 0 : int(a.ttl, file, paths.ttl, "authorizer result TTL", 0, 3600);
  const identitySource = identitySources(a.identitySource, file, paths.identity);
  // "authorizerResultTtlInSeconds > 0 enables it, keyed by the identity sources; at least one identity source is required" (spec §7.3).
  if (resultTtlSeconds > 0 && identitySource.length === 0) fail(file, paths.identity, "a cached Lambda authorizer needs at least one identity source");
  return {
    type: "REQUEST",
    id: a.id,
    name: a.name,
    ...httpLambdaTarget(uri, ctx.functions, ctx.region, file, paths.uri),
    payloadFormatVersion: version,
    enableSimpleResponses,
    resultTtlSeconds,
    identitySource,
    location: a.location,
  };
}

/** Reads an HTTP API's OpenAPI 3 document. */
export function readHttpOpenApi(doc: unknown, ctx: HttpOpenApiContext): HttpApiParts {
  const { file } = ctx;
  if (!isObject(doc) || typeof doc["openapi"] !== "string" || !doc["openapi"].startsWith("3.")) return fail(file, ctx.path, "an HTTP API definition must be an OpenAPI 3.x document");
  const info = doc["info"];
  const parts: HttpApiParts = { routes: [], authorizers: {}, schemes: new Map() };
  if (isObject(info) && typeof info["title"] === "string") parts.title = info["title"];
  refuseDisabledDefaultEndpointInOpenApi(doc, file, ctx.path);
  if (doc["x-amazon-apigateway-cors"] !== undefined) parts.cors = corsConfiguration(doc["x-amazon-apigateway-cors"], file, child(ctx.path, "x-amazon-apigateway-cors"), false);
  if (doc["security"] !== undefined) fail(file, child(ctx.path, "security"), "root-level security is not supported yet; put security on each operation");

  const components = obj(doc["components"], file, child(ctx.path, "components"), "components");
  const schemesPath = child(child(ctx.path, "components"), "securitySchemes");
  for (const [name, raw] of Object.entries(obj(components["securitySchemes"], file, schemesPath, "securitySchemes"))) {
    const p = child(schemesPath, name);
    const scheme = obj(raw, file, p, "security scheme");
    if (scheme["x-amazon-apigateway-authtype"] === "awsSigv4") {
      parts.schemes.set(name, "AWS_IAM");
      continue;
    }
    if (scheme["x-amazon-apigateway-authorizer"] === undefined) continue;
    const authorizer = readAuthorizer(name, obj(scheme["x-amazon-apigateway-authorizer"], file, child(p, "x-amazon-apigateway-authorizer"), "authorizer"), ctx, child(p, "x-amazon-apigateway-authorizer"));
    parts.authorizers[authorizer.id] = authorizer;
    parts.schemes.set(name, authorizer.id);
  }

  const pathsPath = child(ctx.path, "paths");
  for (const [routePath, rawItem] of Object.entries(obj(doc["paths"], file, pathsPath, "paths"))) {
    const ip = child(pathsPath, routePath);
    const item = obj(rawItem, file, ip, "path item");
    for (const [key, rawOp] of Object.entries(item)) {
      const method = OPERATION_KEYS.get(key);
      if (method === undefined) continue;
      const op = obj(rawOp, file, child(ip, key), "operation");
      const p = child(ip, key);
      // `/$default` + any-method (+ isDefaultRoute) is the $default route (spec §11.1).
      const routeKey = routePath === "/$default" && method === "ANY" ? "$default" : `${method} ${routePath}`;
      const parsed = checkRouteKey(routeKey, file, p);
      const x = op["x-amazon-apigateway-integration"];
      if (x === undefined) fail(file, p, "operation has no x-amazon-apigateway-integration");
      const integration = readIntegration(obj(x, file, child(p, "x-amazon-apigateway-integration"), "integration"), ctx, child(p, "x-amazon-apigateway-integration"));
      parts.routes.push({ routeKey, ...parsed, ...security(op["security"], parts, file, child(p, "security")), integration, location: { file, path: p } });
    }
  }
  return parts;
}

function security(v: unknown, parts: HttpApiParts, file: string, path: string): Pick<HttpRoute, "authorizationType" | "authorizerId" | "authorizationScopes"> {
  const requirements = list(v, file, path, "security");
  if (requirements.length === 0) return { authorizationType: "NONE", authorizationScopes: [] };
  if (requirements.length > 1) fail(file, path, "an HTTP API route takes one authorizer; several security requirements are not supported");
  const requirement = obj(requirements[0], file, child(path, 0), "security requirement");
  const names = Object.keys(requirement);
  if (names.length !== 1) fail(file, child(path, 0), "an HTTP API route takes one authorizer per security requirement");
  const name = names[0]!;
  const scopes = list(requirement[name], file, child(child(path, 0), name), "scopes").map((s, i) => str(s, file, child(child(child(path, 0), name), i), "scope"));
  const target = parts.schemes.get(name) ?? fail(file, child(child(path, 0), name), `security scheme "${name}" is not defined with x-amazon-apigateway-authorizer`);
  return authorizationOf(target, scopes, parts.authorizers, file, child(child(path, 0), name));
}

/** Route authorization from an authorizer id (or "AWS_IAM" / "NONE") and scopes. */
export function authorizationOf(
  target: string,
  scopes: string[],
  authorizers: Record<string, HttpAuthorizer>,
  file: string,
  path: string,
): Pick<HttpRoute, "authorizationType" | "authorizerId" | "authorizationScopes"> {
  // limits.md: 10 scopes per route.
  if (scopes.length > 10) fail(file, path, `a route takes at most 10 authorization scopes, got ${scopes.length}`);
  if (target === "NONE") return { authorizationType: "NONE", authorizationScopes: [] };
  // Enforced by http-api/authorize.ts through the SigV4 verifier (auth/iam.ts).
  if (target === "AWS_IAM") return { authorizationType: "AWS_IAM", authorizationScopes: [] };
  const authorizer = authorizers[target] ?? fail(file, path, `authorizer ${target} is not defined`);
  if (authorizer.type === "REQUEST" && scopes.length > 0) fail(file, path, "authorization scopes apply to JWT authorizers only");
  return { authorizationType: authorizer.type === "JWT" ? "JWT" : "CUSTOM", authorizerId: authorizer.id, authorizationScopes: scopes };
}
