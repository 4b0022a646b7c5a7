import aws4 from "aws4";
import type { Transform } from "./transform.ts";

/** Headers a previous signature put there; they are replaced, never mixed with the new signature. */
const SIGNATURE_HEADERS = new Set(["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"]);

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): Credentials {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  if (!accessKeyId || !secretAccessKey) throw new Error("sigv4 needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment");
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/** `sigv4=REGION/SERVICE` (e.g. us-east-1/execute-api): every request is signed afresh for the host it goes to. */
export function sigv4Transform(region: string, service: string, credentials: Credentials): Transform {
  return (request) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of request.headers) if (!SIGNATURE_HEADERS.has(name.toLowerCase())) headers[name] = value;
    const hostHeader = Object.keys(headers).find((name) => name.toLowerCase() === "host");
    const signed = aws4.sign(
      { host: hostHeader ? headers[hostHeader] : request.url.host, method: request.method, path: request.url.pathname + request.url.search, headers, body: request.body, service, region },
      credentials,
    );
    return { ...request, headers: Object.entries(signed.headers ?? {}).map(([name, value]) => [name, String(value)] as [string, string]) };
  };
}
