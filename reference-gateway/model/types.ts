/**
 * The deployed-API model: what the loaders produce and every other room reads.
 * Plain typed data, no behaviour. Names follow the API Gateway resource model (RestApi, Resource, Method, …).
 */

/** Where a construct came from, so runtime and load errors can point at it. */
export interface SourceLocation {
  file: string;
  /** JSON path inside the file, e.g. `$.Resources.Api.Properties.DefinitionBody.paths['/pets'].get`. */
  path: string;
}

import type { HttpApi } from "./http-api.ts";
import type { WebSocketApi } from "./websocket.ts";

export interface GatewayModel {
  /** Template or definition file the model was loaded from (absolute). */
  sourceFile: string;
  region: string;
  accountId: string;
  restApis: RestApi[];
  /** WebSocket APIs (`AWS::ApiGatewayV2::Api` with ProtocolType WEBSOCKET), in template order (model/websocket.ts). */
  webSocketApis?: WebSocketApi[];
  /** HTTP APIs (`AWS::Serverless::HttpApi`, `AWS::ApiGatewayV2::Api` with ProtocolType HTTP), in template order. */
  httpApis?: HttpApi[];
  /** Lambda functions by logical id. Integrations refer to them by that id. */
  functions: Record<string, LambdaFunction>;
  /** API keys (`AWS::ApiGateway::ApiKey`, SAM `Auth.UsagePlan` keys), in template order. */
  apiKeys: ApiKey[];
  /** Usage plans (`AWS::ApiGateway::UsagePlan` + `UsagePlanKey`, SAM `Auth.UsagePlan`). Throttles/quotas: throttling issue. */
  usagePlans: UsagePlan[];
}

export interface ApiKey {
  logicalId: string;
  /** 10-character id as AWS shows it (`$context.identity.apiKeyId`). */
  id: string;
  name: string;
  /** The key itself; generated (and printed at start) when the template gives none. */
  value: string;
  generated: boolean;
  enabled: boolean;
  location: SourceLocation;
}

export interface ThrottleSettings {
  rateLimit: number;
  burstLimit: number;
}

export interface QuotaSettings {
  limit: number;
  offset: number;
  period: "DAY" | "WEEK" | "MONTH";
}

export interface UsagePlan {
  logicalId: string;
  id: string;
  name: string;
  apiStages: Array<{
    /** Logical id of the RestApi. */
    api: string;
    stage: string;
    /** Per-method throttles keyed `"/path/METHOD"` (root: `"//GET"`). */
    throttle: Record<string, ThrottleSettings>;
  }>;
  throttle?: ThrottleSettings;
  quota?: QuotaSettings;
  /** Logical ids of the plan's API keys. */
  apiKeys: string[];
  location: SourceLocation;
}

export interface LambdaFunction {
  logicalId: string;
  /** FunctionName (explicit or generated like CloudFormation does: `<stack>-<logicalId>-<suffix>`). */
  functionName: string;
  arn: string;
  runtime: string;
  /** `file.export`, e.g. `index.handler` or `src/app.lambdaHandler`. */
  handler: string;
  /** Directory the handler file is resolved against (absolute). For inline code the loader writes it out to one. */
  codeDir: string;
  timeoutSeconds: number;
  memorySize: number;
  environment: Record<string, string>;
  location: SourceLocation;
}

export interface RestApi {
  logicalId: string;
  /** 10-character API id as AWS prints it; stable per logical id so URLs and ARNs are reproducible. */
  id: string;
  name: string;
  stages: Stage[];
  /** Root resource `/`; the tree is complete (every intermediate path part exists). */
  root: Resource;
  binaryMediaTypes: string[];
  apiKeySource: "HEADER" | "AUTHORIZER";
  gatewayResponses: Partial<Record<GatewayResponseType, GatewayResponseConfig>>;
  /** Request models by name (`definitions`, `components.schemas`, `AWS::ApiGateway::Model`). */
  models: Record<string, RequestModel>;
  /** Authorizers by id (the id methods refer to). */
  authorizers: Record<string, Authorizer>;
  /** Resource policy (`x-amazon-apigateway-policy`, RestApi `Policy`); undefined = none. */
  policy?: PolicyDocument;
  location: SourceLocation;
}

export type Authorizer = LambdaAuthorizer | CognitoAuthorizer;

interface AuthorizerBase {
  /** 6-character id as AWS shows it. */
  id: string;
  name: string;
  location: SourceLocation;
}

