import { timingSafeEqual } from "node:crypto";
import { GatewayError } from "../errors/index.ts";
import type { RoutedCall } from "../rest/call.ts";
import type { IamPrincipal } from "./iam-credentials.ts";
import { presentedSignature } from "./sigv4-presented.ts";
import { canonicalRequest, sha256Hex, signature, stringToSign, type PresentedSignature } from "./sigv4.ts";

/**
 * AWS_IAM authorization: the request's SigV4 signature verified against the principal's secret from the
 * credentials file, then `$context.identity` filled with who that principal is.
 *
 * Outcomes and wording (api-gateway-troubleshoot-403-forbidden knowledge-center article, spec §2.2, and API
 * Gateway answers quoted in public issues found with the search tool):
 *   - no signature at all              403 MISSING_AUTHENTICATION_TOKEN "Missing Authentication Token"
 *   - signature parts missing          403 INVALID_SIGNATURE "Authorization header requires 'Credential' parameter. …
 *                                      Authorization=<the header as sent>", x-amzn-ErrorType IncompleteSignatureException
 *     (captured from REST APIs: aws-amplify/amplify-cli#8414 and aws-amplify/amplify-flutter#1539, a Cognito ID token
 *     sent to an AWS_IAM method; svdgraaf/serverless-basic-authentication#3 "Authorization=Basic xxx"; aws/chalice#828)
 *   - X-Amz-Date more than 5 minutes   403 INVALID_SIGNATURE "Signature expired: … is now earlier than … (… - 5 min.)"
 *     off (API Gateway's window is 5 minutes, not the 15 of other services: mhart/aws4#118,
 *     aws-amplify/aws-sdk-android#253 quote it from execute-api)
 *   - unknown access key, or a         403 ACCESS_DENIED "The security token included in the request is invalid."
 *     session token that does not       (x-amzn-ErrorType AccessDeniedException per the knowledge-center table;
 *     match the principal's              kndt84/aws-api-gateway-client#31 shows the body from API Gateway)
 *   - wrong signature                  403 INVALID_SIGNATURE "The request signature we calculated does not match …"
 *     followed by the canonical request and string to sign API Gateway expected (mhart/aws4#33, #110 quote it).
 */

/** API Gateway's allowed clock skew for X-Amz-Date (see above). */
const SKEW_MS = 5 * 60 * 1000;

const INVALID_TOKEN = "The security token included in the request is invalid.";

const MISMATCH =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/** `20200211T205529Z` → epoch ms. */
function parseAmzDate(amzDate: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate)!;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, "");
}

/** The clock check, with AWS's messages: "expired" for an old date, "not yet current" for one in the future. */
function checkClock(presented: PresentedSignature, now: number): void {
  const signedAt = parseAmzDate(presented.amzDate);
  // A presigned URL lives for X-Amz-Expires seconds; a signed header for the skew window.
  const lifetime = presented.expiresSeconds === undefined ? SKEW_MS : presented.expiresSeconds * 1000;
  const lifetimeText = presented.expiresSeconds === undefined ? "5 min." : `${presented.expiresSeconds} sec.`;
  if (signedAt < now - lifetime) {
    throw new GatewayError("INVALID_SIGNATURE", {
      message: `Signature expired: ${presented.amzDate} is now earlier than ${amzDate(now - lifetime)} (${amzDate(now)} - ${lifetimeText})`,
    });
  }
  if (signedAt > now + SKEW_MS) {
    // serverless/enterprise#11 quotes this form.
    throw new GatewayError("INVALID_SIGNATURE", {
      message: `Signature not yet current: ${presented.amzDate} is still later than ${amzDate(now + SKEW_MS)} (${amzDate(now)} + 5 min.)`,
    });
  }
}

function sameSignature(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

export interface IamVerifier {
  principals: ReadonlyMap<string, IamPrincipal>;
  /** The gateway's region: the only one a credential scope may name. */
  region: string;
  now?: () => number;
}

/** Verifies the call's signature and records the principal in `call.auth.identity`; throws GatewayError otherwise. */
export function authorizeIam(call: RoutedCall, verifier: IamVerifier): void {
  const { request } = call;
  const presented = presentedSignature(request.headerPairs, request.rawQuery);
  if ("kind" in presented) {
    if (presented.kind === "none") throw new GatewayError("MISSING_AUTHENTICATION_TOKEN");
    throw new GatewayError("INVALID_SIGNATURE", { message: presented.message, errorType: "IncompleteSignatureException" });
  }
  // Trailing space as AWS sends it (aws/aws-sdk-js#792 quotes it from execute-api).
  if (presented.scopeRegion !== verifier.region) {
    throw new GatewayError("INVALID_SIGNATURE", { message: `Credential should be scoped to a valid region, not '${presented.scopeRegion}'. ` });
  }
  if (presented.scopeService !== "execute-api") {
    throw new GatewayError("INVALID_SIGNATURE", { message: "Credential should be scoped to correct service: 'execute-api'. " });
  }
  checkClock(presented, (verifier.now ?? Date.now)());
  const principal = verifier.principals.get(presented.accessKeyId);
  if (!principal || presented.securityToken !== principal.sessionToken) {
    throw new GatewayError("ACCESS_DENIED", { message: INVALID_TOKEN, detail: principal ? "session token mismatch" : `unknown access key ${presented.accessKeyId}` });
  }
  // The hash of the body received, never the client's X-Amz-Content-Sha256 claim: a changed body must fail, and
  // execute-api refuses UNSIGNED-PAYLOAD (aws/aws-sdk-js-v3#308: a signature mismatch with it).
  const canonical = canonicalRequest({ ...request, payloadHash: sha256Hex(request.body) }, presented);
  const toSign = stringToSign(canonical, presented);
  // A scope dated another day than X-Amz-Date, or any other scope oddity, derives another key and fails here.
  const expected = presented.scopeDate === presented.amzDate.slice(0, 8) && presented.scopeTerminator === "aws4_request"
    ? signature(principal.secretAccessKey, presented, toSign)
    : "";
  if (!sameSignature(expected, presented.signature)) {
    throw new GatewayError("INVALID_SIGNATURE", {
      message: `${MISMATCH}\n\nThe Canonical String for this request should have been\n'${canonical}'\n\nThe String-to-Sign should have been\n'${toSign}'\n`,
    });
  }
  call.auth = {
    ...call.auth,
    identity: {
      ...call.auth?.identity,
      accessKey: principal.accessKeyId,
      accountId: principal.accountId,
      caller: principal.caller,
      user: principal.user,
      userArn: principal.userArn,
    },
  };
}
