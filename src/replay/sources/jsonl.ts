import type { Exchange } from "../exchange.ts";
import { EntryError, entryToExchange } from "../har-entry.ts";
import type { BadInput } from "./bad-input.ts";
import { numberedLines } from "./lines.ts";

/** gateproof JSONL: one HAR entry (plus `_gateproof`) per line. Blank lines are allowed; anything else unreadable is bad input. */
export async function* readJsonl(name: string, chunks: AsyncIterable<Buffer>, bad: (input: BadInput) => void): AsyncGenerator<Exchange> {
  for await (const { line, text } of numberedLines(chunks)) {
    if (text.trim() === "") continue;
    const origin = `${name}:${line}`;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      bad({ origin, reason: `not JSON (${(error as Error).message})` });
      continue;
    }
    try {
      yield entryToExchange(value, origin);
    } catch (error) {
      if (!(error instanceof EntryError)) throw error;
      bad({ origin, reason: error.message });
    }
  }
}
