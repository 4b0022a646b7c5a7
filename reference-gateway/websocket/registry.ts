/**
 * The connection registry: what @connections GET answers (connectedAt, identity, lastActiveAt) and where a POST or
 * DELETE must go. Records live in the state/ Store (memory by default), so a shared Store (redis, the throttling
 * issue's work) makes them visible to every gateway instance; sockets are local to the instance that accepted them,
 * and reaching a socket on another instance is the `Delivery` seam (a redis pub/sub implementation would publish
 * where `LocalDelivery` looks up its own map). Only the memory/local pair exists today.
 */
import type { WebSocket } from "ws";
import type { Store } from "../state/index.ts";

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
}

/** Reaching a connection's socket, wherever it is connected. */
export interface Delivery {
  /** A socket this instance accepted (after the 101) and its end. */
  attach(connectionId: string, ws: WebSocket): void;
  detach(connectionId: string): void;
  /** Sends one message; false when no socket of that id is open here. */
  send(connectionId: string, data: Buffer, binary: boolean): Promise<boolean>;
  /** Closes the socket (@connections DELETE); false when there is none. */
  close(connectionId: string, code: number, reason: string): Promise<boolean>;
}

export class LocalDelivery implements Delivery {
  private readonly sockets = new Map<string, WebSocket>();

  attach(connectionId: string, ws: WebSocket): void {
    this.sockets.set(connectionId, ws);
  }

  detach(connectionId: string): void {
    this.sockets.delete(connectionId);
  }

  send(connectionId: string, data: Buffer, binary: boolean): Promise<boolean> {
    const ws = this.sockets.get(connectionId);
    if (!ws || ws.readyState !== ws.OPEN) return Promise.resolve(false);
    return new Promise((resolve) => ws.send(data, { binary }, (error) => resolve(error === undefined || error === null)));
  }

  close(connectionId: string, code: number, reason: string): Promise<boolean> {
    const ws = this.sockets.get(connectionId);
    if (!ws || ws.readyState !== ws.OPEN) return Promise.resolve(false);
    ws.close(code, reason);
    return Promise.resolve(true);
  }
}

export class ConnectionRegistry {
  constructor(
    private readonly store: Store,
    readonly delivery: Delivery,
    /** Records outlive no connection: the maximum connection duration (2 h, spec §10). */
    private readonly ttlMs: number,
  ) {}

  private key(id: string): string {
    return `ws:connection:${id}`;
  }

  async put(record: ConnectionRecord): Promise<void> {
    await this.store.set(this.key(record.connectionId), JSON.stringify(record), this.ttlMs);
  }

  async get(id: string): Promise<ConnectionRecord | undefined> {
    const text = await this.store.get(this.key(id));
    return text === undefined ? undefined : (JSON.parse(text) as ConnectionRecord);
  }

  async remove(id: string): Promise<void> {
    await this.store.delete(this.key(id));
  }
}
