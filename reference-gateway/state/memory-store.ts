import { periodBounds, quotaLimit } from "./quota-period.ts";
import type { AdmitRequest, AdmitResult, Clock, QuotaSpec, QuotaUsage, Store } from "./store.ts";
import { capacityUnits, microsToFull, TOKEN, unitsAt, unitsPerMicro, type BucketState } from "./token-bucket.ts";

/**
 * The default Store: one process's memory. Expired entries are dropped when read, and swept every `sweepEvery`
 * writes so keys that are never read again (one-off tokens) cannot grow the map without bound. Token buckets live
 * beside the entries and are swept once full again (a full bucket is the same as an absent one).
 */
export class MemoryStore implements Store {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  private readonly buckets = new Map<string, BucketState & { fullAt: number }>();
  private writesSinceSweep = 0;
  private readonly channels = new Map<string, Set<(message: string) => void>>();

  constructor(
    private readonly clock: Clock = Date.now,
    private readonly sweepEvery = 1024,
  ) {}

  async get(key: string): Promise<string | undefined> {
    return this.read(key);
  }

  private read(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    if (++this.writesSinceSweep >= this.sweepEvery) this.sweep();
    this.entries.set(key, { value, expiresAt: this.clock() + ttlMs });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  /**
   * Synchronous: nothing can interleave between the check and the take, as in the Redis script, and the answer
   * needs no promise (Store.admit).
   */
  admit(request: AdmitRequest): AdmitResult {
    const nowMs = this.clock();
    const now = Math.floor(nowMs * 1000);
    const { buckets } = request;
    for (let index = 0; index < buckets.length; index++) {
      const bucket = buckets[index]!;
      if (unitsAt(this.buckets.get(bucket.key), unitsPerMicro(bucket.rate), capacityUnits(bucket.burst), now) < TOKEN) {
        return { admitted: false, reason: "throttled", bucket: index, at: now };
      }
    }
    let quotaUsed: number | undefined;
    if (request.quota) {
      const usage = this.usageAt(request.quota, nowMs);
      if (usage.used >= usage.limit) return { admitted: false, reason: "quota", quotaUsed: usage.used, at: now };
      quotaUsed = usage.used + 1;
      // One counter per period, gone at the period's end.
      this.entries.set(`${request.quota.key}:${usage.start}`, { value: String(quotaUsed), expiresAt: usage.end });
    }
    // Every bucket holds a token: take one from each (their levels computed again, the same pure arithmetic, rather
    // than kept in an array allocated per request).
    for (let index = 0; index < buckets.length; index++) {
      const bucket = buckets[index]!;
      const perMicro = unitsPerMicro(bucket.rate);
      const capacity = capacityUnits(bucket.burst);
      // The map owns its states: one is updated in place rather than replaced on every request.
      const state = this.buckets.get(bucket.key);
      const units = unitsAt(state, perMicro, capacity, now) - TOKEN;
      const fullAt = now + microsToFull(units, perMicro, capacity);
      if (state) (state.units = units), (state.at = now), (state.fullAt = fullAt);
      else this.buckets.set(bucket.key, { units, at: now, fullAt });
    }
    if (++this.writesSinceSweep >= this.sweepEvery) this.sweep();
    return quotaUsed === undefined ? { admitted: true, at: now } : { admitted: true, quotaUsed, at: now };
  }

  async quotaUsage(quota: QuotaSpec): Promise<QuotaUsage> {
    return this.usageAt(quota, this.clock());
  }

  private usageAt(quota: QuotaSpec, nowMs: number): QuotaUsage {
    const { start, end } = periodBounds(quota.period, nowMs);
    return { used: Number(this.read(`${quota.key}:${start}`) ?? "0"), limit: quotaLimit(quota, start, quota.deployedAt), start, end };
  }

  async now(): Promise<number> {
    return this.clock();
  }

  /** Delivered on a later microtask, as a message from another instance would arrive. */
  async publish(channel: string, message: string): Promise<number> {
    const handlers = this.channels.get(channel);
    for (const handler of handlers ?? []) queueMicrotask(() => handler(message));
    return handlers?.size ?? 0;
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    let handlers = this.channels.get(channel);
    if (!handlers) this.channels.set(channel, (handlers = new Set()));
    handlers.add(onMessage);
    return async () => {
      handlers.delete(onMessage);
      if (handlers.size === 0 && this.channels.get(channel) === handlers) this.channels.delete(channel);
    };
  }

  private sweep(): void {
    this.writesSinceSweep = 0;
    const now = this.clock();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    const micros = Math.floor(now * 1000);
    for (const [key, bucket] of this.buckets) if (bucket.fullAt <= micros) this.buckets.delete(key);
  }
}
