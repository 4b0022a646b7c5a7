/**
 * SAM `Cors` on AWS::Serverless::Api (and Globals.Api) → the OPTIONS MOCK methods SAM writes into the definition.
 *
 * Followed line by line from samtranslator (aws/serverless-application-model):
 *   - model/api/api_generator.py `_add_cors` and `CorsProperties`: a string is AllowOrigin; a map may only hold
 *     AllowMethods, AllowHeaders, AllowOrigin, MaxAge, AllowCredentials ("Invalid value for 'Cors' property");
 *     AllowOrigin defaults to "'*'"; AllowCredentials true with AllowOrigin "'*'" is refused; Cors needs an inline
 *     DefinitionBody (SAM writes one itself for event-only APIs); falsy Cors does nothing. `_add_cors` runs before
 *     `_add_auth`, so DefaultAuthorizer / ApiKeyRequired reach the OPTIONS methods unless Auth's
 *     AddDefaultAuthorizerToCorsPreflight / AddApiKeyRequiredToCorsPreflight say otherwise.
 *   - swagger/swagger.py `add_cors`, `_options_method_response_for_cors`, `_make_cors_allowed_methods_for_path_item`:
 *     every path of the definition gets an `options` operation unless it has one already; the values go into the
 *     MOCK integration's `responseParameters` unchanged (they are mapping expressions, so a static value is written
 *     "'…'"); Allow-Headers is left out when not given, Max-Age when None, Allow-Credentials is `'true'` only when
 *     AllowCredentials is true; AllowMethods defaults to the path item's keys plus OPTIONS, upper-cased,
 *     deduplicated, sorted and comma-joined, or to all of OPTIONS,GET,HEAD,POST,PUT,DELETE,PATCH when the path has
 *     `x-amazon-apigateway-any-method` (base_editor.py `_ALL_HTTP_METHODS`).
 * SAM does NOT add Access-Control-Allow-Origin to the other methods: with Lambda proxy integrations the function
 * must return it (swagger.py add_cors docstring; spec §5.1).
 * Globals: a map-valued Cors in Globals.Api and on the resource are merged, the resource's keys winning
 * (sam-specification-template-anatomy-globals.md, "Overridable properties": maps are merged).
 */
import type { Method } from "../model/types.ts";
import { fail } from "./errors.ts";
import { NO_VALUE, type ResourceEntry } from "./intrinsics.ts";
import { child } from "./json-path.ts";
import type { StackContext } from "./stack-context.ts";
import type { Route } from "./tree.ts";
import { isObject } from "./values.ts";

/** The Cors setting as SAM's CorsProperties holds it (values are API Gateway mapping expressions). */
export interface SamCors {
  allowOrigin: string;
  allowHeaders?: string;
  allowMethods?: string;
  maxAge?: string;
  allowCredentials: boolean;
  /** Where the setting is written (for errors and the generated methods' location). */
  path: string;
}

const CORS_KEYS = ["AllowMethods", "AllowHeaders", "AllowOrigin", "MaxAge", "AllowCredentials"] as const;
/** api_generator.py `_CORS_WILDCARD`. */
const CORS_WILDCARD = "'*'";
const INVALID = "Invalid value for 'Cors' property";
/** base_editor.py `_ALL_HTTP_METHODS`: what `ANY` stands for in the generated Allow-Methods. */
const ALL_HTTP_METHODS = ["OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"];
/** What API Gateway accepts as a method-response mapping source (request-response-data-mappings.md). */
const MAPPING_SOURCE = /^(?:'.*'|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.-]+|integration\.response\.[A-Za-z0-9_.$-]+)$/s;

/** SAM treats these as "no Cors" (`if not self.cors: return`). */
function falsy(v: unknown): boolean {
  return v === undefined || v === null || v === false || v === "" || v === 0 || (isObject(v) && Object.keys(v).length === 0);
}

/**
 * Reads `Cors` from the resource (`own`) and `Globals.Api` (`global`), both with intrinsics resolved.
 * Returns undefined when SAM would add nothing.
 */
