import type { IncomingHttpHeaders } from "node:http";

/**
 * Headers an integration answers with that API Gateway passes on as `x-amzn-Remapped-<name>`, setting its own where
 * it has one (Date, Server): the response column `http_proxy`/`lambda` of the header table in "Amazon API Gateway
 * important notes", section "Important notes for REST APIs"
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html): Authorization,
 * Connection, Content-MD5, Date, Max-Forwards, Server, User-Agent, WWW-Authenticate. Two more are captured from real
 * REST APIs rather than tabled: x-amzn-RequestId (the gateway's own id wins) and Content-Length, which the table
 * lists as Passthrough but real responses carry as `x-amzn-Remapped-Content-Length` next to the gateway's framing.
 */
const REMAPPED = new Set([
  "authorization", "connection", "content-md5", "date", "max-forwards", "server", "user-agent", "www-authenticate",
  "x-amzn-requestid", "content-length",
]);
/**
 * Dropped by the same table (Expect, Host, Proxy-Authenticate, TE, Transfer-Encoding, Trailer, Upgrade, Via), plus
 * Keep-Alive: a hop-by-hop header (RFC 9110 §7.6.1) for the gateway's own connection to set.
 */
const DROPPED = new Set(["expect", "host", "proxy-authenticate", "te", "transfer-encoding", "trailer", "upgrade", "via", "keep-alive"]);

/** The remapped name of each lower-case name, made once: backends' names arrive lower-cased (http-client.ts). */
const REMAPPED_LOWER = new Map([...REMAPPED].map((name) => [name, `x-amzn-Remapped-${name}`]));

function passedName(name: string, lower: string): string {
  if (!REMAPPED.has(lower)) return name;
  return name === lower ? REMAPPED_LOWER.get(lower)! : `x-amzn-Remapped-${name}`;
}

/** The integration's response headers as the client receives them, for HTTP_PROXY and Lambda proxy alike. */
export function passedOnHeaders(headers: Iterable<[string, string]>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (DROPPED.has(lower)) continue;
    out.push([passedName(name, lower), value]);
  }
  return out;
}

/**
 * The same for an HTTP backend's answer as undici parsed it (names lower-cased, a name's values in arrival order),
 * read in one pass: no pair list in between and no lower-casing of names that already are.
 */
export function passedOnBackendHeaders(headers: IncomingHttpHeaders): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || DROPPED.has(name)) continue;
    const passed = passedName(name, name);
    if (typeof value === "string") out.push([passed, value]);
    else for (const each of value) out.push([passed, each]);
  }
  return out;
}
