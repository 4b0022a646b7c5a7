/**
 * The one state interface the gateway's shared features are built on (authorizer cache now; token buckets, quotas,
 * response cache and WebSocket connections later), so a deployment can swap the memory store for a shared one
 * (redis) without touching the features. Async because a shared backend is.
 */
export interface Store {
  /** The value, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /** Stores the value for ttlMs milliseconds (> 0). */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Milliseconds since some epoch; injectable so tests can move time. */
export type Clock = () => number;
