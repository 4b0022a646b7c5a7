import type { Clock, Store } from "./store.ts";

/**
 * The default Store: one process's memory. Expired entries are dropped when read, and swept every `sweepEvery`
 * writes so keys that are never read again (one-off tokens) cannot grow the map without bound.
 */
export class MemoryStore implements Store {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  private writesSinceSweep = 0;

  constructor(
    private readonly clock: Clock = Date.now,
    private readonly sweepEvery = 1024,
  ) {}

  async get(key: string): Promise<string | undefined> {
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

  private sweep(): void {
    this.writesSinceSweep = 0;
    const now = this.clock();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