export interface LambdaAuthorizer extends AuthorizerBase {
  type: "TOKEN" | "REQUEST";
  /** The authorizer function (logical id), or a stage-variable name template as for integrations. */
  functionLogicalId?: string;
  functionNameTemplate?: string;
  /** Mapping expressions: `method.request.header.X`, `method.request.querystring.X`, `stageVariables.X`, `context.X`. */
  identitySource: string[];
  /** TOKEN only: the token must match before the function is called. */
  identityValidationExpression?: string;
  /** 0 = no caching; default 300; at most 3600. */
  resultTtlSeconds: number;
}

export interface CognitoAuthorizer extends AuthorizerBase {
  type: "COGNITO_USER_POOLS";
  /** `arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}`. */
  providerArns: string[];
  /** Usually `method.request.header.Authorization`. */
  identitySource: string[];
  /** Matched against the ID token's `aud`. */
  identityValidationExpression?: string;
  resultTtlSeconds: number;
}

/** An IAM policy document (resource policies, Lambda authorizer output). */
export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement[];
}

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface RequestModel {
  name: string;
  contentType: string;
  /** JSON Schema draft 4; `$ref`s to other models already rewritten to `#/definitions/<name>`-style refs ajv can resolve. */
  schema: Record<string, unknown>;
}

export interface Stage {
  name: string;
  variables: Record<string, string>;
  /** Canary release settings (`CanarySetting`); undefined when the stage has no canary. */
  canary?: CanarySettings;
  /**
   * Method settings keyed `"{resourcePath}/{HTTP_METHOD}"` as AWS stores them (`~1` already decoded), e.g.
   * `"/pets/{id}/GET"`, plus the all-methods key (star, slash, star). Missing fields inherit from the all-methods
   * entry, then AWS's defaults.
   */
  methodSettings?: Record<string, MethodSetting>;
  /** `CacheClusterEnabled` / `CacheClusterSize` (GB as AWS names it, e.g. "0.5"). */
  cacheCluster?: { enabled: boolean; sizeGb: string };
  /** `AccessLogSetting.Format` and destination; undefined = no access log. */
  accessLog?: { format: string; destinationArn?: string };
}

export interface MethodSetting {
  throttlingRateLimit?: number;
  throttlingBurstLimit?: number;
  cachingEnabled?: boolean;
  cacheTtlInSeconds?: number;
  cacheDataEncrypted?: boolean;
  requireAuthorizationForCacheControl?: boolean;
  unauthorizedCacheControlHeaderStrategy?: "FAIL_WITH_403" | "SUCCEED_WITH_RESPONSE_HEADER" | "SUCCEED_WITHOUT_RESPONSE_HEADER";
  metricsEnabled?: boolean;
  loggingLevel?: "OFF" | "ERROR" | "INFO";
  dataTraceEnabled?: boolean;
}

export interface CanarySettings {
  /** 0..100, share of requests served by the canary. */
  percentTraffic: number;
  /** Stage variables the canary sees instead of (merged over) the stage's. */
  stageVariableOverrides: Record<string, string>;
  useStageCache: boolean;
}

export interface Resource {
  /** Full path, e.g. `/pets/{petId}`; `/` for the root. */
  path: string;
  /** Last segment as written: `pets`, `{petId}`, `{proxy+}`; empty for the root. */
  pathPart: string;
  /** Stable id as `$context.resourceId` shows it (6 lowercase alphanumerics). */
  id: string;
  children: Resource[];
  /** Keyed by HTTP method in upper case, or `ANY`. */
  methods: Record<string, Method>;
}

export type AuthorizationType = "NONE" | "AWS_IAM" | "CUSTOM" | "COGNITO_USER_POOLS";

export interface Method {
  httpMethod: string;
  authorizationType: AuthorizationType;
  /** For CUSTOM and COGNITO_USER_POOLS: the id in `RestApi.authorizers`. */
  authorizerId?: string;
  /** Cognito: scopes of which the access token must carry one (then the token must be an access token). */
  authorizationScopes: string[];
  apiKeyRequired: boolean;
  /** `method.request.{path|querystring|header}.NAME` → required. */
  requestParameters: Record<string, boolean>;
  /** Declared method responses by status code. */
  methodResponses: Record<string, MethodResponse>;
  /** The validator in force for this method (method-level, else the API default); undefined = none. */
  requestValidator?: RequestValidator;
  /** Content type → model name, for body validation. */
  requestModels: Record<string, string>;
  integration: Integration;
  location: SourceLocation;
}

