import { randomUUID } from "node:crypto";
import { GatewayError } from "../errors/index.ts";
import type { LambdaRuntime } from "../lambda/index.ts";
import type { HttpResponse, RoutedCall } from "../rest/call.ts";
import type { CompiledIntegration } from "../rest/compile.ts";
import { integrationRequest } from "../rest/integration-request.ts";
import { integrationResponse } from "../rest/integration-response.ts";
import type { ParameterScope } from "../rest/parameters.ts";
import type { FunctionDirectory } from "./lambda-target.ts";
import { withIntegrationTimeout } from "./timeout.ts";

/**
 * Lambda custom integration (type AWS to a Lambda ARN; set-up-lambda-custom-integrations.md,
 * handle-errors-in-lambda-integration.md): the mapped body is the event; a success is integration status 200 and
 * selects by an empty error message (so `.*` or the default answers it); a function error selects by its
 * `errorMessage` (full-match Java regex) and the runtime's error document is the integration response body the
 * templates read.
 */
export async function invokeLambdaCustom(
  call: RoutedCall,
  compiled: CompiledIntegration,
  scope: ParameterScope,
  lambda: LambdaRuntime,
  functions: FunctionDirectory,
): Promise<HttpResponse> {
  const functionId = functions.resolve(compiled.integration, call.stage.variables);
  const request = integrationRequest(call, compiled, scope);
  const text = request.body.toString("utf8");
  let event: unknown;
  try {
    event = text.trim() === "" ? {} : JSON.parse(text);
  } catch (error) {
    // API Gateway parses the mapped request before invoking and answers 400 {"message": "Could not parse request body
    // into json: <parser message>"} without calling the function: a passed-through form body (nateyolles/slack-pokerbot#1),
    // a raw control character or a `\'` from $util.escapeJavaScript in the template's output (serverless/serverless#2270,
    // #2807); mapping-template reference: unescaped characters "may" get a 400.
    throw new GatewayError("BAD_REQUEST_BODY", { message: `Could not parse request body into json: ${(error as Error).message}` });
  }
  const result = await withIntegrationTimeout(compiled.integration.timeoutInMillis, () => lambda.invoke(functionId, event, { requestId: randomUUID() }));
  if (result.ok) {
    return integrationResponse(call, compiled, scope, { selector: "", headers: {}, body: Buffer.from(JSON.stringify(result.payload)), binary: false });
  }
  // The Node.js runtime's error document, as Lambda returns it: errorType, errorMessage, trace.
  return integrationResponse(call, compiled, scope, { selector: result.error.errorMessage, headers: {}, body: Buffer.from(JSON.stringify(result.error)), binary: false });
}
