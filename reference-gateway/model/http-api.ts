/**
 * HTTP APIs (API Gateway v2, ProtocolType HTTP) in the deployed-API model. Names follow the ApiGatewayV2 resource
 * model (Api, Route, Integration, Stage, Authorizer). Plain typed data, no behaviour.
 */
import type { SourceLocation } from "./types.ts";

export interface HttpApi {
  logicalId: string;
  /** 10-character API id as AWS prints it; stable per logical id. */
  id: string;
  name: string;
  /** `$default` (served without a path prefix) and/or named stages (served under `/<name>`). */
  stages: HttpStage[];
  /** In declaration order; the router orders them by specificity. */
  routes: HttpRoute[];
  /** Authorizers by id (the id routes refer to). */
  authorizers: Record<string, HttpAuthorizer>;
  /** `CorsConfiguration` / `x-amazon-apigateway-cors`; undefined = CORS not configured. */
  cors?: HttpCorsConfiguration;
  location: SourceLocation;
}

export interface HttpStage {
  name: string;
  variables: Record<string, string>;
  autoDeploy: boolean;
  /** `DefaultRouteSettings` throttling; undefined = none. */
  defaultRouteThrottle?: HttpRouteThrottle;
  /** `RouteSettings` throttling by route key. */
  routeThrottles: Record<string, HttpRouteThrottle>;
}

export interface HttpRouteThrottle {
  burstLimit?: number;
  rateLimit?: number;
}

export type HttpAuthorizationType = "NONE" | "JWT" | "CUSTOM" | "AWS_IAM";

export interface HttpRoute {
  /** `GET /pets/{id}`, `ANY /{proxy+}`, or `$default`. */
  routeKey: string;
  /** Upper case, `ANY`, or `$default` for the default route. */
  method: string;
  /** Route path (`/pets/{id}`); undefined for `$default`. */
  path?: string;
  authorizationType: HttpAuthorizationType;
  /** For JWT and CUSTOM: the id in `HttpApi.authorizers`. */
  authorizerId?: string;
  /** JWT: the token's `scope`/`scp` must hold at least one of these (when non-empty). */
  authorizationScopes: string[];
  integration: HttpIntegration;
  location: SourceLocation;
}

export type HttpIntegration = HttpLambdaIntegration | HttpProxyIntegration;

export interface HttpLambdaIntegration {
  type: "AWS_PROXY";
  payloadFormatVersion: "1.0" | "2.0";
  /** The function (logical id), or a stage-variable name template resolved per request. */
  functionLogicalId?: string;
  functionNameTemplate?: string;
  /** 50..30000, default 30000. */
  timeoutInMillis: number;
}

export interface HttpProxyIntegration {
  type: "HTTP_PROXY";
  payloadFormatVersion: "1.0";
  /** Absolute URL; may hold `${stageVariables.x}` and `{param}` placeholders. */
  uri: string;
  /** Upper case or `ANY` (the client's method is used). */
  method: string;
  /** Parameter mapping: `overwrite:header.x` / `append:querystring.y` / `remove:…` / `overwrite:path` → value. */
  requestParameters: Record<string, string>;
  /** By status code: `overwrite:header.x` / `append:header.x` / `remove:header.x` / `overwrite:statuscode` → value. */
  responseParameters: Record<string, Record<string, string>>;
  timeoutInMillis: number;
}

export type HttpAuthorizer = HttpJwtAuthorizer | HttpLambdaAuthorizer;

interface HttpAuthorizerBase {
  /** 6-character id as AWS shows it. */
  id: string;
  name: string;
  /** `$request.header.Authorization`, `$request.querystring.x`, `$context.x`, `$stageVariables.x`. */
  identitySource: string[];
  location: SourceLocation;
}

export interface HttpJwtAuthorizer extends HttpAuthorizerBase {
  type: "JWT";
  issuer: string;
  audience: string[];
}

export interface HttpLambdaAuthorizer extends HttpAuthorizerBase {
  type: "REQUEST";
  functionLogicalId?: string;
  functionNameTemplate?: string;
  payloadFormatVersion: "1.0" | "2.0";
  enableSimpleResponses: boolean;
  /** 0 = no caching (the default for HTTP API Lambda authorizers); at most 3600. */
  resultTtlSeconds: number;
}

export interface HttpCorsConfiguration {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  /** Seconds; undefined = no Access-Control-Max-Age. */
  maxAge?: number;
  allowCredentials: boolean;
}
