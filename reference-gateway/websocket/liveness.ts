/**
 * Which gateway instances are alive, so the connections of an instance that died (kill -9, crash, lost host) do not
 * stay answerable through @connections forever. Every instance writes `ws:instance:{id}` with a TTL of `ttlMs` and
 * renews it every ttlMs/3; each connection record names its instance (registry.ts), and a record whose instance's
 * key has lapsed is a ghost: the registry deletes it when it reads it and @connections answers 410 GoneException.
 * So after a crash its connections are gone for every other instance within `ttlMs` (WebSocketStartOptions
 * `instanceTtlMs`, default 10 s); a graceful stop deletes the key at once.
 *
 * Each renewal also tells the registry whether the key was still there: when it was not (Redis restarted empty, or
 * this instance could not renew for longer than the TTL and others dropped its records as ghosts), the registry
 * writes this instance's open connections again.
 */
import { randomUUID } from "node:crypto";
import type { Store } from "../state/index.ts";
import { StoreOutage } from "../state/outage.ts";

export const DEFAULT_INSTANCE_TTL_MS = 10_000;

export class InstanceHeartbeat {
  readonly id = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private beating = false;
  private readonly outage: StoreOutage;

  constructor(
    private readonly store: Store,
    readonly ttlMs: number,
    log: (line: string) => void,
    /** After each successful renewal; `present` is false when the key had lapsed or was lost. */
    private readonly renewed: (present: boolean) => Promise<void>,
  ) {
    this.outage = new StoreOutage(log, {
      down: (reason) => `websocket: instance ${this.id} cannot renew its liveness in the store (${reason}); other instances take its connections for gone ${ttlMs} ms after the last renewal, until it renews again`,
      back: `websocket: instance ${this.id} renews its liveness in the store again`,
    });
  }

  static key(id: string): string {
    return `ws:instance:${id}`;
  }

  /** Writes the key (never throws: a store that does not answer is retried at every renewal) and starts renewing. */
  async start(): Promise<void> {
    await this.beat(true);
    this.timer = setInterval(() => void this.beat(false), Math.max(50, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  private async beat(first: boolean): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    const key = InstanceHeartbeat.key(this.id);
    try {
      const present = first || (await this.store.get(key)) !== undefined;
      await this.store.set(key, String(Date.now()), this.ttlMs);
      this.outage.answered();
      await this.renewed(present);
    } catch (error) {
      this.outage.failed(error);
    } finally {
      this.beating = false;
    }
  }

  async isAlive(id: string): Promise<boolean> {
    return id === this.id || (await this.store.get(InstanceHeartbeat.key(id))) !== undefined;
  }

  /** Stops renewing and deletes the key, so this instance's connections are gone for the others at once. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.store.delete(InstanceHeartbeat.key(this.id)).catch(() => {});
  }
}
