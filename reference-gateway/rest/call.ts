import type { ApiKey, RestApi, Stage, UsagePlan } from "../model/index.ts";
import type { RequestIds } from "../observe/index.ts";
import type { TemplateScope } from "../templates/index.ts";
import type { HeaderMaps, IncomingRequest } from "./request.ts";
import type { QueryMaps } from "./query.ts";
import type { RouteMatch } from "./router.ts";

/**
 * The typed context one REST request carries through the lifecycle (hono-style): each step reads what earlier
 * steps set and adds its own part. Steps never reach for globals.
 */
export interface RestCall {
  readonly api: RestApi;
  readonly request: IncomingRequest;
  readonly ids: RequestIds;
  readonly headers: HeaderMaps;
  readonly query: QueryMaps;
  /** Set by the route step: the stage as this request sees it (the canary side's variables on a canary request). */
  stage?: Stage;
  /** Set by the route step when the stage has a canary. */
  isCanaryRequest?: boolean;
  route?: RouteMatch;
  /** Set by the authorization steps (resource policy, authorizer, IAM, API key). */
  auth?: CallAuthorization;
}

/** What authorization learned about the caller, as `$context` and the proxy event's requestContext show it. */
export interface CallAuthorization {
  /** `requestContext.authorizer`: Lambda → principalId, the stringified context, integrationLatency; Cognito → { claims }. */
  authorizer?: Record<string, unknown>;
  /** Fills `requestContext.identity` (IAM: accessKey, accountId, caller, user, userArn; API key: apiKey, apiKeyId). */
  identity?: Record<string, string | null>;
  /** A Lambda authorizer's `usageIdentifierKey` (API key source AUTHORIZER). */
  usageIdentifierKey?: string;
  /** The API key the caller presented, when the method requires one (auth/api-key.ts). */
  apiKey?: ApiKey;
  /** The usage plan that key belongs to for this stage; usage-plan throttles and quotas apply per key and plan. */
  usagePlan?: UsagePlan;
  /**
   * The API's resource policy explicitly allows this call (auth/resource-policy.ts, before any authorizer). Then a
   * Lambda authorizer whose policy neither allows nor denies still lets it through (apigateway-authorization-flow.md,
   * Table A: "Neither Allow nor Deny | Allow | Allow").
   */
  resourcePolicyAllows?: boolean;
}

/** A call that has passed routing. */
export interface RoutedCall extends RestCall {
  stage: Stage;
  route: RouteMatch;
}

/** What the client receives. Headers keep their order and casing; a name may repeat. */
export interface HttpResponse {
  status: number;
  headers: Array<[string, string]>;
  body: Buffer | string;
}

export type { TemplateScope };
