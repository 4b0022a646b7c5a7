import type { Difference } from "./differ.ts";
import type { Location } from "./paths.ts";

/**
 * Differences counted per endpoint and path, and classified once at the end. With a secondary (same version as the
 * primary) a path is learned noise when the candidate does not differ there clearly more often than the secondary
 * does — Diffy's rule: a real difference must beat the noise by more than `absolute` percent of the endpoint's
 * requests AND by more than `relative` percent of the noise count.
 */
export interface Thresholds {
  relative: number;
  absolute: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { relative: 20, absolute: 3 };

export interface Example {
  origin: string;
  baseline: string | undefined;
  candidate: string | undefined;
  curl: { baseline: string; candidate: string };
}

export type Verdict = "difference" | "noise" | "ignored";

export interface PathSummary {
  path: string;
  verdict: Verdict;
  /** Requests where baseline and candidate differed here. */
  differing: number;
  /** Requests where baseline and secondary differed here (Diffy mode). */
  noisy: number;
  why?: string;
  examples: Example[];
}

export interface EndpointSummary {
  endpoint: string;
  requests: number;
  /** Requests whose status (or transport outcome) differed, when that counts as a difference. */
  statusMismatches: number;
  /** Requests with at least one difference beyond noise. */
  differingRequests: number;
  paths: PathSummary[];
}

interface PathCount {
  location: Location;
  differing: number;
  noisy: number;
  examples: Example[];
}

interface EndpointCount {
  requests: number;
  paths: Map<string, PathCount>;
  /** How many requests differed on exactly this set of paths (\n-joined): counts differing requests after
   * classification without keeping anything per request. */
  pathSets: Map<string, number>;
}

const EXAMPLES_PER_PATH = 3;

export class Tally {
  private readonly endpoints = new Map<string, EndpointCount>();

  constructor(private readonly hasSecondary: boolean) {}

  add(endpoint: string, origin: string, differences: Difference[], noise: Difference[], curl: () => Example["curl"]): void {
    let count = this.endpoints.get(endpoint);
    if (!count) this.endpoints.set(endpoint, (count = { requests: 0, paths: new Map(), pathSets: new Map() }));
    count.requests++;
    let curls: Example["curl"] | undefined;
    for (const difference of differences) {
      const path = this.path(count, difference);
      path.differing++;
      if (path.examples.length < EXAMPLES_PER_PATH) {
        curls ??= curl();
        path.examples.push({ origin, baseline: difference.baseline, candidate: difference.candidate, curl: curls });
      }
    }
    for (const difference of noise) this.path(count, difference).noisy++;
    if (differences.length > 0) {
      const key = differences.map((d) => d.path).join("\n");
      count.pathSets.set(key, (count.pathSets.get(key) ?? 0) + 1);
    }
  }

  private path(count: EndpointCount, difference: Difference): PathCount {
    let path = count.paths.get(difference.path);
    if (!path) count.paths.set(difference.path, (path = { location: difference.location, differing: 0, noisy: 0, examples: [] }));
    return path;
  }

  summarise(ignored: (location: Location) => string | undefined, thresholds: Thresholds): EndpointSummary[] {
    const out: EndpointSummary[] = [];
    for (const [endpoint, count] of [...this.endpoints].sort(([a], [b]) => a.localeCompare(b))) {
      const paths: PathSummary[] = [];
      for (const [path, c] of count.paths) {
        if (c.differing === 0) continue;
        const why = ignored(c.location);
        let verdict: Verdict = why ? "ignored" : "difference";
        if (!why && this.hasSecondary && c.noisy > 0) {
          const excess = c.differing - c.noisy;
          const beatsNoise = (excess / count.requests) * 100 > thresholds.absolute && (excess / c.noisy) * 100 > thresholds.relative;
          if (!beatsNoise) verdict = "noise";
        }
        paths.push({ path, verdict, differing: c.differing, noisy: c.noisy, ...(why ? { why } : {}), examples: c.examples });
      }
      paths.sort((a, b) => b.differing - a.differing || a.path.localeCompare(b.path));
      const real = new Set(paths.filter((p) => p.verdict === "difference").map((p) => p.path));
      out.push({
        endpoint,
        requests: count.requests,
        statusMismatches: real.has("status") ? count.paths.get("status")!.differing : 0,
        differingRequests: [...count.pathSets].reduce((sum, [key, n]) => (key.split("\n").some((id) => real.has(id)) ? sum + n : sum), 0),
        paths,
      });
    }
    return out;
  }
}
