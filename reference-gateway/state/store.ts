import type { QuotaPeriod } from "./quota-period.ts";

/**
 * The one state interface the gateway's shared features are built on (authorizer cache, token buckets, quotas,
 * response cache, WebSocket connections), so a deployment can swap the memory store for a shared one (redis) without
 * touching the features. Async because a shared backend is; `admit`, on every request's path, may also answer at once
 * (the memory store does), so a request that needs nothing else asynchronous is served without a promise.
 */
export interface Store {
  /** The value, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /** Stores the value for ttlMs milliseconds (> 0). */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Token buckets and a quota counter, checked and taken atomically (state/token-bucket.ts): admitted only when every
   * bucket holds a whole token and the quota has room; then one token leaves every bucket and the quota counts one.
   * A refused request takes nothing. Buckets refill, and the quota's period is found, on the store's clock (the Redis
   * server's `TIME` for Redis), so instances with different clocks share one bucket and one period.
   * The result itself when the store has it at once, else a promise; a failure may be thrown or rejected.
   */
  admit(request: AdmitRequest): AdmitResult | Promise<AdmitResult>;
  /** A quota's count in its current period on the store's clock (GetUsage), without counting. */
  quotaUsage(quota: QuotaSpec): Promise<QuotaUsage>;
  /** ms since the epoch on the store's clock (the Redis server's `TIME`). */
  now(): Promise<number>;
  /**
   * Pub/sub between the gateway instances sharing the store (WebSocket @connections delivery, websocket/delivery.ts):
   * resolves to the number of subscribers the message reached. The memory store's channels stay inside the process.
   */
  publish(channel: string, message: string): Promise<number>;
  /**
   * Calls `onMessage` with every later message on `channel`; resolves to a function that unsubscribes. A shared store
   * that does not answer yet subscribes when it does (the promise waits until then).
   */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
  /** Releases connections (a shared store); the memory store has none. */
  close?(): Promise<void>;
}

/** Milliseconds since some epoch; injectable so tests can move time. */
export type Clock = () => number;

/** One token bucket: `rate` tokens per second (a double), `burst` tokens of capacity; it starts full. */
export interface BucketSpec {
  key: string;
  rate: number;
  burst: number;
}

/**
 * A usage-plan quota (state/quota-period.ts): `limit` requests per UTC period of the store's clock, `offset` fewer in
 * the period containing `deployedAt`. The store keeps one counter per period, `key` followed by the period's start.
 */
export interface QuotaSpec {
  key: string;
  period: QuotaPeriod;
  limit: number;
  offset: number;
  /** ms since the epoch on the store's clock (Store.now when the gateway started). */
  deployedAt: number;
}

export interface QuotaUsage {
  used: number;
  /** The limit of this period (offset taken off in the initial one). */
  limit: number;
  /** The period, ms since the epoch: start inclusive, end exclusive. */
  start: number;
  end: number;
}

export interface AdmitRequest {
  buckets: readonly BucketSpec[];
  quota?: QuotaSpec;
}

export type AdmitResult =
  | {
      admitted: true;
      /** The quota's count including this request, when there is a quota. */
      quotaUsed?: number;
      /** µs since the epoch on the store's clock: the instant the buckets were checked (access logs, the throttle bench). */
      at: number;
    }
  | { admitted: false; reason: "throttled"; /** Index in `buckets` of the first empty bucket. */ bucket: number; at: number }
  | { admitted: false; reason: "quota"; quotaUsed: number; at: number };
