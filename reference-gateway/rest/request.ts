/** The request as it arrived on the socket, before any API Gateway processing. */
export interface IncomingRequest {
  method: string;
  /** Path exactly as sent (percent-encoding kept), without the query string. */
  rawPath: string;
  /** Text after the first `?`, undefined when there was no `?`. */
  rawQuery: string | undefined;
  /** Header name/value pairs in arrival order, names in the casing the client used. */
  headerPairs: Array<[string, string]>;
  body: Buffer;
  sourceIp: string;
  /** The gateway's own port the request arrived on (X-Forwarded-Port; ../client-connection.ts). */
  localPort: number;
  /** The scheme the client used: https on a TLS connection (X-Forwarded-Proto; ../client-connection.ts). */
  scheme: "https" | "http";
  /** `HTTP/1.1` (logged as such even for HTTP/2 clients, as AWS does). */
  protocol: string;
  receivedAt: number;
}

export interface HeaderMaps {
  /** Last value wins; the name keeps the casing of its last occurrence. */
  single: Record<string, string>;
  multi: Record<string, string[]>;
}

/**
 * Maps keyed by names the client chose. Null-prototype objects, so a header or query key such as `__proto__` or
 * `constructor` is an ordinary key (as on AWS) and can never reach Object.prototype.
 */
export function clientKeyed<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

export function headerMaps(pairs: Array<[string, string]>): HeaderMaps {
  const single = clientKeyed<string>();
  const multi = clientKeyed<string[]>();
  // Lower-case name → the casing last seen; consulted only when a name repeats in another casing.
  const casing = clientKeyed<string>();
  for (const [name, value] of pairs) {
    const lower = name.toLowerCase();
    const previous = casing[lower];
    if (previous !== undefined && previous !== name) {
      single[name] = single[previous]!;
      multi[name] = multi[previous]!;
      delete single[previous];
      delete multi[previous];
    }
    casing[lower] = name;
    single[name] = value;
    const values = multi[name];
    if (values === undefined) multi[name] = [value];
    else values.push(value);
  }
  return { single, multi };
}

/**
 * The last value of a header, by case-insensitive name. Only names of the same length are lower-cased (a new string
 * each): several steps look headers up on every request.
 */
export function findHeader(pairs: Array<[string, string]>, name: string): string | undefined {
  const lower = name.toLowerCase();
  let found: string | undefined;
  for (const [key, value] of pairs) if (key.length === lower.length && key.toLowerCase() === lower) found = value;
  return found;
}
