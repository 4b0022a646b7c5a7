import { createHash, randomFillSync, randomUUID } from "node:crypto";

/** Ids in the shapes AWS uses, so logs and tools that parse them keep working. */
export interface RequestIds {
  /** `x-amzn-RequestId`, `$context.requestId`: a UUID. */
  requestId: string;
  /** `x-amz-apigw-id`, `$context.extendedRequestId`: 16 base64 characters ending in `=`. */
  extendedRequestId: string;
  /** `X-Amzn-Trace-Id`: `Root=1-<epoch seconds, 8 hex>-<24 hex>`. */
  traceId: string;
}

/** Random bytes drawn from one refilled pool: one getrandom call per 4 KiB, not two per request. */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
function entropy(size: number): Buffer {
  if (poolOffset + size > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + size);
  poolOffset += size;
  return bytes;
}

export function newRequestIds(now: number): RequestIds {
  const epochHex = Math.floor(now / 1000).toString(16).padStart(8, "0");
  return {
    requestId: randomUUID(),
    extendedRequestId: entropy(11).toString("base64url") + "=",
    traceId: `Root=1-${epochHex}-${entropy(12).toString("hex")}`,
  };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `$context.requestTime`: CLF `dd/MMM/yyyy:HH:mm:ss +0000`, always UTC. */
export function clfTime(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

const deploymentIds = new Map<string, string>();

/** `$context.deploymentId`-style id: 6 lowercase alphanumerics, stable for an API and stage (computed once). */
export function deploymentId(apiId: string, stage: string): string {
  const key = `${apiId}/${stage}`;
  let id = deploymentIds.get(key);
  if (id === undefined) {
    const digest = createHash("sha256").update(key).digest();
    const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    id = Array.from(digest.subarray(0, 6), (byte) => alphabet[byte % alphabet.length]).join("");
    deploymentIds.set(key, id);
  }
  return id;
}
