import type { Agent } from "undici";
import { GatewayError } from "../errors/index.ts";
import type { HttpResponse, RoutedCall } from "../rest/call.ts";
import type { CompiledIntegration } from "../rest/compile.ts";
import { integrationRequest, type IntegrationRequest } from "../rest/integration-request.ts";
import { integrationResponse } from "../rest/integration-response.ts";
import type { ParameterScope } from "../rest/parameters.ts";
import { sendToBackend, type BackendResponse } from "./http-client.ts";
import { withIntegrationTimeout } from "./timeout.ts";

/** Hop-by-hop headers (RFC 9110 §7.6.1) never forwarded by a proxy. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length"]);

/**
 * Backend response headers API Gateway does not pass through under their own name but as
 * `x-amzn-Remapped-<name>` (api-gateway-known-issues.md, "header remapping"; the same list LocalStack keeps).
 */
const REMAPPED_RESPONSE_HEADERS = new Set(["authorization", "connection", "content-md5", "date", "server", "www-authenticate", "x-amzn-requestid", "x-amzn-trace-id", "x-amz-apigw-id"]);
/** Hop-by-hop response headers dropped; the gateway frames the response itself. */
const DROPPED_RESPONSE_HEADERS = new Set(["transfer-encoding", "keep-alive", "content-length", "trailer", "upgrade", "proxy-authenticate"]);

/** `http://host/{id}/x?y=${stageVariables.v}` → a URL with path placeholders and stage variables filled. */
export function integrationUrl(uri: string, path: Record<string, string>, stageVariables: Record<string, string>): URL {
  const withVariables = uri.replace(/\$\{stageVariables\.([A-Za-z0-9_]+)\}/g, (_, name: string) => stageVariables[name] ?? "");
  const filled = withVariables.replace(/\{([a-zA-Z0-9._$-]+)\}/g, (_, name: string) => path[name] ?? "");
  try {
    return new URL(filled);
  } catch {
    throw new GatewayError("API_CONFIGURATION_ERROR", { detail: `invalid integration endpoint ${JSON.stringify(filled)}` });
  }
}

function appendQuery(url: URL, rawQuery: string | undefined, mapped: Record<string, string>): void {
  const parts = [url.search.slice(1), rawQuery ?? ""].filter((part) => part !== "");
  for (const [name, value] of Object.entries(mapped)) parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  url.search = parts.length > 0 ? `?${parts.join("&")}` : "";
}

/** Headers API Gateway adds to every request it sends to an HTTP backend. */
function gatewayHeaders(call: RoutedCall): Array<[string, string]> {
  const forwardedFor = call.headers.single["X-Forwarded-For"] ?? call.headers.single["x-forwarded-for"];
  return [
    ["x-amzn-apigateway-api-id", call.api.id],
    ["X-Amzn-Trace-Id", call.ids.traceId],
    ["X-Forwarded-For", forwardedFor ? `${forwardedFor}, ${call.request.sourceIp}` : call.request.sourceIp],
  ];
}

/** HTTP_PROXY: the client's method, headers, query string and body go to the backend; its answer comes back as is. */
export async function invokeHttpProxy(call: RoutedCall, compiled: CompiledIntegration, scope: ParameterScope, agent: Agent): Promise<HttpResponse> {
  const mapped: IntegrationRequest = { path: { ...call.route.pathParameters }, querystring: {}, header: {}, body: call.request.body };
  for (const { location, name, source } of compiled.requestParameters) {
    const value = source(scope);
    if (value !== undefined) mapped[location][name] = value;
  }
  const url = integrationUrl(compiled.integration.uri ?? "", mapped.path, call.stage.variables);
  appendQuery(url, call.request.rawQuery, mapped.querystring);
  const headers = call.request.headerPairs.filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase()) && !/^x-forwarded-for$/i.test(name));
  headers.push(...gatewayHeaders(call), ...Object.entries(mapped.header));
  const method = proxyMethod(compiled, call);
  const response = await withIntegrationTimeout(compiled.integration.timeoutInMillis, (signal) =>
    sendToBackend(agent, { url, method, headers, body: mapped.body, signal }),
  );
  return { status: response.status, headers: proxiedResponseHeaders(response), body: response.body };
}

/** HTTP (non-proxy): only mapped parameters and the mapped body are sent; the status selects the integration response. */
export async function invokeHttp(call: RoutedCall, compiled: CompiledIntegration, scope: ParameterScope, agent: Agent): Promise<HttpResponse> {
  const mapped = integrationRequest(call, compiled, scope);
  const url = integrationUrl(compiled.integration.uri ?? "", mapped.path, call.stage.variables);
  appendQuery(url, undefined, mapped.querystring);
  const headers: Array<[string, string]> = [...gatewayHeaders(call), ...Object.entries(mapped.header)];
  if (!Object.keys(mapped.header).some((name) => name.toLowerCase() === "content-type")) {
    headers.push(["Content-Type", call.headers.single["Content-Type"] ?? call.headers.single["content-type"] ?? "application/json"]);
  }
  const response = await withIntegrationTimeout(compiled.integration.timeoutInMillis, (signal) =>
    sendToBackend(agent, { url, method: proxyMethod(compiled, call), headers, body: mapped.body, signal }),
  );
  return integrationResponse(call, compiled, scope, { selector: String(response.status), headers: response.headers, body: response.body.toString("utf8") });
}

function proxyMethod(compiled: CompiledIntegration, call: RoutedCall): string {
  const configured = compiled.integration.httpMethod?.toUpperCase();
  return !configured || configured === "ANY" ? call.request.method : configured;
}

function proxiedResponseHeaders(response: BackendResponse): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  for (const [name, values] of Object.entries(response.headers)) {
    if (DROPPED_RESPONSE_HEADERS.has(name)) continue;
    const outName = REMAPPED_RESPONSE_HEADERS.has(name) ? `x-amzn-Remapped-${name}` : name;
    for (const value of values) headers.push([outName, value]);
  }
  return headers;
}
