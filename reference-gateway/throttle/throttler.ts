/**
 * Throttling and quotas on the Store, for every API kind (REST here; HTTP API routes and WebSocket can call the same
 * Throttler with their own buckets). A request passes every bucket that applies or none is charged (Store.admit).
 *
 * Fail mode — what happens when the store does not answer (Redis down or slower than its command timeout):
 *   "open"   (default, as AWS: "If an internal error stops enforcement, the request is served", spec §3.2)
 *            the request is served unthrottled and uncounted;
 *   "closed" the request is refused with 429 THROTTLED.
 * The mode is logged at start, each outage once when it begins and once when the store answers again; recovery needs
 * nothing but the store answering.
 *
 * A slow Redis (not a down one) still runs a call the gateway has given up on — a command already sent cannot be
 * taken back — so each call carries its deadline on the server's clock and the script takes nothing past it
 * (state/redis-store.ts, state/server-clock.ts): a request the fail mode answered stays uncounted. The throttle bench
 * counts those requests apart ("unchecked": no `$context.gateproof.throttleCheckedAt`).
 */
import type { AdmitRequest, AdmitResult, BucketSpec, Store } from "../state/index.ts";
import { StoreOutage } from "../state/outage.ts";

export type FailMode = "open" | "closed";

/** rate (requests per second, a double) and burst (bucket capacity). */
export interface ThrottleLimits {
  rateLimit: number;
  burstLimit: number;
}

/** Account level, per Region, across REST, HTTP and WebSocket APIs (spec §3.1: 10,000 RPS, 5,000 burst). */
export const DEFAULT_ACCOUNT_LIMITS: ThrottleLimits = { rateLimit: 10_000, burstLimit: 5_000 };

export interface ThrottlerOptions {
  failMode?: FailMode;
  /** Account-level bucket; false = none. Default DEFAULT_ACCOUNT_LIMITS. */
  account?: ThrottleLimits | false;
  log?: (line: string) => void;
}

/** What a level contributes: a bucket and the name it shows in logs/metrics. */
export interface NamedBucket extends BucketSpec {
  level: "account" | "stage" | "method" | "usage-plan" | "usage-plan-method" | "route";
}

/** `at`: µs on the store's clock when it checked the buckets (AdmitResult.at); absent when the store was not asked. */
export type ThrottleDecision =
  | { admitted: true; quotaUsed?: number; degraded?: true; at?: number }
  | { admitted: false; reason: "throttled"; level: NamedBucket["level"]; at: number }
  | { admitted: false; reason: "quota"; quotaUsed: number; at: number }
  | { admitted: false; reason: "unavailable" };

export class Throttler {
  readonly failMode: FailMode;
  readonly account: NamedBucket | undefined;
  private readonly outage: StoreOutage;

  constructor(
    private readonly store: Store,
    options: ThrottlerOptions = {},
  ) {
    this.failMode = options.failMode ?? "open";
    const serving = this.failMode === "open" ? "serving requests unthrottled and uncounted" : "refusing requests with 429";
    this.outage = new StoreOutage(options.log ?? (() => {}), {
      down: (reason) => `throttle: the store failed (${reason}); fail mode ${this.failMode}: ${serving} until it answers again`,
      back: "throttle: the store answers again; throttling and quotas are enforced",
    });
    const account = options.account === undefined ? DEFAULT_ACCOUNT_LIMITS : options.account;
    this.account = account ? { key: "throttle:account", rate: account.rateLimit, burst: account.burstLimit, level: "account" } : undefined;
    this.accountOnly = this.account ? [this.account] : [];
    this.accountOnlyRequest = { buckets: this.accountOnly };
    this.fallback = account || DEFAULT_ACCOUNT_LIMITS;
  }

  /** The bucket list of a request no other level throttles (most requests): the same array every time. */
  private readonly accountOnly: readonly NamedBucket[];
  /** The store request of such a request without a quota: the same object every time (stores only read requests). */
  private readonly accountOnlyRequest: AdmitRequest;
  /** What a level's missing limit falls back to: the account's limits (the default ones when there is no account level). */
  readonly fallback: ThrottleLimits;

  /** A bucket from limits where −1 (either) means "this level does not throttle" (spec §3.1), else undefined. */
  static bucket(key: string, level: NamedBucket["level"], limits: Partial<ThrottleLimits> | undefined, fallback: ThrottleLimits): NamedBucket | undefined {
    if (!limits || (limits.rateLimit === undefined && limits.burstLimit === undefined)) return undefined;
    if (limits.rateLimit === -1 || limits.burstLimit === -1) return undefined;
    return { key, level, rate: limits.rateLimit ?? fallback.rateLimit, burst: limits.burstLimit ?? fallback.burstLimit };
  }

  /**
   * Admits one request through `buckets` (the account bucket is added first) and `quota`. Never throws nor rejects: a
   * store failure becomes the fail mode's answer. The decision itself when the store answers at once (the memory
   * store), else a promise of it.
   */
  admit(buckets: readonly NamedBucket[], quota?: AdmitRequest["quota"]): ThrottleDecision | Promise<ThrottleDecision> {
    const all = !this.account ? buckets : buckets.length === 0 ? this.accountOnly : [this.account, ...buckets];
    if (all.length === 0 && !quota) return { admitted: true };
    let result: AdmitResult | Promise<AdmitResult>;
    try {
      result = this.store.admit(quota ? { buckets: all, quota } : all === this.accountOnly ? this.accountOnlyRequest : { buckets: all });
    } catch (error) {
      return this.storeFailed(error);
    }
    if (result instanceof Promise) return result.then((answer) => this.decide(all, answer), (error: unknown) => this.storeFailed(error));
    return this.decide(all, result);
  }

  private decide(buckets: readonly NamedBucket[], result: AdmitResult): ThrottleDecision {
    this.outage.answered();
    if (result.admitted) return result;
    if (result.reason === "quota") return result;
    return { admitted: false, reason: "throttled", level: buckets[result.bucket]!.level, at: result.at };
  }

  private storeFailed(error: unknown): ThrottleDecision {
    this.outage.failed(error);
    return this.failMode === "open" ? { admitted: true, degraded: true } : { admitted: false, reason: "unavailable" };
  }

  /** Whether the last store call failed (the fail mode is in force). */
  get isDegraded(): boolean {
    return this.outage.isDown;
  }
}
