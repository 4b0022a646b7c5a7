/** OpenAPI 3.x / Swagger 2.0 with x-amazon-apigateway-* extensions → routes and API-level settings. */
import { createHash } from "node:crypto";
import type { GatewayResponseConfig, GatewayResponseType, Method, MethodResponse, PolicyDocument, RequestValidator } from "../model/types.ts";
import { refuseDisabledDefaultEndpointInOpenApi } from "./default-endpoint.ts";
import { fail } from "./errors.ts";
import type { FunctionIndex } from "./functions.ts";
import { gatewayResponse, readIntegration, type IntegrationDialect } from "./integration.ts";
import { child } from "./json-path.ts";
import { ModelSet, readValidator } from "./models.ts";
import type { Route } from "./tree.ts";
import { requireEnforced, type EnforcedSecurity } from "./security/gate.ts";
import { readPolicy } from "./security/policy.ts";
import { readRequirements, readSchemes, resolveSecurity, type SchemeEntry, type SecurityScheme } from "./security/schemes.ts";
import { bool, isObject, list, obj, optStr, str, stringMap } from "./values.ts";

export interface OpenApiContext {
  file: string;
  /** JSON path of the document root inside `file` (`$` for a standalone file). */
  path: string;
  functions: FunctionIndex;
  /** The API's id, region and account: authorizer ids and resource-policy ARNs derive from them. */
  apiId: string;
  region: string;
  accountId: string;
  enforced: EnforcedSecurity;
  /** Schemes SAM adds to the definition (its `Auth.Authorizers`, `api_key`, `AWS_IAM`); they replace same-named ones. */
  extraSchemes?: SchemeEntry[];
}

export interface ApiParts {
  routes: Route[];
  binaryMediaTypes: string[];
  apiKeySource?: "HEADER" | "AUTHORIZER";
  gatewayResponses: Partial<Record<GatewayResponseType, GatewayResponseConfig>>;
  title?: string;
  /** `definitions` / `components.schemas` and generated models for inline body schemas. */
  models: ModelSet;
  /** `x-amazon-apigateway-request-validators`, by name. */
  validators: Record<string, RequestValidator>;
  /** Security schemes by name (authorizers among them). */
  schemes: Map<string, SecurityScheme>;
  /** `x-amazon-apigateway-policy`. */
  policy?: PolicyDocument;
}

const X = "x-amazon-apigateway-";
const ROOT_X_ACCEPTED = new Set(["binary-media-types", "api-key-source", "gateway-responses", "request-validators", "request-validator", "documentation", "endpoint-configuration", "importexport-version", "tag-value", "policy"]);
const ROOT_X_REASON: Record<string, string> = {
  "cors": "x-amazon-apigateway-cors (HTTP API CORS) is not supported yet",
  "minimum-compression-size": "x-amazon-apigateway-minimum-compression-size is not supported yet",
  "disable-default-endpoint": "x-amazon-apigateway-disable-default-endpoint is not supported yet",
};
const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch"];
const PATH_ITEM_ACCEPTED = new Set(["parameters", "summary", "description", "servers", `${X}any-method`, ...HTTP_METHODS]);
const OP_X_ACCEPTED = new Set(["integration", "request-validator", "auth", "documentation"]);

