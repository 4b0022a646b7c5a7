/**
 * Headers an integration answers with that API Gateway does not pass on under their own name but as
 * `x-amzn-Remapped-<name>`, setting its own instead (captured from real REST APIs: connection, content-length,
 * date, x-amzn-requestid, server; WWW-Authenticate per api-gateway-known-issues.md "header remapping").
 */
const REMAPPED = new Set(["connection", "content-length", "date", "server", "www-authenticate", "x-amzn-requestid"]);
/** Framing headers the gateway recomputes for its own response. */
const DROPPED = new Set(["transfer-encoding", "keep-alive", "trailer", "upgrade", "proxy-authenticate"]);

/** The integration's response headers as the client receives them, for HTTP_PROXY and Lambda proxy alike. */
export function passedOnHeaders(headers: Iterable<[string, string]>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (DROPPED.has(lower)) continue;
    out.push([REMAPPED.has(lower) ? `x-amzn-Remapped-${name}` : name, value]);
  }
  return out;
}
