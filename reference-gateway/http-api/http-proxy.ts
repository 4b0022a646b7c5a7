import { sendToBackend, type BackendAgent } from "../integrations/http-client.ts";
import type { HttpProxyIntegration } from "../model/http-api.ts";
import type { HttpResponse } from "../rest/call.ts";
import { substituteStageVariables } from "../rest/integration-request.ts";
import { findHeader } from "../rest/request.ts";
import type { GatewayIdentity } from "../rest/context-variables.ts";
import type { HttpCall } from "./call.ts";
import { internalError } from "./errors.ts";
import { requestContextV2 } from "./event.ts";
import { forwardedPairs, queryLists } from "./request.ts";

/** Hop-by-hop and gateway-owned request headers that never reach the backend (RFC 9110 §7.6.1; Host is the backend's). */
const DROPPED_REQUEST = new Set(["host", "content-length", "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "expect", "proxy-connection"]);
const DROPPED_RESPONSE = new Set(["transfer-encoding", "keep-alive", "trailer", "upgrade", "connection", "content-length"]);

/**
 * Mapping values (http-api-parameter-mapping.md): static text with `$request.header.x`, `$request.querystring.x`,
 * `$request.path.x`, `$request.path`, `$context.x`, `$stageVariables.x` (and for responses `$response.header.x`),
 * each also in `${…}` form.
 */
function mappedValue(template: string, call: HttpCall, gateway: GatewayIdentity, response?: { headers: Record<string, string[]> }): string {
  const context = () => requestContextV2(call, gateway);
  const resolve = (expression: string): string => {
    const [kind, ...rest] = expression.split(".");
    const name = rest.join(".");
    if (kind === "request" && rest[0] === "header") return findHeader(call.request.headerPairs, rest.slice(1).join(".")) ?? "";
    if (kind === "request" && rest[0] === "querystring") return (queryLists(call.request.rawQuery)[rest.slice(1).join(".")] ?? []).join(",");
    if (kind === "request" && rest[0] === "path" && rest.length === 1) return call.routePath;
    if (kind === "request" && rest[0] === "path") return call.match.pathParameters[rest.slice(1).join(".")] ?? "";
    if (kind === "response" && rest[0] === "header") return response?.headers[rest.slice(1).join(".").toLowerCase()]?.join(",") ?? "";
    if (kind === "stageVariables") return call.stage.variables[name] ?? "";
    if (kind === "context") {
      let value: unknown = context();
      for (const key of rest) value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
      return value === undefined || value === null ? "" : String(value);
    }
    return "";
  };
  return template.replace(/\$\{([A-Za-z0-9_.+-]+)\}|\$((?:request|response|context|stageVariables)(?:\.[A-Za-z0-9_+-]+)+)/g, (_, braced: string | undefined, bare: string | undefined) => resolve((braced ?? bare)!));
}

function fill(uri: string, call: HttpCall): URL {
  const filled = substituteStageVariables(uri, call.stage.variables).replace(/\{([A-Za-z0-9._-]+)\+?\}/g, (_, name: string) => call.match.pathParameters[name] ?? "");
  try {
    return new URL(filled);
  } catch {
    throw internalError(`invalid integration endpoint ${JSON.stringify(filled)}`);
  }
}

/**
 * HTTP_PROXY (http-api-develop-integrations-http.md): the client's method (or the integration's), headers, query
 * and body go to the URL; for the `$default` route "API Gateway sends the full request path to the integration"
 * (http-api-develop-routes.md). Parameter mapping then appends, overwrites or removes headers, query parameters and
 * the path (http-api-parameter-mapping.md); response mapping does the same to the answer's headers and status.
 */
export async function invokeHttpProxy(call: HttpCall, integration: HttpProxyIntegration, agent: BackendAgent, gateway: GatewayIdentity): Promise<HttpResponse> {
  const url = fill(integration.uri, call);
  if (call.match.route.routeKey === "$default") url.pathname = url.pathname.replace(/\/$/, "") + call.routePath;
  let headers = forwardedPairs(call, "lower").filter(([name]) => !DROPPED_REQUEST.has(name));
  const query: Array<[string, string]> = [];
  const rawQuery = call.request.rawQuery;
  for (const [key, template] of Object.entries(integration.requestParameters)) {
    const [action, target] = [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)];
    const value = mappedValue(template, call, gateway);
    if (target === "path") {
      url.pathname = value.startsWith("/") ? value : `/${value}`;
      continue;
    }
    const [kind, ...nameParts] = target.split(".");
    const name = nameParts.join(".");
    if (kind === "header") {
      const lower = name.toLowerCase();
      if (action !== "append") headers = headers.filter(([n]) => n !== lower);
      if (action !== "remove") headers.push([lower, value]);
    } else if (action === "remove" || action === "overwrite") {
      url.searchParams.delete(name);
      query.push(["\0remove", name]);
      if (action === "overwrite") query.push([name, value]);
    } else query.push([name, value]);
  }
  const removed = new Set(query.filter(([k]) => k === "\0remove").map(([, v]) => v));
  const parts = [url.search.slice(1)];
  for (const part of (rawQuery ?? "").split("&")) {
    if (part === "") continue;
    const key = decodeURIComponent(part.split("=")[0]!.replace(/\+/g, " "));
    if (!removed.has(key)) parts.push(part);
  }
  for (const [k, v] of query) if (k !== "\0remove") parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  const search = parts.filter((p) => p !== "").join("&");
  url.search = search === "" ? "" : `?${search}`;

  const method = integration.method === "ANY" ? call.request.method : integration.method;
  const response = await sendToBackend(
    agent,
    { origin: url.origin, path: `${url.pathname}${url.search}`, method, headers, body: call.request.body },
    integration.timeoutInMillis,
  );
  let status = response.status;
  let out: Array<[string, string]> = Object.entries(response.headers).flatMap(([name, values]) => values.map((value): [string, string] => [name, value]));
  out = out.filter(([name]) => !DROPPED_RESPONSE.has(name));
  const mapping = integration.responseParameters[String(response.status)];
  for (const [key, template] of Object.entries(mapping ?? {})) {
    const value = mappedValue(template, call, gateway, response);
    if (key === "overwrite:statuscode") {
      const n = Number(value);
      if (Number.isInteger(n) && n >= 200 && n <= 599) status = n;
      continue;
    }
    const action = key.slice(0, key.indexOf(":"));
    const name = key.slice(key.indexOf(":") + "header.".length + 1).toLowerCase();
    if (action !== "append") out = out.filter(([n]) => n !== name);
    if (action !== "remove") out.push([name, value]);
  }
  return { status, headers: out, body: response.body };
}
