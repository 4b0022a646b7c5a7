/**
 * SAM `AWS::Serverless::Api` `Auth` (sam-property-api-apiauth.md), read the way the SAM transform writes it into
 * the definition: `Auth.Authorizers` become `x-amazon-apigateway-authorizer` security schemes (samtranslator
 * model/apigateway.py ApiGatewayAuthorizer.generate_swagger).
 */
import { fail } from "../errors.ts";
import { partitionOf } from "../ids.ts";
import { child } from "../json-path.ts";
import type { StackContext } from "../stack-context.ts";
import { bool, checkKeys, int, isObject, list, obj, str } from "../values.ts";
import type { SchemeEntry } from "./schemes.ts";

export interface SamApiAuth {
  /** `Auth.Authorizers` as security schemes, by name. */
  schemes: SchemeEntry[];
  /** `Auth.Authorizers.<name>.AuthorizationScopes`, for the names that set them. */
  authorizerScopes: Map<string, string[]>;
  defaultAuthorizer?: { name: string; path: string };
  /** Set when `Auth.ApiKeyRequired` is true. */
  apiKeyRequiredPath?: string;
  addDefaultAuthorizerToCorsPreflight: boolean;
  addApiKeyRequiredToCorsPreflight: boolean;
  /** `Auth.InvokeRole` (present but empty counts as NONE, as SAM reads it). */
  invokeRole?: string;
  resourcePolicy?: { value: Record<string, unknown>; path: string };
  usagePlan?: { value: Record<string, unknown>; path: string };
}

const AUTH_KEYS = new Set(["Authorizers", "DefaultAuthorizer", "ApiKeyRequired", "ResourcePolicy", "UsagePlan", "InvokeRole", "AddDefaultAuthorizerToCorsPreflight", "AddApiKeyRequiredToCorsPreflight"]);
const LAMBDA_KEYS = new Set(["FunctionArn", "FunctionPayloadType", "FunctionInvokeRole", "Identity", "AuthorizationScopes", "DisableFunctionDefaultPermissions"]);
const COGNITO_KEYS = new Set(["UserPoolArn", "Identity", "AuthorizationScopes"]);
const TOKEN_IDENTITY = new Set(["Header", "ValidationExpression", "ReauthorizeEvery"]);
const REQUEST_IDENTITY = new Set(["Headers", "QueryStrings", "StageVariables", "Context", "ReauthorizeEvery"]);
const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(?::[A-Za-z0-9_$-]+)?$/;
const USER_POOL_ARN = /^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool\/[\w-]+$/;

