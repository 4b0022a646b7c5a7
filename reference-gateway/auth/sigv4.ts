import { createHash, createHmac } from "node:crypto";

/**
 * Signature Version 4 as the verifying side computes it (AWS General Reference, "Create a signed AWS API request";
 * the canonical request of a non-S3 service such as execute-api). Pure functions: no clock, no credentials lookup.
 */

export const ALGORITHM = "AWS4-HMAC-SHA256";

/** What a request claims about its own signature, from the Authorization header or the query string. */
export interface PresentedSignature {
  accessKeyId: string;
  /** `{date}/{region}/{service}/aws4_request` as sent. */
  scope: string;
  scopeDate: string;
  scopeRegion: string;
  scopeService: string;
  scopeTerminator: string;
  /** Lower-case header names, in the order the client listed them. */
  signedHeaders: string[];
  signature: string;
  /** ISO 8601 basic (`20200211T205529Z`) from X-Amz-Date (header or query) or the Date header. */
  amzDate: string;
  securityToken?: string;
  /** Query-string signing: seconds the presigned URL stays valid. */
  expiresSeconds?: number;
  /** Query-string signing: the raw `X-Amz-Signature=…` parameter, left out of the canonical query string. */
  inQuery: boolean;
}

/** RFC 3986 encoding as SigV4 asks: everything but unreserved characters, upper-case hex. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Percent-decoding that never throws: a malformed escape stays as written. */
export function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The canonical URI of a non-S3 service: the path as sent, with empty and `.` segments dropped and `..` resolved,
 * and every segment URI-encoded once more. The path on the wire is already encoded, so this is the "double
 * encoding" AWS signers apply to every service but S3 (sigv4-create-canonical-request: "Each path segment must be
 * URI-encoded twice … except for Amazon S3"; aws4's canonicalString and @smithy/signature-v4's getCanonicalPath
 * both normalise and re-encode the same way).
 */
export function canonicalUri(rawPath: string): string {
  if (rawPath === "" || rawPath === "/") return "/";
  const segments: string[] = [];
  for (const piece of rawPath.split("/")) {
    if (piece === "" || piece === ".") continue;
    if (piece === "..") segments.pop();
    else segments.push(uriEncode(piece));
  }
  const joined = `/${segments.join("/")}`;
  return rawPath.endsWith("/") && segments.length > 0 ? `${joined}/` : joined;
}

/**
 * The canonical query string: every parameter decoded (`+` is a space, as the signers' query parsers read it) and
 * re-encoded, sorted by name then value. `X-Amz-Signature` is left out when the request is signed in the query.
 */
export function canonicalQuery(rawQuery: string | undefined, dropSignature: boolean): string {
  if (!rawQuery) return "";
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = safeDecode((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, " "));
    const value = eq < 0 ? "" : safeDecode(part.slice(eq + 1).replace(/\+/g, " "));
    if (dropSignature && name === "X-Amz-Signature") continue;
    pairs.push([uriEncode(name), uriEncode(value)]);
  }
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join("&");
}

/** `name:value\n` per signed header: values of a repeated header comma-joined, trimmed, inner runs of spaces collapsed. */
export function canonicalHeaders(headerPairs: Array<[string, string]>, signedHeaders: string[]): string {
  const values = new Map<string, string[]>();
  for (const [name, value] of headerPairs) {
    const lower = name.toLowerCase();
    const list = values.get(lower);
    const clean = value.trim().replace(/\s+/g, " ");
    if (list) list.push(clean);
    else values.set(lower, [clean]);
  }
  return signedHeaders.map((name) => `${name}:${(values.get(name) ?? []).join(",")}\n`).join("");
}

export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

export interface SignedRequestParts {
  method: string;
  rawPath: string;
  rawQuery: string | undefined;
  headerPairs: Array<[string, string]>;
  /** Hex SHA-256 of the body as received. */
  payloadHash: string;
}

export function canonicalRequest(request: SignedRequestParts, presented: PresentedSignature): string {
  return [
    request.method,
    canonicalUri(request.rawPath),
    canonicalQuery(request.rawQuery, presented.inQuery),
    canonicalHeaders(request.headerPairs, presented.signedHeaders),
    presented.signedHeaders.join(";"),
    request.payloadHash,
  ].join("\n");
}

export function stringToSign(canonical: string, presented: PresentedSignature): string {
  return [ALGORITHM, presented.amzDate, presented.scope, sha256Hex(canonical)].join("\n");
}

/** HMAC chain kSecret → kDate → kRegion → kService → kSigning, then the signature of the string to sign. */
export function signature(secretAccessKey: string, presented: PresentedSignature, toSign: string): string {
  const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data, "utf8").digest();
  const kDate = hmac(`AWS4${secretAccessKey}`, presented.scopeDate);
  const kRegion = hmac(kDate, presented.scopeRegion);
  const kService = hmac(kRegion, presented.scopeService);
  const kSigning = hmac(kService, presented.scopeTerminator);
  return createHmac("sha256", kSigning).update(toSign, "utf8").digest("hex");
}
