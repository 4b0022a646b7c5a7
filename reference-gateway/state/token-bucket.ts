/**
 * Token-bucket arithmetic in exact integers, shared by the memory store and mirrored by the Redis Lua script
 * (redis-scripts.ts): a token is TOKEN units, time is in microseconds, and a bucket of `rate` tokens per second
 * refills `round(rate × 1000)` units per microsecond — exact for rates with up to three decimals (finer rates are
 * rounded to the nearest 0.001/s). No float drift: over any window of t seconds a bucket admits at most
 * burst + rate·t requests, and nothing a real-number token bucket would refuse.
 */
export const TOKEN = 1_000_000_000;

/** Units added per microsecond. */
export function unitsPerMicro(rate: number): number {
  return Math.max(0, Math.round(rate * 1000));
}

export function capacityUnits(burst: number): number {
  return Math.max(0, Math.floor(burst)) * TOKEN;
}

export interface BucketState {
  /** Units held at `at`. */
  units: number;
  /** Microseconds. */
  at: number;
}

/** Units the bucket holds at `now` (µs); an unknown bucket is full. */
export function unitsAt(state: BucketState | undefined, perMicro: number, capacity: number, now: number): number {
  if (state === undefined) return capacity;
  const held = Math.min(state.units, capacity);
  const need = capacity - held;
  if (need <= 0 || perMicro <= 0) return held;
  const elapsed = Math.max(0, now - state.at);
  // Compare before multiplying, so a long idle time cannot overflow 2^53.
  if (elapsed >= Math.ceil(need / perMicro)) return capacity;
  return held + elapsed * perMicro;
}

/** Microseconds until the bucket is full again (then it is the same as absent), for store expiry. */
export function microsToFull(units: number, perMicro: number, capacity: number): number {
  if (units >= capacity) return 0;
  if (perMicro <= 0) return Number.POSITIVE_INFINITY;
  return Math.ceil((capacity - units) / perMicro);
}
