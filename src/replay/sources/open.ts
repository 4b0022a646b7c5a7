import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";
import type { Readable } from "node:stream";

export type SourceFormat = "har" | "jsonl" | "access-log";

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * The file's bytes, gunzipped when they start with the gzip magic (whatever the name says), plus the first
 * decompressed chunk so the format can be told without a second read.
 */
export async function openDecoded(file: string): Promise<{ head: Buffer; chunks: AsyncIterable<Buffer> }> {
  const raw = createReadStream(file, { highWaterMark: 256 * 1024 });
  const first = await firstChunk(raw);
  const gzipped = first.length >= 2 && first[0] === GZIP_MAGIC[0] && first[1] === GZIP_MAGIC[1];
  if (!gzipped) return { head: first, chunks: prepend(first, raw) };
  // 128 KB out per chunk, not zlib's 16 KB: a hundred lines per batch, and an eighth of the thread-pool round trips.
  const gunzip = createGunzip({ chunkSize: 128 * 1024 });
  gunzip.write(first);
  raw.pipe(gunzip);
  raw.once("error", (error) => gunzip.destroy(error));
  const head = await firstChunk(gunzip);
  return { head, chunks: prepend(head, gunzip) };
}

function firstChunk(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const done = (chunk: Buffer) => {
      stream.pause();
      stream.off("error", reject);
      stream.off("end", ended);
      resolve(chunk);
    };
    const ended = () => done(Buffer.alloc(0));
    stream.once("data", done);
    stream.once("end", ended);
    stream.once("error", reject);
  });
}

async function* prepend(head: Buffer, rest: Readable): AsyncIterable<Buffer> {
  if (head.length > 0) yield head;
  for await (const chunk of rest) yield chunk as Buffer;
}

/**
 * HAR is one JSON document with `log` at the top; gateproof JSONL lines have `request`; anything else with one JSON
 * object per line is taken for an access log (its fields are whatever the log format named them).
 */
export function detectFormat(head: Buffer): SourceFormat {
  const text = head.toString("utf8", 0, Math.min(head.length, 64 * 1024)).replace(/^\uFEFF/, "");
  if (/^\s*\{\s*"log"\s*:/.test(text)) return "har";
  const firstLine = text.split("\n").find((line) => line.trim() !== "") ?? "";
  return /"request"\s*:\s*\{/.test(firstLine) ? "jsonl" : "access-log";
}
