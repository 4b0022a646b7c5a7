import { createHash } from "node:crypto";
import { GatewayError } from "../errors/index.ts";
import { findHeader } from "../rest/request.ts";
import { ALGORITHM, safeDecode, type PresentedSignature } from "./sigv4.ts";

/** A request that carries no signature at all (no SigV4 Authorization header, no X-Amz-Signature in the query). */
export interface NoSignature {
  kind: "none";
}

/** A signature whose parts are missing: AWS names each missing part (see INCOMPLETE below). */
export interface IncompleteSignature {
  kind: "incomplete";
  message: string;
}

/**
 * AWS's wording for a SigV4 Authorization header without its parts, as API Gateway returns it (quoted in
 * datatalksclub-faq "Lambda API Gateway errors", found with the search tool): one sentence per missing part, in
 * this order, then ` Authorization=` and the header's value as sent (aws/chalice#828 `Authorization=eyJ0eXAi…` for a
 * bare JWT, svdgraaf/serverless-basic-authentication#3 `Authorization=Basic xxx`; AWS's other SigV4 front ends word
 * it the same, e.g. SES in brendanhay/amazonka#316 `Authorization=AWS4-HMAC-SHA256 Credential=ABCDEF`).
 */
const INCOMPLETE = {
  credential: "Authorization header requires 'Credential' parameter.",
  signature: "Authorization header requires 'Signature' parameter.",
  signedHeaders: "Authorization header requires 'SignedHeaders' parameter.",
  date: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
} as const;

/**
 * AWS's wording for an Authorization header with a piece (after the scheme, between commas) that is not `key=value`,
 * such as the token of `Bearer <token>`. Captured since 2025 with the header hashed, not echoed:
 * awslabs/time-addressable-media-store#8 (2025-01, an unknown method on an API Gateway API), and API Gateway answers
 * quoted in public repositories in 2026 (`… (hashed with SHA-256 and encoded with Base64): '/xBngBlSaay…='.`, 44
 * characters: a SHA-256). Earlier captures quoted the piece and the header instead (serverless/serverless#3205
 * `'sometoken' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer sometoken'.`,
 * cowinapi/developer.cowin#129 for `Basic token` as well). That the hash is of the whole header value as received is
 * inferred (the message replaced the quoted header with it), not captured.
 */
function missingEqualSign(authorization: string): string {
  const hash = createHash("sha256").update(authorization, "utf8").digest("base64");
  return `Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '${hash}'.`;
}

/** `Date: Tue, 11 Feb 2020 20:55:29 GMT` → `20200211T205529Z`, the form the string to sign uses. */
function isoBasic(date: string): string | undefined {
  if (/^\d{8}T\d{6}Z$/.test(date)) return date;
  const parsed = Date.parse(date);
  return Number.isNaN(parsed) ? undefined : new Date(parsed).toISOString().replace(/[-:]|\.\d{3}/g, "");
}

function queryParameters(rawQuery: string | undefined): Map<string, string> {
  const parameters = new Map<string, string>();
  for (const part of (rawQuery ?? "").split("&")) {
    const eq = part.indexOf("=");
    if (eq > 0) parameters.set(safeDecode(part.slice(0, eq)), safeDecode(part.slice(eq + 1).replace(/\+/g, " ")));
  }
  return parameters;
}

function withScope(fields: Omit<PresentedSignature, "accessKeyId" | "scope" | "scopeDate" | "scopeRegion" | "scopeService" | "scopeTerminator">, credential: string): PresentedSignature {
  const slash = credential.indexOf("/");
  const accessKeyId = slash < 0 ? credential : credential.slice(0, slash);
  const scope = slash < 0 ? "" : credential.slice(slash + 1);
  const [scopeDate = "", scopeRegion = "", scopeService = "", scopeTerminator = ""] = scope.split("/");
  return { ...fields, accessKeyId, scope, scopeDate, scopeRegion, scopeService, scopeTerminator };
}