/** `value` is the resolved `Auth` (Api properties or Globals.Api) at `path`. */
export function readSamApiAuth(ctx: StackContext, value: unknown, path: string): SamApiAuth {
  const file = ctx.t.file;
  const auth = obj(value, file, path, "Auth");
  checkKeys(auth, AUTH_KEYS, file, path, "Auth");
  const out: SamApiAuth = {
    schemes: [],
    authorizerScopes: new Map(),
    addDefaultAuthorizerToCorsPreflight: auth["AddDefaultAuthorizerToCorsPreflight"] === undefined || bool(auth["AddDefaultAuthorizerToCorsPreflight"], file, child(path, "AddDefaultAuthorizerToCorsPreflight"), "AddDefaultAuthorizerToCorsPreflight"),
    addApiKeyRequiredToCorsPreflight: auth["AddApiKeyRequiredToCorsPreflight"] === undefined || bool(auth["AddApiKeyRequiredToCorsPreflight"], file, child(path, "AddApiKeyRequiredToCorsPreflight"), "AddApiKeyRequiredToCorsPreflight"),
  };
  const authorizersPath = child(path, "Authorizers");
  for (const [name, raw] of Object.entries(obj(auth["Authorizers"], file, authorizersPath, "Authorizers"))) {
    const p = child(authorizersPath, name);
    const a = obj(raw, file, p, "authorizer");
    if (a["AuthorizationScopes"] !== undefined) {
      const sp = child(p, "AuthorizationScopes");
      out.authorizerScopes.set(name, list(a["AuthorizationScopes"], file, sp, "AuthorizationScopes").map((s, i) => str(s, file, child(sp, i), "scope")));
    }
    out.schemes.push({ name, raw: a["UserPoolArn"] !== undefined ? cognitoScheme(a, file, p) : lambdaScheme(ctx, a, file, p), path: p, file });
  }
  if (auth["DefaultAuthorizer"] !== undefined) {
    const p = child(path, "DefaultAuthorizer");
    const name = str(auth["DefaultAuthorizer"], file, p, "DefaultAuthorizer");
    if (name !== "AWS_IAM" && !out.schemes.some((s) => s.name === name)) fail(file, p, `DefaultAuthorizer "${name}" is not defined in Auth.Authorizers`);
    out.defaultAuthorizer = { name, path: p };
  }
  if (bool(auth["ApiKeyRequired"], file, child(path, "ApiKeyRequired"), "ApiKeyRequired")) out.apiKeyRequiredPath = child(path, "ApiKeyRequired");
  if ("InvokeRole" in auth) out.invokeRole = auth["InvokeRole"] ? str(auth["InvokeRole"], file, child(path, "InvokeRole"), "InvokeRole") : "NONE";
  if (auth["ResourcePolicy"] !== undefined) out.resourcePolicy = { value: obj(auth["ResourcePolicy"], file, child(path, "ResourcePolicy"), "ResourcePolicy"), path: child(path, "ResourcePolicy") };
  if (auth["UsagePlan"] !== undefined) out.usagePlan = { value: obj(auth["UsagePlan"], file, child(path, "UsagePlan"), "UsagePlan"), path: child(path, "UsagePlan") };
  return out;
}

function identityOf(a: Record<string, unknown>, allowed: ReadonlySet<string>, file: string, path: string): Record<string, unknown> {
  const identity = obj(a["Identity"], file, child(path, "Identity"), "Identity");
  checkKeys(identity, allowed, file, child(path, "Identity"), "Identity");
  return identity;
}

function checkRegex(v: unknown, file: string, path: string): string {
  const s = str(v, file, path, "ValidationExpression");
  try {
    new RegExp(s);
  } catch (e) {
    fail(file, path, `ValidationExpression is not a valid regular expression: ${(e as Error).message}`);
  }
  return s;
}

/** A Cognito authorizer: `UserPoolArn` (one or a list), `Identity.Header` (default Authorization), `Identity.ValidationExpression`. */
function cognitoScheme(a: Record<string, unknown>, file: string, path: string): Record<string, unknown> {
  checkKeys(a, COGNITO_KEYS, file, path, "Cognito authorizer");
  const identity = identityOf(a, TOKEN_IDENTITY, file, path);
  const arnsPath = child(path, "UserPoolArn");
  const arns = (Array.isArray(a["UserPoolArn"]) ? a["UserPoolArn"] : [a["UserPoolArn"]]).map((v, i) => {
    const at = Array.isArray(a["UserPoolArn"]) ? child(arnsPath, i) : arnsPath;
    const arn = str(v, file, at, "UserPoolArn");
    if (!USER_POOL_ARN.test(arn)) fail(file, at, `UserPoolArn "${arn}" must be arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}`);
    return arn;
  });
  const authorizer: Record<string, unknown> = { type: "cognito_user_pools", providerARNs: arns };
  if (identity["ValidationExpression"] !== undefined) authorizer["identityValidationExpression"] = checkRegex(identity["ValidationExpression"], file, child(child(path, "Identity"), "ValidationExpression"));
  const header = identity["Header"] === undefined ? "Authorization" : str(identity["Header"], file, child(child(path, "Identity"), "Header"), "Header");
  return { type: "apiKey", name: header, in: "header", "x-amazon-apigateway-authtype": "cognito_user_pools", "x-amazon-apigateway-authorizer": authorizer };
}