export function readSamCors(
  own: { value: unknown; path: string } | undefined,
  global: { value: unknown; path: string } | undefined,
  file: string,
): SamCors | undefined {
  let value: unknown;
  let path: string;
  if (own && own.value !== undefined) {
    value = isObject(own.value) && global && isObject(global.value) ? { ...global.value, ...own.value } : own.value;
    path = own.path;
  } else if (global && global.value !== undefined) {
    ({ value, path } = global);
  } else return undefined;
  if (falsy(value)) return undefined;
  let props: Record<string, unknown>;
  if (typeof value === "string") props = { AllowOrigin: value };
  else if (isObject(value)) {
    for (const k of Object.keys(value)) if (!(CORS_KEYS as readonly string[]).includes(k)) fail(file, child(path, k), `${INVALID} (${k} is not one of ${CORS_KEYS.join(", ")})`);
    props = value;
  } else return fail(file, path, INVALID);

  const expression = (key: string): string | undefined => {
    const v = props[key];
    if (v === undefined || v === null) return undefined;
    const at = child(path, key);
    // SAM copies the value into responseParameters as it is; API Gateway only takes a mapping expression there.
    if (typeof v !== "string") return fail(file, at, `${key} must be a string holding a mapping expression such as "'600'" (SAM copies it unchanged into the OPTIONS method's response parameters)`);
    if (v !== "" && !MAPPING_SOURCE.test(v)) fail(file, at, `${key} ${JSON.stringify(v)} is not a mapping expression: write a static value in single quotes, e.g. "'${v.replace(/'/g, "")}'" (SAM copies it unchanged into the OPTIONS method's response parameters)`);
    return v;
  };
  const credentials = props["AllowCredentials"];
  if (credentials !== undefined && credentials !== null && typeof credentials !== "boolean") fail(file, child(path, "AllowCredentials"), "AllowCredentials must be a boolean");
  const cors: SamCors = {
    // CorsProperties defaults AllowOrigin to '*' only when the key is absent; an explicit "" stays empty.
    allowOrigin: props["AllowOrigin"] === undefined ? CORS_WILDCARD : (expression("AllowOrigin") ?? ""),
    allowCredentials: credentials === true,
    path,
  };
  const headers = expression("AllowHeaders");
  const methods = expression("AllowMethods");
  const maxAge = expression("MaxAge");
  if (headers) cors.allowHeaders = headers; // swagger.py: "Skip the header if value is empty"
  if (methods) cors.allowMethods = methods; // swagger.py: empty AllowMethods → computed from the path
  if (maxAge !== undefined) cors.maxAge = maxAge; // swagger.py: MaxAge checked against None only
  if (cors.allowCredentials && cors.allowOrigin === CORS_WILDCARD) {
    fail(file, path, "Unable to add Cors configuration because 'AllowCredentials' can not be true when 'AllowOrigin' is \"'*'\" or not set");
  }
  return cors;
}

/** swagger.py `_make_cors_allowed_methods_for_path_item`, from the path item's keys. */
export function corsAllowedMethods(pathItemKeys: string[]): string {
  const keys = pathItemKeys.map((k) => (k === "ANY" ? "x-amazon-apigateway-any-method" : k));
  const methods = keys.includes("x-amazon-apigateway-any-method") ? ALL_HTTP_METHODS : [...keys, "options"];
  return [...new Set(methods.map((m) => m.toUpperCase()))].sort().join(",");
}

/** swagger.py `_options_method_response_for_cors` as a model method. */
export function corsOptionsMethod(cors: SamCors, allowMethods: string, file: string): Method {
  const responseParameters: Record<string, string> = { "method.response.header.Access-Control-Allow-Origin": cors.allowOrigin };
  if (cors.allowHeaders) responseParameters["method.response.header.Access-Control-Allow-Headers"] = cors.allowHeaders;
  if (allowMethods) responseParameters["method.response.header.Access-Control-Allow-Methods"] = allowMethods;
  if (cors.maxAge !== undefined) responseParameters["method.response.header.Access-Control-Max-Age"] = cors.maxAge;
  if (cors.allowCredentials) responseParameters["method.response.header.Access-Control-Allow-Credentials"] = "'true'";
  return {
    httpMethod: "OPTIONS",
    authorizationType: "NONE",
    authorizationScopes: [],
    apiKeyRequired: false,
    requestParameters: {},
    requestModels: {},
    methodResponses: {
      "200": { statusCode: "200", responseParameters: Object.fromEntries(Object.keys(responseParameters).map((k) => [k, false])) },
    },
    integration: {
      type: "MOCK",
      requestParameters: {},
      requestTemplates: { "application/json": '{\n  "statusCode" : 200\n}\n' },
      passthroughBehavior: "WHEN_NO_MATCH",
      timeoutInMillis: 29000,
      integrationResponses: [{ statusCode: "200", responseParameters, responseTemplates: { "application/json": "{}\n" } }],
      cacheKeyParameters: [],
    },
    location: { file, path: cors.path },
  };
}

