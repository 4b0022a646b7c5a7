/** The integration reader (one for both key spellings), its field normalisers and gateway responses, shared by the OpenAPI and CloudFormation readers. */
import {
  GATEWAY_RESPONSE_TYPES,
  type ContentHandling,
  type GatewayResponseConfig,
  type GatewayResponseType,
  type Integration,
  type IntegrationResponse,
  type IntegrationType,
  type PassthroughBehavior,
} from "../model/types.ts";
import { fail } from "./errors.ts";
import type { FunctionIndex } from "./functions.ts";
import { child } from "./json-path.ts";
import { int, list, obj, optStr, str, stringMap } from "./values.ts";

const TYPES: Record<string, IntegrationType> = { mock: "MOCK", http: "HTTP", http_proxy: "HTTP_PROXY", aws: "AWS", aws_proxy: "AWS_PROXY" };

export function integrationType(v: unknown, file: string, path: string): IntegrationType {
  const raw = str(v, file, path, "integration type");
  const type = TYPES[raw.toLowerCase()];
  if (!type) return fail(file, path, `integration type "${raw}" is not supported yet`);
  return type;
}

export function passthrough(v: unknown, file: string, path: string): PassthroughBehavior {
  if (v === undefined || v === null) return "WHEN_NO_MATCH";
  const raw = str(v, file, path, "passthroughBehavior").toUpperCase();
  if (raw !== "WHEN_NO_MATCH" && raw !== "WHEN_NO_TEMPLATES" && raw !== "NEVER") {
    return fail(file, path, `passthroughBehavior "${String(v)}" must be WHEN_NO_MATCH, WHEN_NO_TEMPLATES or NEVER`);
  }
  return raw;
}

export function timeout(v: unknown, file: string, path: string): number {
  if (v === undefined || v === null) return 29000;
  return int(v, file, path, "timeoutInMillis", 50, 29000);
}

export function contentHandling(v: unknown, file: string, path: string): ContentHandling | undefined {
  const raw = optStr(v, file, path, "contentHandling");
  if (raw === undefined) return undefined;
  if (raw !== "CONVERT_TO_TEXT" && raw !== "CONVERT_TO_BINARY") return fail(file, path, `contentHandling "${raw}" must be CONVERT_TO_TEXT or CONVERT_TO_BINARY`);
  return raw;
}

export function connectionType(v: unknown, file: string, path: string): void {
  const raw = optStr(v, file, path, "connectionType");
  if (raw !== undefined && raw.toUpperCase() !== "INTERNET") fail(file, path, `connectionType ${raw} (VPC_LINK) is not supported yet`);
}

export function checkHttpUri(uri: string, file: string, path: string): void {
  if (!/^https?:\/\/[^/]/i.test(uri)) fail(file, path, `HTTP integration uri must be an http(s) URL, got "${uri}"`);
}

/**
 * How one source format spells an integration: each key name doubles as the JSON path segment and as the
 * label in error messages (`Uri` / `uri`, `IntegrationHttpMethod` / `httpMethod`, …).
 */
export interface IntegrationDialect {
  type: string;
  connectionType: string;
  requestParameters: string;
  requestTemplates: string;
  passthroughBehavior: string;
  timeoutInMillis: string;
  cacheKeyParameters: string;
  /** Used on the integration and on each integration response. */
  contentHandling: string;
  httpMethod: string;
  uri: string;
  credentials: string;
  /** Keys inside one integration response. */
  statusCode: string;
  responseParameters: string;
  responseTemplates: string;
  responses: IntegrationResponseListing;
}

/** How the integration responses are listed. */
export type IntegrationResponseListing =
  /** CloudFormation: a list; each response names its own selection pattern (`""` or absent for none). */
  | { shape: "list"; key: string; selectionPattern: string }
  /**
   * OpenAPI: a map keyed by selection pattern (`default` for none), described as `what` in errors;
   * a response without a status code is refused with its own message.
   */
  | { shape: "map"; key: string; what: string };

