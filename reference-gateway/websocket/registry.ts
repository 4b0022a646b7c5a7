/**
 * The connection registry: what @connections GET answers (connectedAt, identity, lastActiveAt) and which gateway
 * instance holds the socket a POST or DELETE must reach (delivery.ts). Records live in the state/ Store, so with
 * `--store redis://…` every instance sharing the Redis sees every connection; a record names its instance, and one
 * whose instance stopped renewing its liveness is a ghost, deleted when read (liveness.ts).
 *
 * When the store does not answer (Redis down): connections are still accepted and messages still routed; the writes
 * this instance could not make (new records, lastActiveAt, removals) are made again, with all of its open
 * connections, at the first liveness renewal after the store answers; @connections answers 500 meanwhile (its
 * `get` fails). One log line when writes start failing, one when they succeed again.
 */
import type { Store } from "../state/index.ts";
import { StoreOutage } from "../state/outage.ts";
import { SocketDelivery } from "./delivery.ts";
import { InstanceHeartbeat } from "./liveness.ts";

export interface ConnectionRecord {
  connectionId: string;
  apiId: string;
  stage: string;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent?: string;
  /** `connecting` while $connect runs: @connections answers 410 then (spec §12.3). */
  state: "connecting" | "open";
  /** The gateway instance holding the socket (InstanceHeartbeat.id). */
  instanceId: string;
}

export interface RegistryOptions {
  /** Records outlive no connection: the maximum connection duration (2 h, spec §10). */
  recordTtlMs: number;
  /** How long a dead instance's connections stay answerable (liveness.ts). */
  instanceTtlMs: number;
  log: (line: string) => void;
}

export class ConnectionRegistry {
  readonly delivery: SocketDelivery;
  private readonly heartbeat: InstanceHeartbeat;
  /** This instance's records as last written, and removals not yet made: written again after a store outage. */
  private readonly own = new Map<string, ConnectionRecord>();
  private readonly unremoved = new Set<string>();
  private unsynced = false;
  private readonly outage: StoreOutage;

  constructor(
    private readonly store: Store,
    private readonly options: RegistryOptions,
  ) {
    this.outage = new StoreOutage(options.log, {
      down: (reason) => `websocket: the connection registry cannot write to the store (${reason}); connections keep working here, @connections answers 500, records are written again once the store answers`,
      back: "websocket: the connection registry is written again, with every open connection of this instance",
    });
    this.heartbeat = new InstanceHeartbeat(store, options.instanceTtlMs, options.log, (present) => (present && !this.unsynced ? Promise.resolve() : this.resync()));
    this.delivery = new SocketDelivery(store, this.heartbeat.id, options.log);
  }

  get instanceId(): string {
    return this.heartbeat.id;
  }

  /** Liveness and the delivery channel; never throws (a store that does not answer yet is caught up with later). */
  async start(): Promise<void> {
    await Promise.all([this.heartbeat.start(), this.delivery.start()]);
  }

  /** After this instance's sockets are closed: its records and liveness key go, so no other instance sees ghosts. */
  async close(): Promise<void> {
    await this.delivery.stop();
    await Promise.all([...this.own.keys()].map((id) => this.store.delete(this.key(id)).catch(() => {})));
    await this.heartbeat.stop();
  }

  private key(id: string): string {
    return `ws:connection:${id}`;
  }

  /** Writes one of this instance's records; a failed write is logged and made again later (never throws). */
  async put(record: ConnectionRecord): Promise<void> {
    this.own.set(record.connectionId, record);
    this.unremoved.delete(record.connectionId);
    await this.write(() => this.store.set(this.key(record.connectionId), JSON.stringify(record), this.options.recordTtlMs));
  }

  async update(id: string, change: Partial<Pick<ConnectionRecord, "state" | "lastActiveAt">>): Promise<void> {
    const record = this.own.get(id);
    if (record) await this.put({ ...record, ...change });
  }

  async remove(id: string): Promise<void> {
    this.own.delete(id);
    this.unremoved.add(id);
    await this.write(async () => {
      await this.store.delete(this.key(id));
      this.unremoved.delete(id);
    });
  }

  /** The record, from whichever instance holds the connection; undefined when absent or a ghost. Throws when the store fails. */
  async get(id: string): Promise<ConnectionRecord | undefined> {
    const text = await this.store.get(this.key(id));
    if (text === undefined) return undefined;
    const record = JSON.parse(text) as ConnectionRecord;
    if (await this.heartbeat.isAlive(record.instanceId)) return record;
    await this.store.delete(this.key(id));
    return undefined;
  }

  private async write(operation: () => Promise<void>): Promise<void> {
    try {
      await operation();
    } catch (error) {
      this.outage.failed(error);
      this.unsynced = true;
    }
  }

  private async resync(): Promise<void> {
    this.unsynced = false;
    for (const id of [...this.unremoved]) await this.remove(id);
    for (const record of [...this.own.values()]) await this.put(record);
    if (!this.unsynced) this.outage.answered();
  }
}