/** The signature a request presents: in the Authorization header, else in the query string (presigned URL). */
export function presentedSignature(
  headerPairs: Array<[string, string]>,
  rawQuery: string | undefined,
): PresentedSignature | NoSignature | IncompleteSignature {
  const authorization = findHeader(headerPairs, "authorization");
  const headerDate = findHeader(headerPairs, "x-amz-date") ?? findHeader(headerPairs, "date");
  const headerToken = findHeader(headerPairs, "x-amz-security-token");
  if (authorization !== undefined && authorization.trim() !== "") {
    const trimmed = authorization.trim();
    const space = trimmed.indexOf(" ");
    // What follows the scheme is read as comma-separated key=value pieces whatever the scheme (Bearer, Basic, …);
    // a bare token (no scheme) has none, and gets the missing-parts sentences instead (aws/chalice#828).
    const pieces = space < 0 ? [] : trimmed.slice(space + 1).split(",").map((piece) => piece.trim()).filter((piece) => piece !== "");
    if (pieces.some((piece) => !piece.includes("="))) return { kind: "incomplete", message: missingEqualSign(authorization) };
    const parts = new Map<string, string>();
    if (trimmed.slice(0, space < 0 ? undefined : space) === ALGORITHM) {
      for (const piece of pieces) {
        const eq = piece.indexOf("=");
        if (eq > 0) parts.set(piece.slice(0, eq).trim(), piece.slice(eq + 1).trim());
      }
    }
    const amzDate = headerDate === undefined ? undefined : isoBasic(headerDate.trim());
    const missing = [
      parts.get("Credential") ? undefined : INCOMPLETE.credential,
      parts.get("Signature") ? undefined : INCOMPLETE.signature,
      parts.get("SignedHeaders") ? undefined : INCOMPLETE.signedHeaders,
      amzDate ? undefined : INCOMPLETE.date,
    ].filter((sentence) => sentence !== undefined);
    if (missing.length > 0) return { kind: "incomplete", message: `${missing.join(" ")} Authorization=${authorization}` };
    return withScope(
      {
        signedHeaders: parts.get("SignedHeaders")!.split(";"),
        signature: parts.get("Signature")!,
        amzDate: amzDate!,
        securityToken: headerToken,
        inQuery: false,
      },
      parts.get("Credential")!,
    );
  }
  const query = queryParameters(rawQuery);
  if (!query.has("X-Amz-Signature")) return { kind: "none" };
  const amzDate = isoBasic(query.get("X-Amz-Date") ?? "");
  const expires = Number(query.get("X-Amz-Expires"));
  if (query.get("X-Amz-Algorithm") !== ALGORITHM || !query.get("X-Amz-Credential") || !query.get("X-Amz-SignedHeaders") || !amzDate) {
    // The same sentences, for the query-string form (its parameters carry the same parts).
    const missing = [
      query.get("X-Amz-Credential") ? undefined : INCOMPLETE.credential,
      query.get("X-Amz-SignedHeaders") ? undefined : INCOMPLETE.signedHeaders,
      amzDate ? undefined : INCOMPLETE.date,
    ].filter((sentence) => sentence !== undefined);
    return { kind: "incomplete", message: missing.length > 0 ? missing.join(" ") : INCOMPLETE.credential };
  }
  return withScope(
    {
      signedHeaders: query.get("X-Amz-SignedHeaders")!.split(";"),
      signature: query.get("X-Amz-Signature")!,
      amzDate,
      securityToken: query.get("X-Amz-Security-Token") ?? headerToken,
      expiresSeconds: Number.isFinite(expires) && expires > 0 ? expires : undefined,
      inQuery: true,
    },
    query.get("X-Amz-Credential")!,
  );
}

/** True when an Authorization header carries a SigV4 signature (API Gateway drops it before the integration). */
export function isSigV4Authorization(value: string): boolean {
  return value.trimStart().startsWith(`${ALGORITHM} `);
}

/**
 * The refusal of a REST request that matched no route (no such stage path, resource or method). With an
 * Authorization header that is not a complete SigV4 one, API Gateway answers what is wrong with the header, as on an
 * AWS_IAM method, not "Missing Authentication Token": aws/chalice#828 (the "Authorization header requires
 * 'Credential' parameter. …" answer, "The route was not built"), amazon-archives/aws-cognito-angular-quickstart#50
 * (the key=value answer to a Bearer token: "That error will return for any invalid endpoints"),
 * awslabs/time-addressable-media-store#8 (2025, a maintainer: "returned when an unexpected path/method is used").
 * It is still the MISSING_AUTHENTICATION_TOKEN response (customising that one replaces it: liath in the
 * cognito-angular thread), with x-amzn-ErrorType IncompleteSignatureException as on an AWS_IAM method.
 */
export function missingRoute(headerPairs: Array<[string, string]>): GatewayError {
  if (findHeader(headerPairs, "authorization")?.trim()) {
    const presented = presentedSignature(headerPairs, undefined);
    if ("kind" in presented && presented.kind === "incomplete") {
      return new GatewayError("MISSING_AUTHENTICATION_TOKEN", { message: presented.message, errorType: "IncompleteSignatureException" });
    }
  }
  return new GatewayError("MISSING_AUTHENTICATION_TOKEN");
}
