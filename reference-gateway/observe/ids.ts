import { createHash, randomFillSync } from "node:crypto";

/** Ids in the shapes AWS uses, so logs and tools that parse them keep working. */
export interface RequestIds {
  /** `x-amzn-RequestId`, `$context.requestId`: a UUID. */
  requestId: string;
  /** `x-amz-apigw-id`, `$context.extendedRequestId`: 16 base64 characters ending in `=`. */
  extendedRequestId: string;
  /** `X-Amzn-Trace-Id`: `Root=1-<epoch seconds, 8 hex>-<24 hex>`. */
  traceId: string;
}

/**
 * Random characters drawn from refilled pools of text: one getrandom call and one encoding per pool, then each id is
 * a slice — not a Buffer, an encoding and a string per id. 15 base64url characters carry 90 random bits (the 11
 * random bytes AWS's 16-character form holds give 88), 24 hex characters 96.
 */
class RandomText {
  private text = "";
  private offset = 0;

  constructor(
    private readonly bytes: number,
    private readonly encoding: "base64url" | "hex",
  ) {}

  take(length: number): string {
    if (this.offset + length > this.text.length) {
      this.text = randomFillSync(Buffer.allocUnsafe(this.bytes)).toString(this.encoding);
      this.offset = 0;
    }
    return this.text.slice(this.offset, (this.offset += length));
  }
}
const base64url = new RandomText(3072, "base64url");
const hex = new RandomText(2048, "hex");

const HEX_DIGITS = Buffer.from("0123456789abcdef", "latin1");
const UUIDS_PER_POOL = 128;

/**
 * Version 4 UUIDs (RFC 9562 §5.4: 122 random bits, version nibble 4, variant bits 10), written as text 128 at a time
 * from one getrandom call: each id is a slice of that text. crypto.randomUUID builds each id's string from 20 pieces.
 */
class UuidPool {
  private text = "";
  private next = UUIDS_PER_POOL;
  private readonly random = Buffer.allocUnsafe(16 * UUIDS_PER_POOL);
  private readonly ascii = Buffer.allocUnsafe(36 * UUIDS_PER_POOL);

  take(): string {
    if (this.next === UUIDS_PER_POOL) this.refill();
    const start = 36 * this.next++;
    return this.text.slice(start, start + 36);
  }

  private refill(): void {
    const random = randomFillSync(this.random);
    const ascii = this.ascii;
    for (let id = 0; id < UUIDS_PER_POOL; id++) {
      const r = id * 16;
      random[r + 6] = (random[r + 6]! & 0x0f) | 0x40;
      random[r + 8] = (random[r + 8]! & 0x3f) | 0x80;
      let out = id * 36;
      for (let byte = 0; byte < 16; byte++) {
        if (byte === 4 || byte === 6 || byte === 8 || byte === 10) ascii[out++] = 0x2d; // "-"
        ascii[out++] = HEX_DIGITS[random[r + byte]! >> 4]!;
        ascii[out++] = HEX_DIGITS[random[r + byte]! & 0x0f]!;
      }
    }
    this.text = ascii.toString("latin1");
    this.next = 0;
  }
}
const uuids = new UuidPool();

/** `Root=1-<epoch seconds, 8 hex>-`, kept for the second it belongs to. */
let traceSecond = -1;
let tracePrefix = "";

export function newRequestIds(now: number): RequestIds {
  const second = Math.floor(now / 1000);
  if (second !== traceSecond) {
    traceSecond = second;
    tracePrefix = `Root=1-${second.toString(16).padStart(8, "0")}-`;
  }
  return {
    requestId: uuids.take(),
    extendedRequestId: base64url.take(15) + "=",
    traceId: tracePrefix + hex.take(24),
  };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** The last second clfTime formatted, and its text: requests within one second share it. */
let clfSecond = -1;
let clfText = "";

/** `$context.requestTime`: CLF `dd/MMM/yyyy:HH:mm:ss +0000`, always UTC. */
export function clfTime(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second === clfSecond) return clfText;
  const d = new Date(second * 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  clfSecond = second;
  clfText = `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
  return clfText;
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
