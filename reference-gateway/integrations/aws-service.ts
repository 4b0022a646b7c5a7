import type aws4 from "aws4";
import { GatewayError } from "../errors/index.ts";
import type { HttpResponse, RoutedCall } from "../rest/call.ts";
import type { CompiledIntegration } from "../rest/compile.ts";
import { isBinaryMediaType } from "../rest/binary.ts";
import { integrationRequest } from "../rest/integration-request.ts";
import { integrationResponse } from "../rest/integration-response.ts";
import type { ParameterScope } from "../rest/parameters.ts";
import type { AwsServiceConfig } from "./aws-endpoints.ts";
import { integrationUrl } from "./http.ts";
import { sendToBackend, type BackendAgent } from "./http-client.ts";

/**
 * JSON-protocol services: an `action/{Action}` integration becomes `X-Amz-Target: <prefix>.<Action>` with the
 * service's JSON content type (each service's API reference, "Common parameters"). Services not listed speak the
 * query protocol: `Action=<Action>` in the query string, the mapped body form-encoded.
 */
const JSON_PROTOCOL: Record<string, { targetPrefix: string; contentType: string }> = {
  dynamodb: { targetPrefix: "DynamoDB_20120810", contentType: "application/x-amz-json-1.0" },
  kinesis: { targetPrefix: "Kinesis_20131202", contentType: "application/x-amz-json-1.1" },
  firehose: { targetPrefix: "Firehose_20150804", contentType: "application/x-amz-json-1.1" },
  states: { targetPrefix: "AWSStepFunctions", contentType: "application/x-amz-json-1.0" },
  events: { targetPrefix: "AWSEvents", contentType: "application/x-amz-json-1.1" },
  logs: { targetPrefix: "Logs_20140328", contentType: "application/x-amz-json-1.1" },
};

/**
 * AWS service integration (type AWS, `arn:aws:apigateway:{region}:{service}:action/…` or `path/…`): the mapped
 * request is signed with SigV4 for the service and region and sent to the endpoint configured for the service;
 * the status code selects the integration response, as for HTTP integrations.
 */
/** aws4, imported at the first AWS service call: a gateway with none does not load it at start. */
let signer: Promise<typeof aws4> | undefined;

export async function invokeAwsService(call: RoutedCall, compiled: CompiledIntegration, scope: ParameterScope, agent: BackendAgent, config: AwsServiceConfig): Promise<HttpResponse> {
  const target = compiled.integration.awsService!;
  const endpoint = config.endpointFor(target.service);
  if (!endpoint) throw new GatewayError("API_CONFIGURATION_ERROR", { detail: `no endpoint configured for AWS service ${target.service}` });
  const mapped = integrationRequest(call, compiled, scope);
  const base = endpoint.replace(/\/+$/, "");
  const url =
    target.kind === "path"
      ? integrationUrl(`${base}/${target.target.replace(/^\/+/, "")}`, mapped.path, call.stage.variables)
      : new URL(`${base}/`);
  const headers: Record<string, string> = { ...mapped.header };
  const defaultContentType = (type: string) => {
    if (!Object.keys(headers).some((name) => name.toLowerCase() === "content-type")) headers["Content-Type"] = type;
  };
  const protocol = JSON_PROTOCOL[target.service];
  if (target.kind === "action" && protocol) {
    headers["X-Amz-Target"] = `${protocol.targetPrefix}.${target.target}`;
    defaultContentType(protocol.contentType);
  } else if (target.kind === "action") {
    url.searchParams.set("Action", target.target);
    defaultContentType("application/x-www-form-urlencoded; charset=utf-8");
  }
  for (const [name, value] of Object.entries(mapped.querystring)) url.searchParams.set(name, value);
  const method = (compiled.integration.httpMethod ?? "POST").toUpperCase();
  // The module object is the default export (CommonJS), under tsx and in the gateproof command's bundle alike.
  const signed = (await (signer ??= import("aws4").then((module) => module.default))).sign(
    { host: url.host, path: `${url.pathname}${url.search}`, method, headers, body: mapped.body, service: target.service, region: target.region },
    config.credentials,
  );
  const response = await sendToBackend(
    agent,
    {
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method,
      headers: Object.entries(signed.headers ?? {}).map(([name, value]): [string, string] => [name, String(value)]),
      body: mapped.body,
    },
    compiled.integration.timeoutInMillis,
  );
  const binary = isBinaryMediaType(call.api.binaryMediaTypes, response.headers["content-type"]?.at(-1));
  return integrationResponse(call, compiled, scope, { selector: String(response.status), headers: response.headers, body: response.body, binary });
}