export function readOpenApi(doc: unknown, ctx: OpenApiContext): ApiParts {
  const { file } = ctx;
  const root = obj(doc, file, ctx.path, "OpenAPI document");
  const at = (k: string | number) => child(ctx.path, k);
  refuseDisabledDefaultEndpointInOpenApi(root, file, ctx.path);

  // Root-level `security` is ignored by API Gateway (api-gateway-known-issues.md, spec §11.2): only its shape is checked.
  readRequirements(root["security"], file, at("security"));
  const schemeEntries = new Map<string, SchemeEntry>();
  for (const schemesKey of ["securityDefinitions", "components"]) {
    const container = schemesKey === "components" ? obj(root["components"], file, at("components"), "components")["securitySchemes"] : root[schemesKey];
    const containerPath = schemesKey === "components" ? child(at("components"), "securitySchemes") : at(schemesKey);
    for (const [name, raw] of Object.entries(obj(container, file, containerPath, schemesKey))) schemeEntries.set(name, { name, raw, path: child(containerPath, name), file });
  }
  for (const e of ctx.extraSchemes ?? []) schemeEntries.set(e.name, e);
  const schemes = readSchemes([...schemeEntries.values()], ctx.apiId, ctx.functions);
  for (const k of Object.keys(root)) {
    if (!k.startsWith(X)) continue;
    const ext = k.slice(X.length);
    if (ROOT_X_ACCEPTED.has(ext)) continue;
    fail(file, at(k), ROOT_X_REASON[ext] ?? `${k} is not supported yet`);
  }
  const validators: Record<string, RequestValidator> = {};
  const validatorsPath = at(`${X}request-validators`);
  for (const [name, raw] of Object.entries(obj(root[`${X}request-validators`], file, validatorsPath, "request validators"))) {
    validators[name] = readValidator(name, raw, file, child(validatorsPath, name));
  }
  const defaultValidator = pickValidator(root[`${X}request-validator`], validators, file, at(`${X}request-validator`));

  const models = new ModelSet();
  const definitionsPath = at("definitions");
  for (const [name, schema] of Object.entries(obj(root["definitions"], file, definitionsPath, "definitions"))) {
    models.add(name, "application/json", schema, "openapi", file, child(definitionsPath, name));
  }
  const schemasPath = child(at("components"), "schemas");
  const components = obj(root["components"], file, at("components"), "components");
  for (const [name, schema] of Object.entries(obj(components["schemas"], file, schemasPath, "components.schemas"))) {
    models.add(name, "application/json", schema, "openapi", file, child(schemasPath, name));
  }

  const parts: ApiParts = { routes: [], binaryMediaTypes: [], gatewayResponses: {}, models, validators, schemes };
  if (root[`${X}policy`] !== undefined) {
    const policyPath = at(`${X}policy`);
    parts.policy = readPolicy(root[`${X}policy`], file, policyPath, ctx);
    requireEnforced(ctx.enforced, "resource-policy", file, policyPath, "resource policy (x-amazon-apigateway-policy)");
  }
  const info = root["info"];
  if (isObject(info) && typeof info["title"] === "string") parts.title = info["title"];

  parts.binaryMediaTypes = list(root[`${X}binary-media-types`], file, at(`${X}binary-media-types`), "binary media types").map((mediaType, index) =>
    str(mediaType, file, child(at(`${X}binary-media-types`), index), "binary media type"),
  );
  const keySource = optStr(root[`${X}api-key-source`], file, at(`${X}api-key-source`), "api key source");
  if (keySource !== undefined) {
    if (keySource !== "HEADER" && keySource !== "AUTHORIZER") fail(file, at(`${X}api-key-source`), `api key source "${keySource}" must be HEADER or AUTHORIZER`);
    parts.apiKeySource = keySource;
  }
  const grPath = at(`${X}gateway-responses`);
  for (const [type, rawResponse] of Object.entries(obj(root[`${X}gateway-responses`], file, grPath, "gateway responses"))) {
    const responsePath = child(grPath, type);
    const response = obj(rawResponse, file, responsePath, "gateway response");
    const [responseType, config] = gatewayResponse(
      type,
      response["statusCode"],
      stringMap(response["responseParameters"], file, child(responsePath, "responseParameters"), "responseParameters"),
      stringMap(response["responseTemplates"], file, child(responsePath, "responseTemplates"), "responseTemplates"),
      file,
      responsePath,
      child(responsePath, "statusCode"),
    );
    parts.gatewayResponses[responseType] = config;
  }

  const pathsPath = at("paths");
  for (const [path, item] of Object.entries(obj(root["paths"], file, pathsPath, "paths"))) {
    const itemPath = child(pathsPath, path);
    const pathItem = obj(item, file, itemPath, "path item");
    for (const k of Object.keys(pathItem)) {
      if (PATH_ITEM_ACCEPTED.has(k)) continue;
      if (k === "trace") fail(file, child(itemPath, k), "HTTP method TRACE is not supported by API Gateway");
      if (k.startsWith("x-") && !k.startsWith(X)) continue;
      fail(file, child(itemPath, k), `path item key ${k} is not supported yet`);
    }
    const shared = list(pathItem["parameters"], file, child(itemPath, "parameters"), "parameters").map((raw, index) => ({ raw, path: child(child(itemPath, "parameters"), index) }));
    for (const key of [...HTTP_METHODS, `${X}any-method`]) {
      if (pathItem[key] === undefined) continue;
      const opPath = child(itemPath, key);
      const httpMethod = key === `${X}any-method` ? "ANY" : key.toUpperCase();
      const { method, security } = readOperation(root, pathItem[key], httpMethod, shared, { validators, defaultValidator, models, schemes }, ctx, opPath);
      parts.routes.push({ path, method, file, jsonPath: itemPath, ...security });
    }
  }
  models.check();
  return parts;
}