/**
 * A Lambda authorizer: FunctionArn, FunctionPayloadType TOKEN (default) | REQUEST; TOKEN identity: Header
 * (default Authorization), ValidationExpression; REQUEST identity: Headers, QueryStrings, StageVariables, Context;
 * ReauthorizeEvery → authorizerResultTtlInSeconds.
 */
function lambdaScheme(ctx: StackContext, a: Record<string, unknown>, file: string, path: string): Record<string, unknown> {
  checkKeys(a, LAMBDA_KEYS, file, path, "Lambda authorizer");
  const payloadPath = child(path, "FunctionPayloadType");
  const payload = a["FunctionPayloadType"] === undefined ? "TOKEN" : str(a["FunctionPayloadType"], file, payloadPath, "FunctionPayloadType");
  if (payload !== "TOKEN" && payload !== "REQUEST") fail(file, payloadPath, `FunctionPayloadType "${payload}" must be TOKEN or REQUEST`);
  const arnPath = child(path, "FunctionArn");
  const arn = str(a["FunctionArn"] ?? fail(file, path, "Lambda authorizer needs a FunctionArn"), file, arnPath, "FunctionArn");
  if (!FUNCTION_ARN.test(arn)) fail(file, arnPath, `FunctionArn "${arn}" must be a Lambda function ARN`);
  const uri = `arn:${partitionOf(ctx.region)}:apigateway:${ctx.region}:lambda:path/2015-03-31/functions/${arn}/invocations`;
  ctx.index.resolveUri(uri, file, arnPath);
  const identity = identityOf(a, payload === "TOKEN" ? TOKEN_IDENTITY : REQUEST_IDENTITY, file, path);
  const identityPath = child(path, "Identity");
  const authorizer: Record<string, unknown> = { type: payload.toLowerCase(), authorizerUri: uri };
  if (identity["ReauthorizeEvery"] !== undefined) authorizer["authorizerResultTtlInSeconds"] = int(identity["ReauthorizeEvery"], file, child(identityPath, "ReauthorizeEvery"), "ReauthorizeEvery", 0, 3600);
  if (payload === "TOKEN") {
    if (identity["ValidationExpression"] !== undefined) authorizer["identityValidationExpression"] = checkRegex(identity["ValidationExpression"], file, child(identityPath, "ValidationExpression"));
    const header = identity["Header"] === undefined ? "Authorization" : str(identity["Header"], file, child(identityPath, "Header"), "Header");
    return { type: "apiKey", name: header, in: "header", "x-amazon-apigateway-authtype": "custom", "x-amazon-apigateway-authorizer": authorizer };
  }
  const sources: string[] = [];
  for (const [key, prefix] of [["Headers", "method.request.header."], ["QueryStrings", "method.request.querystring."], ["StageVariables", "stageVariables."], ["Context", "context."]] as const) {
    const p = child(identityPath, key);
    list(identity[key], file, p, key).forEach((v, i) => sources.push(prefix + str(v, file, child(p, i), key)));
  }
  // SAM: a REQUEST authorizer that caches (ReauthorizeEvery unset or > 0) needs at least one identity source.
  const ttl = (authorizer["authorizerResultTtlInSeconds"] as number | undefined) ?? 300;
  if (sources.length === 0 && ttl > 0) fail(file, isObject(a["Identity"]) ? identityPath : path, "a REQUEST authorizer must specify Identity with at least one of Headers, QueryStrings, StageVariables, or Context");
  if (sources.length > 0) authorizer["identitySource"] = sources.join(", ");
  return { type: "apiKey", name: "Unused", in: "header", "x-amazon-apigateway-authtype": "custom", "x-amazon-apigateway-authorizer": authorizer };
}

/** The schemes SAM adds only when the definition lacks them (swagger.py add_apikey/add_awsiam_security_definition). */
export const SAM_IMPLICIT_SCHEMES = { api_key: { kind: "api-key" }, AWS_IAM: { kind: "iam" } } as const;