export interface RequestValidator {
  name: string;
  validateRequestBody: boolean;
  validateRequestParameters: boolean;
}

export interface MethodResponse {
  statusCode: string;
  /** `method.response.header.NAME` → required. */
  responseParameters: Record<string, boolean>;
}

export type IntegrationType = "MOCK" | "HTTP" | "HTTP_PROXY" | "AWS" | "AWS_PROXY";
export type PassthroughBehavior = "WHEN_NO_MATCH" | "WHEN_NO_TEMPLATES" | "NEVER";
export type ContentHandling = "CONVERT_TO_TEXT" | "CONVERT_TO_BINARY";

export interface Integration {
  type: IntegrationType;
  /** HTTP(S) URL for HTTP/HTTP_PROXY, may hold `{name}` placeholders and `${stageVariables.x}`. The raw ARN for AWS types. */
  uri?: string;
  /** For AWS/AWS_PROXY pointing at a Lambda function: the logical id in `GatewayModel.functions`. */
  functionLogicalId?: string;
  /**
   * For a Lambda function named through stage variables (`function:${stageVariables.fn}`): the name template,
   * resolved per request against the functions' names and logical ids.
   */
  functionNameTemplate?: string;
  /** For AWS service integrations (`arn:aws:apigateway:{region}:{service}:action/{Action}` or `path/{path}`). */
  awsService?: AwsServiceTarget;
  /** IAM role ARN (or `arn:aws:iam::*:user/*` for caller credentials) the integration runs with. */
  credentials?: string;
  httpMethod?: string;
  /** `integration.request.{path|querystring|header}.NAME` → source expression. */
  requestParameters: Record<string, string>;
  /** Content type → template text. */
  requestTemplates: Record<string, string>;
  passthroughBehavior: PassthroughBehavior;
  /** 50..29000, default 29000. */
  timeoutInMillis: number;
  contentHandling?: ContentHandling;
  /** In declaration order; the entry without `selectionPattern` is the default. */
  integrationResponses: IntegrationResponse[];
  cacheKeyParameters: string[];
}

export interface AwsServiceTarget {
  region: string;
  /** Service name or subdomain as in the ARN, e.g. `dynamodb`, `sqs`, `s3`. */
  service: string;
  /** `action` form: the API action (query/JSON protocols); `path` form: the service path (REST protocols). */
  kind: "action" | "path";
  /** Action name or path, with `{name}` placeholders kept. */
  target: string;
}

export interface IntegrationResponse {
  /** Java regex matched against the whole status code (HTTP/MOCK) or Lambda errorMessage; undefined = default. */
  selectionPattern?: string;
  statusCode: string;
  /** `method.response.header.NAME` → source expression. */
  responseParameters: Record<string, string>;
  responseTemplates: Record<string, string>;
  contentHandling?: ContentHandling;
}

export const GATEWAY_RESPONSE_TYPES = [
  "ACCESS_DENIED",
  "API_CONFIGURATION_ERROR",
  "AUTHORIZER_CONFIGURATION_ERROR",
  "AUTHORIZER_FAILURE",
  "BAD_REQUEST_PARAMETERS",
  "BAD_REQUEST_BODY",
  "DEFAULT_4XX",
  "DEFAULT_5XX",
  "EXPIRED_TOKEN",
  "INTEGRATION_FAILURE",
  "INTEGRATION_TIMEOUT",
  "INVALID_API_KEY",
  "INVALID_SIGNATURE",
  "MISSING_AUTHENTICATION_TOKEN",
  "QUOTA_EXCEEDED",
  "REQUEST_TOO_LARGE",
  "RESOURCE_NOT_FOUND",
  "THROTTLED",
  "UNAUTHORIZED",
  "UNSUPPORTED_MEDIA_TYPE",
  "WAF_FILTERED",
] as const;
export type GatewayResponseType = (typeof GATEWAY_RESPONSE_TYPES)[number];

export interface GatewayResponseConfig {
  /** `[1-5]\d\d`; undefined keeps the type's default status. */
  statusCode?: string;
  /** `gatewayresponse.header.NAME` → source (`'static'`, `method.request.header.X`, `stageVariables.x`, `context.x`). */
  responseParameters: Record<string, string>;
  /** Content type → template (simple substitution, not VTL). */
  responseTemplates: Record<string, string>;
}
