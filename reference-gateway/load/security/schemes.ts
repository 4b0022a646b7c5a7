/**
 * OpenAPI security: schemes (`securityDefinitions` / `components.securitySchemes`) and operation requirements
 * (`security: [{name: [scopes…]}]`) → Method.authorizationType / authorizerId / authorizationScopes / apiKeyRequired.
 * API Gateway imports all listed requirements together, not as OpenAPI's alternatives (spec §11.2).
 */
import type { Authorizer, AuthorizationType } from "../../model/types.ts";
import { fail } from "../errors.ts";
import type { FunctionIndex } from "../functions.ts";
import { authorizerId } from "../ids.ts";
import { child } from "../json-path.ts";
import { checkKeys, isObject, list, obj, str } from "../values.ts";
import { OPENAPI_AUTHORIZER, readAuthorizer } from "./authorizers.ts";
import { requireEnforced, type EnforcedSecurity } from "./gate.ts";

export type SecurityScheme = { kind: "api-key" } | { kind: "iam" } | { kind: "authorizer"; authorizer: Authorizer } | { kind: "other"; reason: string };

export interface SchemeEntry {
  name: string;
  raw: unknown;
  path: string;
  /** File the scheme was written in (SAM-generated schemes live in the template, not in an included definition). */
  file: string;
}

export interface Requirement {
  /** Scheme name; SAM's `NONE` / `api_key_false` markers are resolved before a requirement gets here. */
  name: string;
  scopes: string[];
  /** Where the requirement is written (or the SAM property that produced it). */
  file: string;
  path: string;
}

export interface MethodSecurity {
  authorizationType: AuthorizationType;
  authorizerId?: string;
  authorizationScopes: string[];
  apiKeyRequired: boolean;
}

const X = "x-amazon-apigateway-";
/**
 * The properties of x-amazon-apigateway-authorizer (api-gateway-swagger-extensions-authorizer). The last three are
 * "supported only for HTTP APIs" and mean nothing to a REST authorizer; any other key (a misspelt
 * authorizerResultTtlInSeconds, say) would be silently replaced by a default, so it stops the load.
 */
const AUTHORIZER_KEYS = new Set([
  "type", "authorizerUri", "authorizerCredentials", "identitySource", "identityValidationExpression", "authorizerResultTtlInSeconds", "providerARNs",
  "authorizerPayloadFormatVersion", "enableSimpleResponses", "jwtConfiguration",
]);

/**
 * One scheme: `x-amazon-apigateway-authorizer` → an authorizer; `x-amazon-apigateway-authtype: awsSigv4` → IAM;
 * `{type: apiKey, name: x-api-key, in: header}` → the API key requirement (spec §8); anything else API Gateway
 * does not enforce.
 */
export function readScheme(entry: SchemeEntry, apiId: string, functions: FunctionIndex): SecurityScheme {
  const { file, path, name } = entry;
  const scheme = obj(entry.raw, file, path, "security scheme");
  const authtype = scheme[`${X}authtype`] === undefined ? undefined : str(scheme[`${X}authtype`], file, child(path, `${X}authtype`), `${X}authtype`).toLowerCase();
  if (scheme[`${X}authorizer`] !== undefined) {
    const fields = obj(scheme[`${X}authorizer`], file, child(path, `${X}authorizer`), `${X}authorizer`);
    checkKeys(fields, AUTHORIZER_KEYS, file, child(path, `${X}authorizer`), `${X}authorizer`);
    const header = scheme["in"] === "header" && typeof scheme["name"] === "string" && scheme["name"] !== "Unused" ? scheme["name"] : undefined;
    const authorizer = readAuthorizer(
      { id: authorizerId(apiId, name), name, fields, path: child(path, `${X}authorizer`), ...(header ? { schemeHeader: header } : {}), functions, file },
      OPENAPI_AUTHORIZER,
    );
    return { kind: "authorizer", authorizer };
  }
  if (authtype === "awssigv4") return { kind: "iam" };
  const type = scheme["type"];
  if (type === "apiKey" && scheme["in"] === "header" && typeof scheme["name"] === "string" && scheme["name"].toLowerCase() === "x-api-key") return { kind: "api-key" };
  return { kind: "other", reason: `security scheme "${name}" is neither an API key (type apiKey, name x-api-key, in header), an x-amazon-apigateway-authorizer nor awsSigv4; API Gateway would not enforce it` };
}

