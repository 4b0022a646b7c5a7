/** A record a source could not read. Never dropped silently: reported, then skipped or fatal by policy. */
export interface BadInput {
  /** `file:line` (JSONL, access logs) or `file#entry` (HAR). */
  origin: string;
  reason: string;
}

export type BadInputPolicy = "skip" | "fatal";

export class BadInputError extends Error {
  constructor(readonly bad: BadInput) {
    super(`${bad.origin}: ${bad.reason}`);
  }
}

/** Applies the policy: fatal throws, skip hands the record to `report` and goes on. */
export function badInputHandler(policy: BadInputPolicy, report: (bad: BadInput) => void): (bad: BadInput) => void {
  return (bad) => {
    if (policy === "fatal") throw new BadInputError(bad);
    report(bad);
  };
}
