import type { Exchange } from "../exchange.ts";

/** The lines of one decoded chunk: `texts[i]` is line number `first + i`. */
export interface LineBatch {
  first: number;
  texts: string[];
}

const NEWLINE = 0x0a;

/**
 * Lines from a byte stream, one batch per chunk, split on \n (a trailing \r is dropped). Each chunk is decoded as
 * UTF-8 once, up to its last newline (a newline byte never sits inside a multi-byte character), and split as a
 * string: per line there is no Buffer and no await, which a per-line generator spent more time on than the lines.
 */
export async function* lineBatches(chunks: AsyncIterable<Buffer>): AsyncGenerator<LineBatch> {
  let pending: Buffer[] = [];
  let line = 0;
  for await (const chunk of chunks) {
    const last = chunk.lastIndexOf(NEWLINE);
    if (last === -1) {
      pending.push(chunk);
      continue;
    }
    pending.push(chunk.subarray(0, last));
    const text = (pending.length === 1 ? pending[0]! : Buffer.concat(pending)).toString("utf8");
    pending = last + 1 < chunk.length ? [chunk.subarray(last + 1)] : [];
    const batch = batchOf(text, line + 1);
    line += batch.texts.length;
    yield batch;
  }
  if (pending.length > 0) yield batchOf(Buffer.concat(pending).toString("utf8"), line + 1);
}

function batchOf(text: string, first: number): LineBatch {
  const texts = text.split("\n");
  for (let i = 0; i < texts.length; i++) if (texts[i]!.endsWith("\r")) texts[i] = texts[i]!.slice(0, -1);
  return { first, texts };
}

/**
 * The batches of a line-per-record source: `read` turns one non-blank line into an exchange, or reports it as bad
 * input and returns undefined. Origins are `name:line`.
 */
export async function* lineRecords(name: string, chunks: AsyncIterable<Buffer>, read: (text: string, origin: string) => Exchange | undefined): AsyncGenerator<Exchange[]> {
  for await (const { first, texts } of lineBatches(chunks)) {
    const batch: Exchange[] = [];
    for (let i = 0; i < texts.length; i++) {
      if (texts[i]!.trim() === "") continue;
      const exchange = read(texts[i]!, `${name}:${first + i}`);
      if (exchange) batch.push(exchange);
    }
    if (batch.length > 0) yield batch;
  }
}