/** Reads an integration object (already checked to be an object at `path`) in the given dialect. */
export function readIntegration(
  fields: Record<string, unknown>,
  dialect: IntegrationDialect,
  functions: FunctionIndex,
  file: string,
  path: string,
): Integration {
  const at = (key: string) => child(path, key);
  const type = integrationType(fields[dialect.type], file, at(dialect.type));
  connectionType(fields[dialect.connectionType], file, at(dialect.connectionType));
  const integration: Integration = {
    type,
    requestParameters: stringMap(fields[dialect.requestParameters], file, at(dialect.requestParameters), dialect.requestParameters),
    requestTemplates: stringMap(fields[dialect.requestTemplates], file, at(dialect.requestTemplates), dialect.requestTemplates),
    passthroughBehavior: passthrough(fields[dialect.passthroughBehavior], file, at(dialect.passthroughBehavior)),
    timeoutInMillis: timeout(fields[dialect.timeoutInMillis], file, at(dialect.timeoutInMillis)),
    integrationResponses: [],
    cacheKeyParameters: list(fields[dialect.cacheKeyParameters], file, at(dialect.cacheKeyParameters), dialect.cacheKeyParameters).map((param, index) =>
      str(param, file, child(at(dialect.cacheKeyParameters), index), "cache key parameter"),
    ),
  };
  const handling = contentHandling(fields[dialect.contentHandling], file, at(dialect.contentHandling));
  if (handling) integration.contentHandling = handling;
  const httpMethod = optStr(fields[dialect.httpMethod], file, at(dialect.httpMethod), dialect.httpMethod);
  if (httpMethod !== undefined) integration.httpMethod = httpMethod.toUpperCase();
  const credentials = optStr(fields[dialect.credentials], file, at(dialect.credentials), dialect.credentials);
  if (credentials !== undefined) integration.credentials = credentials;
  if (type !== "MOCK") {
    const uri = str(fields[dialect.uri] ?? fail(file, path, `${type} integration needs a ${dialect.uri}`), file, at(dialect.uri), dialect.uri);
    integration.uri = uri;
    if (httpMethod === undefined) fail(file, path, `${type} integration needs an ${dialect.httpMethod}`);
    if (type === "AWS_PROXY" || type === "AWS") readAwsTarget(integration, uri, functions, file, at(dialect.uri), dialect.httpMethod, at(dialect.httpMethod));
    else checkHttpUri(uri, file, at(dialect.uri));
  }
  for (const entry of listResponses(fields, dialect.responses, file, at(dialect.responses.key))) {
    integration.integrationResponses.push(readIntegrationResponse(entry, dialect, file));
  }
  return integration;
}

/** `arn:{partition}:apigateway:{region}:{service}:{action|path}/{target}` (api-gateway-swagger-extensions-integration.md, `uri`). */
const SERVICE_URI = /^arn:(aws[a-z-]*):apigateway:([a-z0-9-]+):([A-Za-z0-9.-]+):(action|path)\/(.+)$/;
const STAGE_VARIABLE = /\$\{stageVariables\.[A-Za-z0-9_]+\}/;
const LAMBDA_FUNCTION_URI = /^arn:(aws[a-z-]*):apigateway:([a-z0-9-]+):lambda:path\/2015-03-31\/functions\/(.+)\/invocations$/;

/**
 * The function behind a Lambda invocation URI (integrations and authorizers alike): its logical id, or the name
 * template when the function name comes from a stage variable (aws-api-gateway-stage-variables-reference.md).
 */
export function lambdaTarget(uri: string, functions: FunctionIndex, file: string, uriPath: string): { functionLogicalId: string } | { functionNameTemplate: string } {
  const lambda = LAMBDA_FUNCTION_URI.exec(uri);
  if (lambda && STAGE_VARIABLE.test(lambda[3]!)) {
    if (!/^(?:arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_${}.-]+(?::[A-Za-z0-9_${}.$-]+)?$/.test(lambda[3]!)) {
      fail(file, uriPath, `Lambda function reference "${lambda[3]}" is not a function name or ARN`);
    }
    return { functionNameTemplate: lambda[3]! };
  }
  return { functionLogicalId: functions.resolveUri(uri, file, uriPath) };
}

/**
 * AWS / AWS_PROXY: a Lambda function (resolved to its logical id, or kept as a name template when the function
 * name comes from a stage variable, aws-api-gateway-stage-variables-reference.md), else another AWS service.
 * AWS_PROXY only exists for Lambda; the Lambda invoke action is always a POST.
 */
