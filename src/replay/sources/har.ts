import { JSONParser } from "@streamparser/json";
import type { Exchange } from "../exchange.ts";
import { EntryError, entryToExchange } from "../har-entry.ts";
import { BadInputError, type BadInput } from "./bad-input.ts";

/**
 * HAR 1.2 read as a stream: only `log.entries[*]` are materialised, one at a time, so a multi-GB file never sits in
 * memory. An entry that is valid JSON but not a usable entry is bad input (by entry number); broken JSON ends the
 * file, since nothing after it can be located, and is reported with the byte offset where the parser stopped.
 */
export async function* readHar(name: string, chunks: AsyncIterable<Buffer>, bad: (input: BadInput) => void): AsyncGenerator<Exchange> {
  const parser = new JSONParser({ paths: ["$.log.entries.*"], keepStack: false });
  let ready: unknown[] = [];
  parser.onValue = ({ value }) => void ready.push(value);
  let entry = 0;
  let offset = 0;
  for await (const chunk of chunks) {
    try {
      parser.write(chunk);
    } catch (error) {
      throw new BadInputError({ origin: `${name}@byte ${offset}`, reason: `HAR is not valid JSON: ${(error as Error).message}` });
    }
    offset += chunk.length;
    const batch = ready;
    ready = [];
    for (const value of batch) {
      const origin = `${name}#${++entry}`;
      try {
        yield entryToExchange(value, origin);
      } catch (error) {
        if (!(error instanceof EntryError)) throw error;
        bad({ origin, reason: error.message });
      }
    }
  }
  if (!parser.isEnded) throw new BadInputError({ origin: `${name}@byte ${offset}`, reason: "HAR ends before its JSON is complete" });
}
