import type { Exchange } from "../exchange.ts";
import type { BadInput } from "./bad-input.ts";
import { readEntry } from "./entry.ts";
import { lineRecords } from "./lines.ts";

/** gateproof JSONL: one HAR entry (plus `_gateproof`) per line. Blank lines are allowed; anything else unreadable is bad input. */
export function readJsonl(name: string, chunks: AsyncIterable<Buffer>, bad: (input: BadInput) => void): AsyncGenerator<Exchange[]> {
  return lineRecords(name, chunks, (text, origin) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      bad({ origin, reason: `not JSON (${(error as Error).message})` });
      return undefined;
    }
    return readEntry(value, origin, bad);
  });
}
