import { renderSide, type DifferenceSink } from "./differ.ts";
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
  /** The ignore rule that matches this path (decided once, when the path is first met), or undefined. */
  why: string | undefined;
  differing: number;
  noisy: number;
  examples: Example[];
}

interface EndpointCount {
  requests: number;
  paths: Map<string, PathCount>;
  /** How many requests differed on exactly this set of unignored paths (\n-joined): counts differing requests
   * after Diffy's classification without keeping anything per request. */
  pathSets: Map<string, number>;
}

const EXAMPLES_PER_PATH = 3;

export interface TallyOptions<Context> {
  /** Diffy mode: differences from the secondary are reported too, and teach which paths are noise. */
  hasSecondary: boolean;
  /** The ignore rules (built-in noise and the user's): why a location is ignored, or undefined. */
  ignored: (location: Location) => string | undefined;
  /** Both sides of a request as cURL, asked only for the few requests kept as examples. */
  curl: (context: Context) => Example["curl"];
}

/**
 * Differences counted per endpoint and path as a request's comparisons report them, one request at a time:
 * `begin`, then the `candidate` (and `secondary`) sinks, then `end`. A difference is only counted unless it becomes
 * one of a path's first examples, so the ignored ones every answer has (Date, Connection, …) cost a map lookup.
 */
export class Tally<Context> {
  private readonly endpoints = new Map<string, EndpointCount>();
  /** The current request's endpoint and its counts. */
  private endpoint: string | undefined;
  private count!: EndpointCount;
  private origin = "";
  private context!: Context;
  private curls: Example["curl"] | undefined;
  /** Unignored paths the candidate differed on in the current request. */
  private differing: string[] = [];

  constructor(private readonly options: TallyOptions<Context>) {}

  begin(endpoint: string, origin: string, context: Context): void {
    // A replay mostly sends runs of one endpoint: the name just built is compared with the last, not hashed again.
    let count = endpoint === this.endpoint ? this.count : this.endpoints.get(endpoint);
    if (!count) this.endpoints.set(endpoint, (count = { requests: 0, paths: new Map(), pathSets: new Map() }));
    this.endpoint = endpoint;
    count.requests++;
    this.count = count;
    this.origin = origin;
    this.context = context;
    this.curls = undefined;
  }

  /** Baseline vs candidate (see DifferenceSink). */
  readonly candidate: DifferenceSink = (location, pathText, baseline, candidate) => {
    const path = this.path(location, pathText);
    path.differing++;
    if (path.examples.length < EXAMPLES_PER_PATH) {
      this.curls ??= this.options.curl(this.context);
      path.examples.push({ origin: this.origin, baseline: renderSide(location, baseline), candidate: renderSide(location, candidate), curl: this.curls });
    }
    if (path.why === undefined) this.differing.push(pathText);
  };

  /** Baseline vs secondary: same version on both sides, so whatever differs here is noise. */
  readonly secondary: DifferenceSink = (location, pathText) => {
    this.path(location, pathText).noisy++;
  };

  /** Ends the request; true when it differed on a path no rule ignores (learned noise is only known at the end). */
  end(): boolean {
    const differing = this.differing;
    if (differing.length === 0) return false;
    const key = differing.length === 1 ? differing[0]! : differing.join("\n");
    this.count.pathSets.set(key, (this.count.pathSets.get(key) ?? 0) + 1);
    differing.length = 0;
    return true;
  }

  private path(location: Location, pathText: string): PathCount {
    let path = this.count.paths.get(pathText);
    if (!path) this.count.paths.set(pathText, (path = { location, why: this.options.ignored(location), differing: 0, noisy: 0, examples: [] }));
    return path;
  }

  summarise(thresholds: Thresholds): EndpointSummary[] {
    const out: EndpointSummary[] = [];
    for (const [endpoint, count] of [...this.endpoints].sort(([a], [b]) => a.localeCompare(b))) {
      const paths: PathSummary[] = [];
      for (const [path, c] of count.paths) {
        if (c.differing === 0) continue;
        const why = c.why;
        let verdict: Verdict = why ? "ignored" : "difference";
        if (!why && this.options.hasSecondary && c.noisy > 0) {
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