/** `x-amazon-apigateway-request-validator`: a name from `x-amazon-apigateway-request-validators`. */
function pickValidator(name: unknown, validators: Record<string, RequestValidator>, file: string, path: string): RequestValidator | undefined {
  if (name === undefined || name === null) return undefined;
  const validatorName = str(name, file, path, "request validator");
  const validator = validators[validatorName];
  if (validator === undefined) return fail(file, path, `unknown request validator "${validatorName}"`);
  return validator;
}

interface ValidationContext {
  validators: Record<string, RequestValidator>;
  defaultValidator: RequestValidator | undefined;
  models: ModelSet;
  schemes: Map<string, SecurityScheme>;
}

/**
 * The model for a body schema: a `$ref` to a definition names that model; an inline schema becomes a generated
 * model (AWS's importer does the same, with a generated alphanumeric name).
 */
function bodyModel(schema: unknown, contentType: string, models: ModelSet, file: string, path: string, seed: string): string {
  if (isObject(schema) && typeof schema["$ref"] === "string" && Object.keys(schema).length === 1) {
    const m = /^#\/(?:definitions|components\/schemas)\/([^/]+)$/.exec(schema["$ref"]);
    if (m) return models.need(m[1]!.replace(/~1/g, "/").replace(/~0/g, "~"), file, child(path, "$ref"));
  }
  const name = `Model${createHash("sha256").update(seed).digest("hex").slice(0, 10)}`;
  models.add(name, contentType, schema, "openapi", file, path);
  return name;
}

/** Follows a local `$ref` (`#/parameters/x`, `#/components/responses/y`). */
function deref(root: Record<string, unknown>, v: unknown, file: string, path: string): unknown {
  let cur = v;
  for (let depth = 0; isObject(cur) && typeof cur["$ref"] === "string"; depth++) {
    const ref = cur["$ref"];
    if (!ref.startsWith("#/") || depth > 20) fail(file, path, `$ref "${ref}" is not supported (only local #/ references)`);
    let target: unknown = root;
    for (const seg of ref.slice(2).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))) {
      target = isObject(target) ? target[seg] : undefined;
    }
    if (target === undefined) fail(file, path, `$ref "${ref}" does not resolve`);
    cur = target;
  }
  return cur;
}

const PARAM_IN: Record<string, string> = { path: "path", query: "querystring", header: "header" };

const OPENAPI_INTEGRATION: IntegrationDialect = {
  type: "type",
  connectionType: "connectionType",
  requestParameters: "requestParameters",
  requestTemplates: "requestTemplates",
  passthroughBehavior: "passthroughBehavior",
  timeoutInMillis: "timeoutInMillis",
  cacheKeyParameters: "cacheKeyParameters",
  contentHandling: "contentHandling",
  httpMethod: "httpMethod",
  uri: "uri",
  credentials: "credentials",
  statusCode: "statusCode",
  responseParameters: "responseParameters",
  responseTemplates: "responseTemplates",
  responses: { shape: "map", key: "responses", what: "integration responses" },
};

