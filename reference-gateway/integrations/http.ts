import { GatewayError } from "../errors/index.ts";
import type { HttpResponse, RoutedCall } from "../rest/call.ts";
import type { CompiledIntegration } from "../rest/compile.ts";
import { applyRequestParameters, integrationRequest, substituteStageVariables, type IntegrationRequest } from "../rest/integration-request.ts";
import { findHeader } from "../rest/request.ts";
import { integrationResponse } from "../rest/integration-response.ts";
import type { ParameterScope } from "../rest/parameters.ts";
import { forwardedHeaderPairs } from "../rest/forwarded.ts";
import { isBinaryMediaType } from "../rest/binary.ts";
import { sendToBackend, type BackendAgent } from "./http-client.ts";
import { passedOnBackendHeaders } from "./response-headers.ts";
import { integrationRequestHeaders } from "./header-rules.ts";

/** `http://host/{id}/x?y=${stageVariables.v}` → a URL with path placeholders and stage variables filled. */
export function integrationUrl(uri: string, path: Record<string, string>, stageVariables: Record<string, string>): URL {
  const filled = substituteStageVariables(uri, stageVariables).replace(/\{([a-zA-Z0-9._$-]+)\}/g, (_, name: string) => path[name] ?? "");
  try {
    return new URL(filled);
  } catch {
    throw new GatewayError("API_CONFIGURATION_ERROR", { detail: `invalid integration endpoint ${JSON.stringify(filled)}` });
  }
}

/** Where an HTTP integration request goes: what sendToBackend needs of its URL. */
interface Endpoint {
  origin: string;
  pathname: string;
  /** The URI's own query string, without `?`. */
  query: string;
}

/** Endpoints of URIs without placeholders or stage variables, parsed once: one entry per such URI in the definition. */
const fixedEndpoints = new Map<string, Endpoint>();

function integrationEndpoint(uri: string, path: Record<string, string>, stageVariables: Record<string, string>): Endpoint {
  const fixed = !uri.includes("{");
  const known = fixed ? fixedEndpoints.get(uri) : undefined;
  if (known) return known;
  const url = integrationUrl(uri, path, stageVariables);
  const endpoint = { origin: url.origin, pathname: url.pathname, query: url.search.slice(1) };
  if (fixed) fixedEndpoints.set(uri, endpoint);
  return endpoint;
}

/**
 * The integration's path and query string: the URI's own query, then the client's parameters (proxy only), then the
 * mapped ones. REST APIs decode request parameters before passing them on and re-encode them, `%` included
 * (api-gateway-known-issues.md, REST), so `?x=%41` reaches the backend as `x=A`. encodeURIComponent leaves nothing
 * a URL would still escape in a query, so the string is what `URL#search` would make of it.
 */
function backendPath(endpoint: Endpoint, clientPairs: Array<[string, string]>, mapped: Record<string, string>): string {
  let query = endpoint.query;
  const add = (name: string, value: string) => {
    query += `${query === "" ? "" : "&"}${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
  };
  for (const [name, value] of clientPairs) add(name, value);
  for (const name in mapped) add(name, mapped[name]!);
  return query === "" ? endpoint.pathname : `${endpoint.pathname}?${query}`;
}

const API_ID_HEADER = "x-amzn-apigateway-api-id";

/** HTTP_PROXY: the client's method, headers, query string and body go to the backend; its answer comes back as is. */
export async function invokeHttpProxy(call: RoutedCall, compiled: CompiledIntegration, scope: ParameterScope, agent: BackendAgent): Promise<HttpResponse> {
  const mapped: IntegrationRequest = { path: { ...call.route.pathParameters }, querystring: {}, header: {}, body: call.request.body };
  applyRequestParameters(compiled, scope, mapped);
  const endpoint = integrationEndpoint(compiled.integration.uri ?? "", mapped.path, call.stage.variables);
  // The client's Connection is not among the forwarded headers (a Lambda event never has it), but HTTP_PROXY passes it on.
  const connection = findHeader(call.request.headerPairs, "connection");
  const sent = forwardedHeaderPairs(call);
  if (connection !== undefined) sent.push(["Connection", connection]);
  sent.push([API_ID_HEADER, call.api.id]);
  for (const name in mapped.header) sent.push([name, mapped.header[name]!]);
  const method = proxyMethod(compiled, call);
  const response = await sendToBackend(
    agent,
    { origin: endpoint.origin, path: backendPath(endpoint, call.query.pairs, mapped.querystring), method, headers: integrationRequestHeaders("http_proxy", sent), body: mapped.body },
    compiled.integration.timeoutInMillis,
  );
  return { status: response.status, headers: passedOnBackendHeaders(response.received), body: response.body };
}

/** HTTP (non-proxy): only mapped parameters and the mapped body are sent; the status selects the integration response. */
export async function invokeHttp(call: RoutedCall, compiled: CompiledIntegration, scope: ParameterScope, agent: BackendAgent): Promise<HttpResponse> {
  const mapped = integrationRequest(call, compiled, scope);
  const endpoint = integrationEndpoint(compiled.integration.uri ?? "", mapped.path, call.stage.variables);
  // Non-proxy HTTP integrations identify the gateway, not the client (captured: `AmazonAPIGateway_<apiId>`).
  const sent: Array<[string, string]> = [
    ["User-Agent", `AmazonAPIGateway_${call.api.id}`],
    [API_ID_HEADER, call.api.id],
    ["X-Amzn-Trace-Id", call.ids.traceId],
    ...Object.entries(mapped.header),
  ];
  if (!Object.keys(mapped.header).some((name) => name.toLowerCase() === "content-type")) {
    sent.push(["Content-Type", findHeader(call.request.headerPairs, "content-type") ?? "application/json"]);
  }
  const headers = integrationRequestHeaders("http", sent);
  const response = await sendToBackend(
    agent,
    { origin: endpoint.origin, path: backendPath(endpoint, [], mapped.querystring), method: proxyMethod(compiled, call), headers, body: mapped.body },
    compiled.integration.timeoutInMillis,
  );
  const binary = isBinaryMediaType(call.api.binaryMediaTypes, response.headers["content-type"]?.at(-1));
  return integrationResponse(call, compiled, scope, { selector: String(response.status), headers: response.headers, body: response.body, binary });
}

function proxyMethod(compiled: CompiledIntegration, call: RoutedCall): string {
  const configured = compiled.integration.httpMethod?.toUpperCase();
  return !configured || configured === "ANY" ? call.request.method : configured;
}
