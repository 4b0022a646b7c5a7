import type { BackendAgent } from "../integrations/http-client.ts";
import type { LambdaRuntime } from "../lambda/index.ts";
import { invokeHttp, invokeHttpProxy } from "../integrations/http.ts";
import { invokeLambdaProxy } from "../integrations/lambda-proxy.ts";
import { invokeMock } from "../integrations/mock.ts";
import { invokeLambdaCustom } from "../integrations/lambda-custom.ts";
import type { FunctionDirectory } from "../integrations/lambda-target.ts";
import { invokeAwsService } from "../integrations/aws-service.ts";
import type { AwsServiceConfig } from "../integrations/aws-endpoints.ts";
import { GatewayError } from "../errors/index.ts";
import type { HttpResponse, RoutedCall } from "./call.ts";
import type { CompiledRestApi } from "./compile.ts";
import { methodRequestScope } from "./scope.ts";

export interface IntegrationDeps {
  lambda: LambdaRuntime;
  functions: FunctionDirectory;
  agent: BackendAgent;
  aws: AwsServiceConfig;
}

/**
 * The integrate step: integration request → backend → integration response → method response, per integration type.
 * `contextOf` builds `$context` (once): the Lambda proxy event always holds it, other types only when read.
 * Not async itself: it hands back the integration's own promise (an async wrapper would add a promise and two
 * microtasks per request), or MOCK's answer itself (nothing to wait for); a method without an integration throws
 * synchronously, inside the lifecycle's steps.
 */
export function integrate(call: RoutedCall, compiled: CompiledRestApi, contextOf: () => Record<string, unknown>, deps: IntegrationDeps): HttpResponse | Promise<HttpResponse> {
  const integration = compiled.integrations.get(call.route.method);
  if (!integration) throw new GatewayError("API_CONFIGURATION_ERROR", { detail: "method without a compiled integration" });
  switch (integration.integration.type) {
    case "AWS_PROXY":
      return invokeLambdaProxy(call, integration, contextOf(), deps.lambda, deps.functions);
    case "HTTP_PROXY":
      return invokeHttpProxy(call, integration, methodRequestScope(call, contextOf), deps.agent);
    case "HTTP":
      return invokeHttp(call, integration, methodRequestScope(call, contextOf), deps.agent);
    case "MOCK":
      return invokeMock(call, integration, methodRequestScope(call, contextOf));
    case "AWS":
      if (integration.integration.awsService) return invokeAwsService(call, integration, methodRequestScope(call, contextOf), deps.agent, deps.aws);
      return invokeLambdaCustom(call, integration, methodRequestScope(call, contextOf), deps.lambda, deps.functions);
  }
}