/**
 * The OPTIONS routes SAM adds: one per path that has no `options` yet. `routes` are the API's routes after events
 * were merged; `rawPathItems` are the inline definition's path items as written (SAM reads their keys, so a
 * method-less path or a path-level `parameters` key counts as SAM counts it).
 */
export function samCorsRoutes(cors: SamCors, routes: Route[], rawPathItems: Record<string, unknown>, file: string): Route[] {
  const keys = new Map<string, string[]>();
  for (const [path, item] of Object.entries(rawPathItems)) keys.set(path, isObject(item) ? Object.keys(item) : []);
  for (const r of routes) {
    const k = keys.get(r.path) ?? (keys.set(r.path, []), keys.get(r.path)!);
    const key = r.method.httpMethod === "ANY" ? "x-amazon-apigateway-any-method" : r.method.httpMethod.toLowerCase();
    if (!k.includes(key)) k.push(key);
  }
  const out: Route[] = [];
  for (const [path, pathKeys] of keys) {
    if (pathKeys.includes("options")) continue; // "Skip if Options is already present"
    if (!cors.allowOrigin) fail(file, cors.path, "Invalid input. Value for AllowedOrigins is required");
    // APIGW expects a string expression, hence SAM's extra quotes around the computed list.
    const allowMethods = cors.allowMethods ?? `'${corsAllowedMethods(pathKeys)}'`;
    out.push({ path, method: corsOptionsMethod(cors, allowMethods, file), file, jsonPath: cors.path });
  }
  return out;
}

/**
 * sam.ts's hook: reads `Cors` of the Api `entry` (undefined for the implicit ServerlessRestApi) and Globals.Api,
 * and appends SAM's OPTIONS routes to `routes`. `fromUri`: the definition is a DefinitionUri file SAM does not edit.
 */
export function addSamCors(ctx: StackContext, entry: ResourceEntry | undefined, routes: Route[], fromUri: boolean): void {
  const { t } = ctx;
  const ownPath = entry ? child(child(entry.path, "Properties"), "Cors") : "";
  const own = entry && entry.properties["Cors"] !== undefined ? { value: t.resolve(entry.properties["Cors"], ownPath), path: ownPath } : undefined;
  const globals = t.doc["Globals"];
  const globalApi = isObject(globals) ? globals["Api"] : undefined;
  const globalRaw = isObject(globalApi) ? globalApi["Cors"] : undefined;
  const global = globalRaw === undefined ? undefined : { value: t.resolve(globalRaw, "$.Globals.Api.Cors"), path: "$.Globals.Api.Cors" };
  const cors = readSamCors(own?.value === NO_VALUE ? undefined : own, global?.value === NO_VALUE ? undefined : global, t.file);
  if (!cors) return;
  // api_generator.py _add_cors: "Cors works only with inline Swagger specified in 'DefinitionBody' property."
  if (fromUri) fail(t.file, cors.path, "Cors works only with inline Swagger specified in 'DefinitionBody' property.");
  let rawPaths: Record<string, unknown> = {};
  const body = entry?.properties["DefinitionBody"];
  if (isObject(body) && body["Fn::Transform"] === undefined) {
    const doc = t.resolve(body, child(child(entry!.path, "Properties"), "DefinitionBody"));
    if (isObject(doc) && isObject(doc["paths"])) rawPaths = doc["paths"];
  }
  routes.push(...samCorsRoutes(cors, routes, rawPaths, t.file));
}
