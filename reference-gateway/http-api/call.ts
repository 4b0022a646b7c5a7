import type { HttpApi, HttpStage } from "../model/http-api.ts";
import type { IncomingRequest } from "../rest/request.ts";
import type { RouteMatch } from "./router.ts";

/** One HTTP API request on its way through the lifecycle (http-api/lifecycle.ts). */
export interface HttpCall {
  readonly api: HttpApi;
  readonly request: IncomingRequest;
  /** `requestContext.requestId` and the `apigw-requestid` response header. */
  readonly requestId: string;
  readonly traceId: string;
  /** The path the events report (`rawPath`, `http.path`; payload 1.0 `path`): http-api/request.ts eventPath. */
  readonly eventPath: string;
  stage: HttpStage;
  /** Raw path after the stage prefix. */
  routePath: string;
  match: RouteMatch;
  /** What an authorizer learned, as `requestContext.authorizer` shows it for payload 2.0 (`jwt`, `lambda`, `iam`). */
  authorizer?: Record<string, unknown>;
  /** The same for payload 1.0 (`claims`/`scopes`, or the Lambda context with principalId and integrationLatency). */
  authorizerV1?: Record<string, unknown>;
  /** Who signed an AWS_IAM route's request (accessKey, accountId, caller, user, userArn): payload 1.0 `requestContext.identity`. */
  identity?: Record<string, string>;
}
