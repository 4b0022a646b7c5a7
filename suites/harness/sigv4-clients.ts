import aws4 from "aws4";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";

/**
 * Requests signed by real AWS signers, never by gateproof's own code: `aws4` and `@smithy/signature-v4` (the AWS
 * SDK v3 signer). Each returns the path+query to send and the headers, ready for harness/target.ts `send`.
 */
export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignedRequest {
  path: string;
  headers: Record<string, string>;
}

export interface ToSign {
  method: string;
  /** Full URL of the stage plus the path and query to send. */
  url: string;
  body?: string;
  headers?: Record<string, string>;
  region?: string;
  /** Epoch ms the signature is dated at (default now). */
  signedAt?: number;
}

const amzDate = (ms: number) => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, "");

export function signWithAws4(request: ToSign, credentials: SigningCredentials): SignedRequest {
  const url = new URL(request.url);
  const headers: Record<string, string> = { ...request.headers };
  if (request.signedAt !== undefined) headers["X-Amz-Date"] = amzDate(request.signedAt);
  const signed = aws4.sign(
    { host: url.host, method: request.method, path: url.pathname + url.search, service: "execute-api", region: request.region ?? "us-east-1", body: request.body, headers },
    credentials,
  );
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers ?? {})) out[name] = String(value);
  return { path: url.pathname + url.search, headers: out };
}

function smithySigner(credentials: SigningCredentials, region: string): SignatureV4 {
  return new SignatureV4({ service: "execute-api", region, credentials, sha256: Sha256 });
}

function smithyRequest(request: ToSign) {
  const url = new URL(request.url);
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const previous = query[name];
    query[name] = previous === undefined ? value : [previous, value].flat();
  }
  return {
    method: request.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query,
    headers: { host: url.host, ...request.headers },
    body: request.body,
  };
}

function withQuery(path: string, query: Record<string, string | string[] | null>): string {
  const pairs = Object.entries(query).flatMap(([name, value]) => [value ?? ""].flat().map((v) => `${encodeURIComponent(name)}=${encodeURIComponent(v)}`));
  return pairs.length > 0 ? `${path}?${pairs.join("&")}` : path;
}

export async function signWithSmithy(request: ToSign, credentials: SigningCredentials): Promise<SignedRequest> {
  const signed = await smithySigner(credentials, request.region ?? "us-east-1").sign(smithyRequest(request), request.signedAt === undefined ? {} : { signingDate: new Date(request.signedAt) });
  return { path: withQuery(signed.path, signed.query ?? {}), headers: signed.headers };
}

export async function presignWithSmithy(request: ToSign, credentials: SigningCredentials, expiresIn = 300): Promise<SignedRequest> {
  const signed = await smithySigner(credentials, request.region ?? "us-east-1").presign(smithyRequest(request), { expiresIn, ...(request.signedAt === undefined ? {} : { signingDate: new Date(request.signedAt) }) });
  return { path: withQuery(signed.path, signed.query ?? {}), headers: signed.headers };
}
