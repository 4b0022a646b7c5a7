/**
 * WebSocket APIs (`AWS::ApiGatewayV2::Api` with `ProtocolType: WEBSOCKET` and its Route / Integration /
 * RouteResponse / Stage resources). Plain typed data, no behaviour; names follow the ApiGatewayV2 resource model.
 */
import type { HttpRouteThrottle } from "./http-api.ts";
import type { SourceLocation } from "./types.ts";

export interface WebSocketApi {
  logicalId: string;
  /** 10-character API id as AWS prints it (same scheme as REST API ids). */
  id: string;
  name: string;
  /** E.g. `$request.body.action`, or a template such as `${request.body.a}/${request.body.b}` (spec §12.1). */
  routeSelectionExpression: string;
  stages: WebSocketStage[];
  /** Routes by route key (`$connect`, `$disconnect`, `$default`, custom keys). Matching is exact (spec §12.1). */
  routes: Record<string, WebSocketRoute>;
  /** Lambda REQUEST authorizers by id (what `Ref` on the Authorizer resource gives); only `$connect` uses one. */
  authorizers?: Record<string, WebSocketAuthorizer>;
  location: SourceLocation;
}

/** `AWS::ApiGatewayV2::Authorizer` of a WebSocket API: REQUEST only, no result caching (apigateway-websocket-api-lambda-auth.md). */
export interface WebSocketAuthorizer {
  id: string;
  name: string;
  type: "REQUEST";
  functionLogicalId?: string;
  functionNameTemplate?: string;
  /** `route.request.header.X`, `route.request.querystring.X`, `stageVariables.X`, `context.X`. */
  identitySource: string[];
}

export interface WebSocketStage {
  name: string;
  variables: Record<string, string>;
  /** `DefaultRouteSettings` throttling; undefined = none. */
  defaultRouteThrottle?: HttpRouteThrottle;
  /** `RouteSettings` throttling by route key (`$connect`, `$default`, custom keys). */
  routeThrottles: Record<string, HttpRouteThrottle>;
}

export interface WebSocketRoute {
  routeKey: string;
  /** 6-character id, what `Ref` on the Route resource gives. */
  id: string;
  /** Only `$connect` may carry authorization (spec §12.1); `NONE` elsewhere. */
  authorizationType: "NONE" | "AWS_IAM" | "CUSTOM";
  /** CUSTOM: the id in `WebSocketApi.authorizers`. */
  authorizerId?: string;
  /** `$default` when the route is two-way (a RouteResponse with key `$default` exists); spec §12.1. */
  routeResponseSelectionExpression?: string;
  /** True when the integration's answer goes back to the client (two-way route). */
  twoWay: boolean;
  integration: WebSocketIntegration;
  location: SourceLocation;
}

/** Lambda proxy integrations only for now; other integration types are refused at load. */
export interface WebSocketIntegration {
  id: string;
  type: "AWS_PROXY";
  /** Logical id of the function in `GatewayModel.functions`, or a stage-variable name template. */
  functionLogicalId?: string;
  functionNameTemplate?: string;
  /** 50..29000, default 29000 (spec §10). */
  timeoutInMillis: number;
}
