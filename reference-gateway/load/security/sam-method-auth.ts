/**
 * SAM's per-method security: an event's `Auth` first, then the Api's DefaultAuthorizer and ApiKeyRequired,
 * following samtranslator swagger.py (add_auth_to_method, set_path_default_authorizer,
 * set_path_default_apikey_required). `NONE` and `api_key_false` are SAM's markers for "not the default".
 */
import { fail } from "../errors.ts";
import { child } from "../json-path.ts";
import { bool, checkKeys, list, obj, str } from "../values.ts";
import type { SamApiAuth } from "./sam-auth.ts";
import type { Requirement } from "./schemes.ts";

export interface SamEventAuth {
  authorizer?: { name: string; path: string };
  scopes?: string[];
  apiKeyRequired?: { value: boolean; path: string };
  /** `InvokeRole` (present but empty counts as NONE). */
  invokeRole?: string;
  resourcePolicy?: { value: Record<string, unknown>; path: string };
}

const EVENT_AUTH_KEYS = new Set(["Authorizer", "AuthorizationScopes", "ApiKeyRequired", "InvokeRole", "ResourcePolicy", "OverrideApiAuth"]);

export function readSamEventAuth(v: unknown, file: string, path: string): SamEventAuth {
  const auth = obj(v, file, path, "Auth");
  checkKeys(auth, EVENT_AUTH_KEYS, file, path, "event Auth");
  bool(auth["OverrideApiAuth"], file, child(path, "OverrideApiAuth"), "OverrideApiAuth");
  const out: SamEventAuth = {};
  if (auth["Authorizer"] !== undefined) out.authorizer = { name: str(auth["Authorizer"], file, child(path, "Authorizer"), "Authorizer"), path: child(path, "Authorizer") };
  if (auth["AuthorizationScopes"] !== undefined) {
    const sp = child(path, "AuthorizationScopes");
    out.scopes = list(auth["AuthorizationScopes"], file, sp, "AuthorizationScopes").map((s, i) => str(s, file, child(sp, i), "scope"));
  }
  if (auth["ApiKeyRequired"] !== undefined) out.apiKeyRequired = { value: bool(auth["ApiKeyRequired"], file, child(path, "ApiKeyRequired"), "ApiKeyRequired"), path: child(path, "ApiKeyRequired") };
  if ("InvokeRole" in auth) out.invokeRole = auth["InvokeRole"] ? str(auth["InvokeRole"], file, child(path, "InvokeRole"), "InvokeRole") : "NONE";
  if (auth["ResourcePolicy"] !== undefined) out.resourcePolicy = { value: obj(auth["ResourcePolicy"], file, child(path, "ResourcePolicy"), "ResourcePolicy"), path: child(path, "ResourcePolicy") };
  return out;
}

const NONE = "NONE";
const API_KEY = "api_key";
const API_KEY_FALSE = "api_key_false";

/**
 * The requirements SAM leaves on one method. `existing` is the operation's own `security` (DefinitionBody) or empty
 * (an event's method); `event` is that event's Auth.
 */
export function samRequirements(httpMethod: string, existing: Requirement[], event: SamEventAuth | undefined, api: SamApiAuth | undefined, file: string): Requirement[] {
  let security = [...existing];
  const authorizerNames = new Set(["AWS_IAM", ...(api?.schemes.map((s) => s.name) ?? [])]);
  if (event?.authorizer) {
    const { name, path } = event.authorizer;
    if (name !== NONE && name !== "AWS_IAM" && !authorizerNames.has(name)) fail(file, path, `Authorizer "${name}" is not defined in the API's Auth.Authorizers`);
    const scopes = name === NONE || name === "AWS_IAM" ? [] : (event.scopes ?? api?.authorizerScopes.get(name) ?? []);
    security.push({ name, scopes, file, path });
  }
  if (event?.apiKeyRequired) security.push({ name: event.apiKeyRequired.value ? API_KEY : API_KEY_FALSE, scopes: [], file, path: event.apiKeyRequired.path });

  const options = httpMethod === "OPTIONS";
  const defaultAuthorizer = api?.defaultAuthorizer;
  if (defaultAuthorizer && (api.addDefaultAuthorizerToCorsPreflight || !options)) {
    const authorizers = security.filter((r) => authorizerNames.has(r.name));
    const others = security.filter((r) => !authorizerNames.has(r.name));
    const none = others.findIndex((r) => r.name === NONE);
    if (none >= 0) others.splice(none, 1);
    security =
      none >= 0 || authorizers.length > 0
        ? [...others, ...authorizers]
        : [...others, { name: defaultAuthorizer.name, scopes: api.authorizerScopes.get(defaultAuthorizer.name) ?? [], file, path: defaultAuthorizer.path }];
  }
  if (api?.apiKeyRequiredPath && (api.addApiKeyRequiredToCorsPreflight || !options)) {
    const keyEntries = security.filter((r) => r.name === API_KEY || r.name === API_KEY_FALSE);
    const others = security.filter((r) => r.name !== API_KEY && r.name !== API_KEY_FALSE);
    security = keyEntries.some((r) => r.name === API_KEY_FALSE) ? others : [...others, keyEntries.find((r) => r.name === API_KEY) ?? { name: API_KEY, scopes: [], file, path: api.apiKeyRequiredPath }];
  }
  return security.filter((r) => r.name !== NONE && r.name !== API_KEY_FALSE);
}

const CALLER_CREDENTIALS_ARN = "arn:aws:iam::*:user/*";

/**
 * Integration credentials SAM sets on an event's AWS_IAM method (swagger.py add_lambda_integration): the event's,
 * else the Api's InvokeRole; CALLER_CREDENTIALS or none → the caller's credentials; NONE → no credentials.
 */
export function samInvokeCredentials(event: SamEventAuth | undefined, api: SamApiAuth | undefined, eventHasAuth: boolean): string | undefined {
  const iam = event?.authorizer?.name === "AWS_IAM" || (api?.defaultAuthorizer?.name === "AWS_IAM" && !eventHasAuth);
  if (!iam) return undefined;
  const role = event?.invokeRole ?? api?.invokeRole;
  const credentials = role && role !== "CALLER_CREDENTIALS" ? role : CALLER_CREDENTIALS_ARN;
  return credentials === NONE ? undefined : credentials;
}
