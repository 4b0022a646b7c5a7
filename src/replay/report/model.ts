import type { EndpointSummary, Thresholds } from "../compare/tally.ts";
import type { BadInput } from "../sources/index.ts";

/** Everything a replay found; the JSON report is this object, Markdown and HTML are views of it. */
export interface ReplayReport {
  startedAt: string;
  source: string;
  mode: "recorded" | "live" | "diffy" | "none";
  /** What each side of a comparison is: a URL, or "recorded". */
  sides: { baseline: string; candidate: string; secondary?: string };
  options: { speed: number | "max"; concurrency: number; transforms: string[]; thresholds: Thresholds };
  timing: {
    requests: number;
    durationS: number;
    /** Timed replays only: actual − intended send time, ms. */
    lagMs?: { p50: number; p99: number; max: number };
    /** Requests per second the recording had (its span), scaled by speed; and what the replay achieved. */
    recordedRate?: number;
    intendedRate?: number;
    achievedRate: number;
  };
  badInput: { count: number; first: BadInput[] };
  /** Exchanges the source could not fully rebuild, by what was missing. */
  missing: Record<string, number>;
  noise: Array<{ path: string; why: string }>;
  endpoints: EndpointSummary[];
  totals: { requests: number; differingRequests: number; statusMismatches: number; transportErrors: number };
}

/** Exit code 1 when anything beyond noise differed. */
export const hasDifferences = (report: ReplayReport): boolean => report.totals.differingRequests > 0;
