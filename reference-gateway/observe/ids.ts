import { createHash, randomBytes, randomUUID } from "node:crypto";

/** Ids in the shapes AWS uses, so logs and tools that parse them keep working. */
export interface RequestIds {
  /** `x-amzn-RequestId`, `$context.requestId`: a UUID. */
  requestId: string;
  /** `x-amz-apigw-id`, `$context.extendedRequestId`: 16 base64 characters ending in `=`. */
  extendedRequestId: string;
  /** `X-Amzn-Trace-Id`: `Root=1-<epoch seconds, 8 hex>-<24 hex>`. */
  traceId: string;
}

export function newRequestIds(now: number): RequestIds {
  const epochHex = Math.floor(now / 1000).toString(16).padStart(8, "0");
  return {
    requestId: randomUUID(),
    extendedRequestId: randomBytes(11).toString("base64").replace(/\+/g, "-").replace(/\//g, "_"),
    traceId: `Root=1-${epochHex}-${randomBytes(12).toString("hex")}`,
  };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `$context.requestTime`: CLF `dd/MMM/yyyy:HH:mm:ss +0000`, always UTC. */
export function clfTime(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/** `$context.deploymentId`-style id: 6 lowercase alphanumerics, stable for an API and stage. */
export function deploymentId(apiId: string, stage: string): string {
  const digest = createHash("sha256").update(`${apiId}/${stage}`).digest();
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(digest.subarray(0, 6), (byte) => alphabet[byte % alphabet.length]).join("");
}
