/**
 * The Redis server's clock as seen from this process, so a call can carry its deadline in the server's time: an
 * estimate of (server − local) in µs from the instants the server stamps its replies with. A reply stamped s that
 * arrives at local time l says the offset is at least s − l (the stamp was taken before the reply travelled and
 * waited for this event loop), so the estimate keeps the largest such sample — the least delayed reply — and lets it
 * sink by 1 ms per second, which follows a clock that slews (NTP slews at most 0.5 ms/s) and forgets an old best.
 * Being a lower bound, a deadline computed from it is early rather than late, never by more than that best reply's
 * delay.
 */
export class ServerClock {
  private offset: number | undefined;
  private updatedAt = 0;

  /** A reply the server stamped at `serverMicros` (µs since the epoch) arrived just now. */
  observe(serverMicros: number): void {
    const local = localMicros();
    const sample = serverMicros - local;
    this.offset = this.offset === undefined ? sample : Math.max(sample, this.offset - (local - this.updatedAt) / 1000);
    this.updatedAt = local;
  }

  /** The server's time `afterMicros` from now (µs since the epoch), or undefined before the first reply. */
  in(afterMicros: number): number | undefined {
    return this.offset === undefined ? undefined : Math.round(localMicros() + this.offset + afterMicros);
  }
}

const localMicros = (): number => (performance.timeOrigin + performance.now()) * 1000;
