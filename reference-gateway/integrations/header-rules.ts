/**
 * What API Gateway does to the headers of a REST integration request, from the header table of "Amazon API Gateway
 * important notes", section "Important notes for REST APIs"
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html), request column
 * `http`/`http_proxy`/`lambda`. The table applies to what reaches the endpoint, so a header is dropped whether the
 * client sent it (proxy integrations) or a parameter mapping or `$context.requestOverride` set it (HTTP). AWS
 * documents no deploy-time refusal for mapping these names: a mapping to them is accepted and has no effect.
 *
 * - Dropped for all three: Content-MD5, Expect, Max-Forwards, Proxy-Authenticate, Server, TE, Transfer-Encoding
 *   (an "Exception" for `lambda`: the gateway reads the body whole, so no event carries it), Trailer, Upgrade,
 *   WWW-Authenticate. Via for `http` and `http_proxy`; Content-Encoding for `http_proxy`; Connection for `lambda`.
 * - Host is "overwritten to the integration endpoint" and Content-Length "generated based on body": for HTTP the
 *   client (undici) sets both from the URL and the body, so any other value is dropped here; a Lambda event keeps the
 *   Host the client called (captured events) and never has Content-Length (rest/forwarded.ts).
 * - Connection passes through to HTTP endpoints. The backend connection is pooled, so the only option that reaches
 *   the wire is `close` (undici then sends `connection: close` and closes after the response); other tokens drop.
 * - Keep-Alive and Proxy-Connection are not in the table; they are hop-by-hop (RFC 9110 §7.6.1) and undici refuses
 *   to send them.
 */
export type IntegrationKind = "http" | "http_proxy" | "lambda";

const DROPPED_BY_ALL = ["content-md5", "expect", "max-forwards", "proxy-authenticate", "server", "te", "transfer-encoding", "trailer", "upgrade", "www-authenticate"];
const DROPPED_BY_HTTP = [...DROPPED_BY_ALL, "via", "host", "content-length", "keep-alive", "proxy-connection"];

const DROPPED: Record<IntegrationKind, Set<string>> = {
  http: new Set(DROPPED_BY_HTTP),
  http_proxy: new Set([...DROPPED_BY_HTTP, "content-encoding"]),
  lambda: new Set([...DROPPED_BY_ALL, "connection"]),
};

/** The headers of an integration request as the endpoint receives them, in the given order. */
export function integrationRequestHeaders(kind: IntegrationKind, headers: Iterable<[string, string]>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (DROPPED[kind].has(lower)) continue;
    if (lower === "connection") {
      if (value.split(",").some((token) => token.trim().toLowerCase() === "close")) out.push([name, "close"]);
      continue;
    }
    out.push([name, value]);
  }
  return out;
}