export function readSchemes(entries: SchemeEntry[], apiId: string, functions: FunctionIndex): Map<string, SecurityScheme> {
  const out = new Map<string, SecurityScheme>();
  for (const e of entries) out.set(e.name, readScheme(e, apiId, functions));
  return out;
}

/** `security: [{name: [scopes…]}, …]` as written; undefined when absent. */
export function readRequirements(v: unknown, file: string, path: string): Requirement[] | undefined {
  if (v === undefined || v === null) return undefined;
  const out: Requirement[] = [];
  list(v, file, path, "security").forEach((req, i) => {
    const reqPath = child(path, i);
    if (!isObject(req)) fail(file, reqPath, "security requirement must be an object");
    for (const [name, scopes] of Object.entries(req)) {
      const at = child(reqPath, name);
      out.push({ name, scopes: list(scopes, file, at, "scopes").map((s, j) => str(s, file, child(at, j), "scope")), file, path: at });
    }
  });
  return out;
}

/**
 * The method's security from its requirements (plus `x-amazon-apigateway-auth` / an IAM flag), gated by
 * ENFORCED_SECURITY: every construct that would protect the route must be enforced, or the load stops.
 */
export function resolveSecurity(
  requirements: Requirement[],
  schemes: Map<string, SecurityScheme>,
  enforced: EnforcedSecurity,
  iam?: { file: string; path: string; what: string },
): MethodSecurity {
  const out: MethodSecurity = { authorizationType: "NONE", authorizationScopes: [], apiKeyRequired: false };
  let authorizerFrom: Requirement | undefined;
  if (iam) {
    requireEnforced(enforced, "iam", iam.file, iam.path, iam.what);
    out.authorizationType = "AWS_IAM";
  }
  for (const req of requirements) {
    const scheme = schemes.get(req.name);
    if (!scheme) return fail(req.file, req.path, `security requirement names "${req.name}", which is not a defined security scheme`);
    if (scheme.kind === "other") return fail(req.file, req.path, scheme.reason);
    if (scheme.kind === "api-key") {
      if (req.scopes.length > 0) fail(req.file, req.path, `API key requirement "${req.name}" takes no scopes`);
      requireEnforced(enforced, "api-key", req.file, req.path, `API key requirement "${req.name}"`);
      out.apiKeyRequired = true;
      continue;
    }
    if (out.authorizationType !== "NONE") {
      return fail(req.file, req.path, `a method has one authorization type; "${req.name}" comes on top of ${authorizerFrom ? `"${authorizerFrom.name}"` : "AWS_IAM"}`);
    }
    authorizerFrom = req;
    if (scheme.kind === "iam") {
      if (req.scopes.length > 0) fail(req.file, req.path, `IAM authorization "${req.name}" takes no scopes`);
      requireEnforced(enforced, "iam", req.file, req.path, `IAM authorization (AWS_IAM) "${req.name}"`);
      out.authorizationType = "AWS_IAM";
      continue;
    }
    const a = scheme.authorizer;
    // Scopes are checked against Cognito access tokens only (spec §7.2).
    if (a.type !== "COGNITO_USER_POOLS" && req.scopes.length > 0) fail(req.file, req.path, `authorization scopes apply to COGNITO_USER_POOLS authorizers only; "${req.name}" is ${a.type}`);
    if (a.type === "COGNITO_USER_POOLS") requireEnforced(enforced, "cognito-authorizer", req.file, req.path, `Cognito authorizer "${req.name}"`);
    else requireEnforced(enforced, "lambda-authorizer", req.file, req.path, `Lambda authorizer "${req.name}"`);
    out.authorizationType = a.type === "COGNITO_USER_POOLS" ? "COGNITO_USER_POOLS" : "CUSTOM";
    out.authorizerId = a.id;
    out.authorizationScopes = req.scopes;
  }
  return out;
}

/** The authorizers of a scheme table, by id (RestApi.authorizers). */
export function authorizersOf(schemes: Map<string, SecurityScheme>): Record<string, Authorizer> {
  const out: Record<string, Authorizer> = {};
  for (const s of schemes.values()) if (s.kind === "authorizer") out[s.authorizer.id] = s.authorizer;
  return out;
}
