import { basename } from "node:path";
import type { Exchange } from "../exchange.ts";
import { readAccessLog } from "./access-log.ts";
import { badInputHandler, type BadInput, type BadInputPolicy } from "./bad-input.ts";
import { readHar } from "./har.ts";
import { readJsonl } from "./jsonl.ts";
import { detectFormat, openDecoded, type SourceFormat } from "./open.ts";

export { BadInputError, type BadInput, type BadInputPolicy } from "./bad-input.ts";
export type { SourceFormat } from "./open.ts";

export interface SourceOptions {
  /** Default: told from the content (see detectFormat). */
  format?: SourceFormat;
  onBadInput: BadInputPolicy;
  /** Every skipped record, with where it was and why. */
  report: (bad: BadInput) => void;
}

/**
 * Exchanges from a HAR, gateproof JSONL or access-log file, gzipped or not, streamed in file order, in batches (one
 * per decoded chunk): the per-item cost of an async generator is paid once per batch.
 */
export async function* readExchangeBatches(file: string, options: SourceOptions): AsyncGenerator<Exchange[]> {
  const { head, chunks } = await openDecoded(file);
  const format = options.format ?? detectFormat(head);
  const bad = badInputHandler(options.onBadInput, options.report);
  const name = basename(file);
  const reader = format === "har" ? readHar : format === "jsonl" ? readJsonl : readAccessLog;
  yield* reader(name, chunks, bad);
}
