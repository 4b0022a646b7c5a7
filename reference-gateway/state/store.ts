/**
 * The one state interface the gateway's shared features are built on (authorizer cache, token buckets, quotas,
 * response cache, WebSocket connections), so a deployment can swap the memory store for a shared one (redis) without
 * touching the features. Async because a shared backend is.
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
   * A refused request takes nothing. Buckets refill on the store's clock (the Redis server's `TIME` for Redis).
   */
  admit(request: AdmitRequest): Promise<AdmitResult>;
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

/** A counter that admits `limit` requests; the key names the period, `ttlMs` is the time to the period's end. */
export interface QuotaSpec {
  key: string;
  limit: number;
  ttlMs: number;
}

export interface AdmitRequest {
  buckets: readonly BucketSpec[];
  quota?: QuotaSpec;
}

export type AdmitResult =
  | { admitted: true; /** The quota's count including this request, when there is a quota. */ quotaUsed?: number }
  | { admitted: false; reason: "throttled"; /** Index in `buckets` of the first empty bucket. */ bucket: number }
  | { admitted: false; reason: "quota"; quotaUsed: number };
