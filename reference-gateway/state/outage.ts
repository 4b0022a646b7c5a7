/**
 * How a feature reports that the shared store stopped answering it, and that it answers again: one line when the
 * outage begins, one when it ends, nothing per request in between (a busy gateway would otherwise log thousands).
 * Each feature (throttling, the response cache) keeps its own, because each has its own fail mode to name.
 */
export class StoreOutage {
  private down = false;

  constructor(
    private readonly log: (line: string) => void,
    private readonly lines: { down: (reason: string) => string; back: string },
  ) {}

  /** The store failed a call of this feature. */
  failed(error: unknown): void {
    if (this.down) return;
    this.down = true;
    this.log(this.lines.down(error instanceof Error ? error.message : String(error)));
  }

  /** The store answered a call of this feature. */
  answered(): void {
    if (!this.down) return;
    this.down = false;
    this.log(this.lines.back);
  }

  get isDown(): boolean {
    return this.down;
  }
}