function readOperation(
  root: Record<string, unknown>,
  raw: unknown,
  httpMethod: string,
  shared: { raw: unknown; path: string }[],
  validation: ValidationContext,
  ctx: OpenApiContext,
  opPath: string,
): { method: Method; security: Pick<Route, "security" | "iamAuth"> } {
  const { file } = ctx;
  const op = obj(raw, file, opPath, "operation");
  for (const k of Object.keys(op)) {
    if (k.startsWith(X) && !OP_X_ACCEPTED.has(k.slice(X.length))) fail(file, child(opPath, k), `${k} is not supported yet`);
  }
  const security: Pick<Route, "security" | "iamAuth"> = {};
  const requirements = readRequirements(op["security"], file, child(opPath, "security"));
  if (requirements) security.security = requirements;
  const auth = op[`${X}auth`];
  if (auth !== undefined) {
    // x-amazon-apigateway-auth: NONE or AWS_IAM (api-gateway-swagger-extensions-auth.md).
    const authPath = child(opPath, `${X}auth`);
    const type = str(obj(auth, file, authPath, "x-amazon-apigateway-auth")["type"], file, child(authPath, "type"), "auth type").toUpperCase();
    if (type === "AWS_IAM") security.iamAuth = { file, path: authPath, what: "IAM authorization (x-amazon-apigateway-auth AWS_IAM)" };
    else if (type !== "NONE") fail(file, child(authPath, "type"), `x-amazon-apigateway-auth type "${type}" must be NONE or AWS_IAM`);
  }
  const methodSecurity = resolveSecurity(requirements ?? [], validation.schemes, ctx.enforced, security.iamAuth);
  const requestValidator =
    pickValidator(op[`${X}request-validator`], validation.validators, file, child(opPath, `${X}request-validator`)) ?? validation.defaultValidator;
  const requestModels: Record<string, string> = {};

  const requestParameters: Record<string, boolean> = {};
  const own = list(op["parameters"], file, child(opPath, "parameters"), "parameters").map((raw, index) => ({ raw, path: child(child(opPath, "parameters"), index) }));
  for (const { raw: rawParam, path } of [...shared, ...own]) {
    const param = obj(deref(root, rawParam, file, path), file, path, "parameter");
    if (param["in"] === "body" && param["schema"] !== undefined) {
      // Swagger 2: the body schema applies to every type the operation consumes (default application/json).
      const consumes = list(op["consumes"] ?? root["consumes"], file, child(opPath, "consumes"), "consumes").map((t, i) => str(t, file, child(child(opPath, "consumes"), i), "media type"));
      for (const type of consumes.length > 0 ? consumes : ["application/json"]) {
        requestModels[type] = bodyModel(param["schema"], type, validation.models, file, child(path, "schema"), `${opPath} ${type}`);
      }
      continue;
    }
    const where = PARAM_IN[String(param["in"])];
    if (!where) continue; // body, formData, cookie: not method request parameters
    const name = str(param["name"], file, child(path, "name"), "parameter name");
    requestParameters[`method.request.${where}.${name}`] = where === "path" || bool(param["required"], file, child(path, "required"), "required");
  }

  if (op["requestBody"] !== undefined) {
    // OpenAPI 3: one model per content type of the request body.
    const bodyPath = child(opPath, "requestBody");
    const body = obj(deref(root, op["requestBody"], file, bodyPath), file, bodyPath, "requestBody");
    const contentPath = child(bodyPath, "content");
    for (const [type, rawMedia] of Object.entries(obj(body["content"], file, contentPath, "requestBody content"))) {
      const media = obj(rawMedia, file, child(contentPath, type), "media type");
      if (media["schema"] === undefined) continue;
      requestModels[type] = bodyModel(media["schema"], type, validation.models, file, child(child(contentPath, type), "schema"), `${opPath} ${type}`);
    }
  }

  const methodResponses: Record<string, MethodResponse> = {};
  const responsesPath = child(opPath, "responses");
  for (const [status, rawResponse] of Object.entries(obj(op["responses"], file, responsesPath, "responses"))) {
    if (status === "default") continue;
    const responsePath = child(responsesPath, status);
    const response = obj(deref(root, rawResponse, file, responsePath), file, responsePath, "response");
    const responseParameters: Record<string, boolean> = {};
    for (const [headerName, rawHeader] of Object.entries(obj(response["headers"], file, child(responsePath, "headers"), "headers"))) {
      const header = deref(root, rawHeader, file, child(child(responsePath, "headers"), headerName));
      responseParameters[`method.response.header.${headerName}`] = isObject(header) && header["required"] === true;
    }
    methodResponses[status] = { statusCode: status, responseParameters };
  }

  const integrationPath = child(opPath, `${X}integration`);
  if (op[`${X}integration`] === undefined) fail(file, opPath, `${httpMethod} method has no x-amazon-apigateway-integration`);
  const integrationFields = obj(op[`${X}integration`], file, integrationPath, "x-amazon-apigateway-integration");
  const integration = readIntegration(integrationFields, OPENAPI_INTEGRATION, ctx.functions, file, integrationPath);
  const method: Method = {
    httpMethod,
    ...methodSecurity,
    requestParameters,
    requestModels,
    ...(requestValidator ? { requestValidator } : {}),
    methodResponses,
    integration,
    location: { file, path: opPath },
  };
  return { method, security };
}