function readAwsTarget(integration: Integration, uri: string, functions: FunctionIndex, file: string, uriPath: string, methodKey: string, methodPath: string): void {
  if (LAMBDA_FUNCTION_URI.test(uri)) {
    if (integration.httpMethod !== "POST") fail(file, methodPath, `${methodKey} must be POST for a Lambda integration, got ${integration.httpMethod}`);
    Object.assign(integration, lambdaTarget(uri, functions, file, uriPath));
    return;
  }
  if (integration.type === "AWS_PROXY") {
    functions.resolveUri(uri, file, uriPath); // throws the AWS_PROXY uri message
    return;
  }
  const service = SERVICE_URI.exec(uri);
  if (!service) return fail(file, uriPath, `AWS integration uri must be arn:{partition}:apigateway:{region}:{service}:action/{Action} or :path/{path}, got "${uri}"`);
  if (service[3] === "lambda") return fail(file, uriPath, `Lambda integration uri must be arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations, got "${uri}"`);
  if (service[4] === "action" && !/^[A-Za-z0-9]+$/.test(service[5]!)) fail(file, uriPath, `AWS integration action "${service[5]}" must be an action name such as SendMessage`);
  integration.awsService = { region: service[2]!, service: service[3]!, kind: service[4] as "action" | "path", target: service[5]! };
}

interface ListedResponse {
  raw: unknown;
  path: string;
  /** The map key the response is listed under (map listing only). */
  key?: string;
}

function listResponses(fields: Record<string, unknown>, listing: IntegrationResponseListing, file: string, path: string): ListedResponse[] {
  if (listing.shape === "list") {
    return list(fields[listing.key], file, path, listing.key).map((raw, index) => ({ raw, path: child(path, index) }));
  }
  return Object.entries(obj(fields[listing.key], file, path, listing.what)).map(([key, raw]) => ({ raw, path: child(path, key), key }));
}

function readIntegrationResponse({ raw, path, key }: ListedResponse, dialect: IntegrationDialect, file: string): IntegrationResponse {
  const fields = obj(raw, file, path, "integration response");
  const listing = dialect.responses;
  const statusCode = fields[dialect.statusCode];
  if (listing.shape === "map" && (statusCode === undefined || statusCode === null)) fail(file, path, "integration response needs a statusCode");
  const response: IntegrationResponse = {
    statusCode: str(statusCode, file, child(path, dialect.statusCode), dialect.statusCode),
    responseParameters: stringMap(fields[dialect.responseParameters], file, child(path, dialect.responseParameters), dialect.responseParameters),
    responseTemplates: stringMap(fields[dialect.responseTemplates], file, child(path, dialect.responseTemplates), dialect.responseTemplates),
  };
  if (listing.shape === "list") {
    const pattern = optStr(fields[listing.selectionPattern], file, child(path, listing.selectionPattern), listing.selectionPattern);
    if (pattern !== undefined && pattern !== "") response.selectionPattern = pattern;
  } else if (key !== undefined && key !== "default") response.selectionPattern = key;
  const handling = contentHandling(fields[dialect.contentHandling], file, child(path, dialect.contentHandling));
  if (handling) response.contentHandling = handling;
  return response;
}

/** One gateway response; `type`/`statusCode` validation per spec §2. */
export function gatewayResponse(
  type: string,
  statusCode: unknown,
  responseParameters: Record<string, string>,
  responseTemplates: Record<string, string>,
  file: string,
  path: string,
  statusPath: string,
): [GatewayResponseType, GatewayResponseConfig] {
  if (!(GATEWAY_RESPONSE_TYPES as readonly string[]).includes(type)) fail(file, path, `unknown gateway response type "${type}"`);
  if (type === "REQUEST_TOO_LARGE") fail(file, path, "gateway response REQUEST_TOO_LARGE is not customisable on AWS");
  const status = optStr(statusCode, file, statusPath, "gateway response statusCode");
  if (status !== undefined && !/^[1-5]\d\d$/.test(status)) fail(file, statusPath, `gateway response statusCode "${status}" must match [1-5]\\d\\d`);
  for (const k of Object.keys(responseParameters)) {
    if (!/^gatewayresponse\.(header|path|querystring)\.[^.]+$/.test(k)) {
      fail(file, child(path, k), `gateway response parameter "${k}" must be gatewayresponse.{header|path|querystring}.NAME`);
    }
  }
  const config: GatewayResponseConfig = { responseParameters, responseTemplates };
  if (status !== undefined) config.statusCode = status;
  return [type as GatewayResponseType, config];
}

export { stringMap };
