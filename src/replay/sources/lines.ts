import type { Exchange } from "../exchange.ts";

/** The lines of one decoded chunk: `texts[i]` is line number `first + i`. */
export interface LineBatch {
  first: number;
  texts: string[];
}

/**
 * How much recorded text one pull of a source parses: characters of a line source (about 37 of the replay bench's
 * lines), bytes of a HAR. A pull
 * runs with no I/O handled, and a replay at `--speed max` with 10 connections stalled for a whole 128 KB chunk
 * (0.6 ms): the target drained its 10 requests and waited. Pulls this size keep it fed: 48–50k → 55–57k req/s
 * against a bare server, 3 of 3 pairs (and the same CPU per request).
 */
export const PARSE_SLICE = 16 * 1024;

const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * Lines from a byte stream, one batch per chunk, split on \n (a trailing \r is dropped). Each line is decoded as
 * UTF-8 straight from the chunk's bytes (a newline byte never sits inside a multi-byte character): decoding a whole
 * 128 KB chunk into one string and splitting it cost ten times more under a replay (a large-object string per
 * chunk, kept alive by every line sliced from it, 2.3 µs of the replay's CPU per line).
 */
export async function* lineBatches(chunks: AsyncIterable<Buffer>): AsyncGenerator<LineBatch> {
  let pending: Buffer | undefined;
  let line = 0;
  for await (const chunk of chunks) {
    let start = 0;
    let end = chunk.indexOf(NEWLINE);
    if (end === -1) {
      pending = pending ? Buffer.concat([pending, chunk]) : Buffer.from(chunk); // copied: the stream may reuse it
      continue;
    }
    const texts: string[] = [];
    if (pending) {
      texts.push(decodeLine(Buffer.concat([pending, chunk.subarray(0, end)]), 0, pending.length + end));
      pending = undefined;
      start = end + 1;
      end = chunk.indexOf(NEWLINE, start);
    }
    for (; end !== -1; start = end + 1, end = chunk.indexOf(NEWLINE, start)) texts.push(decodeLine(chunk, start, end));
    if (start < chunk.length) pending = Buffer.from(chunk.subarray(start));
    const batch = { first: line + 1, texts };
    line += texts.length;
    yield batch;
  }
  if (pending) yield { first: line + 1, texts: [decodeLine(pending, 0, pending.length)] };
}

function decodeLine(bytes: Buffer, start: number, end: number): string {
  return bytes.toString("utf8", start, end > start && bytes[end - 1] === CR ? end - 1 : end);
}

/**
 * The batches of a line-per-record source: `read` turns one non-blank line into an exchange, or reports it as bad
 * input and returns undefined. Origins are `name:line`. A batch is read from at most PARSE_SLICE characters of lines
 * (always at least one line), so a pull never parses a whole decoded chunk in one go (see PARSE_SLICE).
 */
export async function* lineRecords(name: string, chunks: AsyncIterable<Buffer>, read: (text: string, origin: string) => Exchange | undefined): AsyncGenerator<Exchange[]> {
  const prefix = `${name}:`; // joined once: a long name joined per line is one more string per line
  for await (const { first, texts } of lineBatches(chunks)) {
    for (let i = 0; i < texts.length; ) {
      const batch: Exchange[] = [];
      for (let chars = 0; i < texts.length && (chars === 0 || chars < PARSE_SLICE); i++) {
        const text = texts[i]!;
        chars += text.length || 1;
        if (text.trim() === "") continue;
        const exchange = read(text, prefix + (first + i));
        if (exchange) batch.push(exchange);
      }
      if (batch.length > 0) yield batch;
    }
  }
}
