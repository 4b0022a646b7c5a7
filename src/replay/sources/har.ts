import { JSONParser } from "@streamparser/json";
import type { Exchange } from "../exchange.ts";
import { BadInputError, type BadInput } from "./bad-input.ts";
import { readEntry } from "./entry.ts";
import { PARSE_SLICE } from "./lines.ts";

/**
 * HAR 1.2 read as a stream: only `log.entries[*]` are materialised, a chunk's worth at a time, so a multi-GB file
 * never sits in memory. An entry that is valid JSON but not a usable entry is bad input (by entry number); broken JSON ends the
 * file, since nothing after it can be located, and is reported with the byte offset where the parser stopped.
 */
export async function* readHar(name: string, chunks: AsyncIterable<Buffer>, bad: (input: BadInput) => void): AsyncGenerator<Exchange[]> {
  const parser = new JSONParser({ paths: ["$.log.entries.*"], keepStack: false });
  let ready: unknown[] = [];
  parser.onValue = ({ value }) => void ready.push(value);
  let entry = 0;
  let offset = 0;
  for await (const chunk of chunks) {
    // A slice of the chunk per pull, as lineRecords does (PARSE_SLICE): the streaming parser is slower than
    // JSON.parse, so a whole chunk is a longer stall.
    for (let from = 0; from < chunk.length; from += PARSE_SLICE) {
      const slice = chunk.subarray(from, from + PARSE_SLICE);
      try {
        parser.write(slice);
      } catch (error) {
        throw new BadInputError({ origin: `${name}@byte ${offset}`, reason: `HAR is not valid JSON: ${(error as Error).message}` });
      }
      offset += slice.length;
      const values = ready;
      ready = [];
      const batch: Exchange[] = [];
      for (const value of values) {
        const exchange = readEntry(value, `${name}#${++entry}`, bad);
        if (exchange) batch.push(exchange);
      }
      if (batch.length > 0) yield batch;
    }
  }
  if (!parser.isEnded) throw new BadInputError({ origin: `${name}@byte ${offset}`, reason: "HAR ends before its JSON is complete" });
}
