import type { Exchange } from "../exchange.ts";
import { EntryError, entryToExchange } from "../har-entry.ts";
import type { BadInput } from "./bad-input.ts";

/** A parsed HAR entry (HAR or JSONL) as an exchange; an unusable one is reported as bad input and gives undefined. */
export function readEntry(value: unknown, origin: string, bad: (input: BadInput) => void): Exchange | undefined {
  try {
    return entryToExchange(value, origin);
  } catch (error) {
    if (!(error instanceof EntryError)) throw error;
    bad({ origin, reason: error.message });
    return undefined;
  }
}
