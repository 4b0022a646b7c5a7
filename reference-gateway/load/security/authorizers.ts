/**
 * Authorizers: `x-amazon-apigateway-authorizer` (api-gateway-swagger-extensions-authorizer.md) and
 * `AWS::ApiGateway::Authorizer`, read through one dialect table like integrations are.
 */
import type { Authorizer } from "../../model/types.ts";
import { fail } from "../errors.ts";
import type { FunctionIndex } from "../functions.ts";
import { lambdaTarget } from "../integration.ts";
import { child } from "../json-path.ts";
import { int, list, optStr, str } from "../values.ts";

export interface AuthorizerDialect {
  type: string;
  uri: string;
  identitySource: string;
  validation: string;
  ttl: string;
  providerArns: string;
  /** Type values are written lower case in OpenAPI (`token`) and upper case in CloudFormation (`TOKEN`). */
  typeCase: "lower" | "upper";
}

export const OPENAPI_AUTHORIZER: AuthorizerDialect = {
  type: "type",
  uri: "authorizerUri",
  identitySource: "identitySource",
  validation: "identityValidationExpression",
  ttl: "authorizerResultTtlInSeconds",
  providerArns: "providerARNs",
  typeCase: "lower",
};

export const CFN_AUTHORIZER: AuthorizerDialect = {
  type: "Type",
  uri: "AuthorizerUri",
  identitySource: "IdentitySource",
  validation: "IdentityValidationExpression",
  ttl: "AuthorizerResultTtlInSeconds",
  providerArns: "ProviderARNs",
  typeCase: "upper",
};

export interface AuthorizerInput {
  id: string;
  name: string;
  fields: Record<string, unknown>;
  /** JSON path of `fields`. */
  path: string;
  /** OpenAPI: the security scheme's header (`name` with `in: header`), the TOKEN/Cognito identity source when none is given. */
  schemeHeader?: string;
  functions: FunctionIndex;
  file: string;
}

const TYPES: Record<string, Authorizer["type"]> = { TOKEN: "TOKEN", REQUEST: "REQUEST", COGNITO_USER_POOLS: "COGNITO_USER_POOLS" };
const LAMBDA_URI = /^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path\/2015-03-31\/functions\/.+\/invocations$/;
const HEADER_SOURCE = /^method\.request\.header\.[^\s.,]+$/;
/** Path parameters cannot be identity sources (api-gateway-lambda-authorizer-input.md; spec §7.1). */
const REQUEST_SOURCE = /^(?:method\.request\.(?:header|querystring)\.[^\s,]+|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+)$/;
const USER_POOL_ARN = /^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool\/[\w-]+$/;

export function readAuthorizer(input: AuthorizerInput, dialect: AuthorizerDialect): Authorizer {
  const { fields, file, path } = input;
  const at = (k: string) => child(path, k);
  const rawType = str(fields[dialect.type] ?? fail(file, path, `authorizer "${input.name}" needs a ${dialect.type}`), file, at(dialect.type), dialect.type);
  const type = TYPES[rawType.toUpperCase()];
  if (rawType.toLowerCase() === "jwt") fail(file, at(dialect.type), "jwt authorizers belong to HTTP APIs; REST APIs use cognito_user_pools");
  if (!type || (dialect.typeCase === "upper" && rawType !== type)) return fail(file, at(dialect.type), `authorizer type "${rawType}" must be ${dialect.typeCase === "upper" ? "TOKEN, REQUEST or COGNITO_USER_POOLS" : "token, request or cognito_user_pools"}`);

  // authorizerResultTtlInSeconds: default 300, at most 3600, 0 turns caching off (spec §7.1).
  const ttlRaw = fields[dialect.ttl];
  const resultTtlSeconds = ttlRaw === undefined || ttlRaw === null ? 300 : int(ttlRaw, file, at(dialect.ttl), dialect.ttl, 0, 3600);
  const identitySource = readIdentitySource(type, fields[dialect.identitySource], input.schemeHeader, resultTtlSeconds, file, at(dialect.identitySource), path, dialect.identitySource);
  const validation = optStr(fields[dialect.validation], file, at(dialect.validation), dialect.validation);
  if (validation !== undefined) {
    // Only TOKEN and Cognito authorizers validate their token (SAM apigateway.py: "Authorizer Validation Expression
    // is only allowed on COGNITO_USER_POOLS and LAMBDA_TOKEN").
    if (type === "REQUEST") fail(file, at(dialect.validation), `${dialect.validation} applies to TOKEN and COGNITO_USER_POOLS authorizers only`);
    try {
      new RegExp(validation);
    } catch (e) {
      fail(file, at(dialect.validation), `${dialect.validation} is not a valid regular expression: ${(e as Error).message}`);
    }
  }
  const base = { id: input.id, name: input.name, identitySource, resultTtlSeconds, location: { file, path }, ...(validation !== undefined ? { identityValidationExpression: validation } : {}) };

  if (type === "COGNITO_USER_POOLS") {
    const arnsPath = at(dialect.providerArns);
    const providerArns = list(fields[dialect.providerArns], file, arnsPath, dialect.providerArns).map((a, i) => {
      const arn = str(a, file, child(arnsPath, i), "provider ARN");
      if (!USER_POOL_ARN.test(arn)) fail(file, child(arnsPath, i), `provider ARN "${arn}" must be arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}`);
      return arn;
    });
    if (providerArns.length === 0) fail(file, path, `COGNITO_USER_POOLS authorizer "${input.name}" needs ${dialect.providerArns}`);
    return { ...base, type, providerArns };
  }
  const uriPath = at(dialect.uri);
  const uri = str(fields[dialect.uri] ?? fail(file, path, `${type} authorizer "${input.name}" needs an ${dialect.uri}`), file, uriPath, dialect.uri);
  if (!LAMBDA_URI.test(uri)) fail(file, uriPath, `${dialect.uri} must be arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations, got "${uri}"`);
  return { ...base, type, ...lambdaTarget(uri, input.functions, file, uriPath) };
}

/**
 * TOKEN and Cognito: one header (default: the scheme's header in OpenAPI). REQUEST: a comma-separated list of
 * header, query string, stage variable and context sources, required when results are cached (spec §7.1).
 */
function readIdentitySource(
  type: Authorizer["type"],
  raw: unknown,
  schemeHeader: string | undefined,
  ttl: number,
  file: string,
  path: string,
  ownerPath: string,
  key: string,
): string[] {
  const given = optStr(raw, file, path, key);
  const sources = given === undefined ? [] : given.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (type === "REQUEST") {
    for (const s of sources) if (!REQUEST_SOURCE.test(s)) fail(file, path, `identity source "${s}" must be method.request.header.X, method.request.querystring.X, stageVariables.X or context.X`);
    if (sources.length === 0 && ttl > 0) fail(file, given === undefined ? ownerPath : path, `a REQUEST authorizer that caches results (TTL ${ttl}) needs an ${key}`);
    return sources;
  }
  if (sources.length === 0 && schemeHeader !== undefined) return [`method.request.header.${schemeHeader}`];
  if (sources.length !== 1 || !HEADER_SOURCE.test(sources[0]!)) {
    return fail(file, given === undefined ? ownerPath : path, `a ${type} authorizer takes its token from one header: ${key} must be method.request.header.NAME`);
  }
  return sources;
}
