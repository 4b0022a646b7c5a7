import { parseArgs, type ParseArgsConfig } from "node:util";

export class UsageError extends Error {}

/**
 * node:util parseArgs, plus the SAM CLI convention that `--parameter-overrides` takes every following `K=V` word.
 */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: T) {
  const words: string[] = [];
  const overrides: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== "--parameter-overrides") {
      words.push(args[i]!);
      continue;
    }
    const pairs: string[] = [];
    while (i + 1 < args.length && !args[i + 1]!.startsWith("--")) pairs.push(args[++i]!);
    Object.assign(overrides, keyValues(pairs, "parameter-overrides"));
  }
  try {
    const parsed = parseArgs({ args: words, options, allowPositionals: true, strict: true });
    return { ...parsed, overrides };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export function integerOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new UsageError(`--${name} expects a non-negative integer, got ${JSON.stringify(value)}`);
  return number;
}

/** `K=V` words → a map; the value may itself contain `=`. */
export function keyValues(words: string[], option: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const word of words) {
    const eq = word.indexOf("=");
    if (eq <= 0) throw new UsageError(`--${option} expects Key=Value, got ${JSON.stringify(word)}`);
    map[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return map;
}
