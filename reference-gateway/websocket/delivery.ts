/**
 * Reaching a connection's socket from any gateway instance sharing the store. Sockets stay with the instance that
 * accepted them; an @connections POST or DELETE for a socket held elsewhere is a request published on the holder's
 * channel `ws:deliver:{id}` (Store.publish: Redis pub/sub, or in-process channels for the memory store), answered on
 * the asker's channel:
 *   → {"op":"send","id","from","connectionId","data":base64,"binary"} | {"op":"delete","id","from","connectionId"}
 *   ← {"op":"reply","id","ok"}
 * A publish nobody receives means the holder no longer listens (it stopped or died): the socket is gone (410).
 * A holder that receives but does not answer within `replyTimeoutMs` is an error (500), not a verdict on the socket.
 */
import { randomUUID } from "node:crypto";
import type { Store } from "../state/index.ts";

type Operation = { op: "send"; connectionId: string; data: string; binary: boolean } | { op: "delete"; connectionId: string };

/** A socket this instance accepted, as the server holding it sends to it and closes it. */
export interface HeldSocket {
  /** Sends one message; false when the socket is not open or the write failed. */
  send(data: Buffer, binary: boolean): Promise<boolean>;
  /** Closes the socket as a DeleteConnection does (the server knows the close code and what $disconnect reports); false when it is not open. */
  delete(): boolean;
}
type Request = Operation & { id: string; from: string };
type Reply = { op: "reply"; id: string; ok: boolean };

const channel = (instanceId: string) => `ws:deliver:${instanceId}`;

export class SocketDelivery {
  private readonly sockets = new Map<string, HeldSocket>();
  private readonly waiting = new Map<string, (ok: boolean) => void>();
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    private readonly store: Store,
    readonly instanceId: string,
    private readonly log: (line: string) => void,
    private readonly replyTimeoutMs = 2_000,
  ) {}

  /** Listens on this instance's channel; a store that does not answer yet subscribes later (logged), never throws. */
  async start(waitMs = 2_000): Promise<void> {
    const subscribed = this.store.subscribe(channel(this.instanceId), (text) => void this.receive(text)).then(
      (unsubscribe) => (this.unsubscribe = unsubscribe),
      (error: unknown) => this.log(`websocket: cannot listen for @connections requests from other instances: ${String(error)}`),
    );
    const inTime = await Promise.race([subscribed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), waitMs).unref())]);
    if (!inTime) this.log("websocket: the store does not answer yet; @connections requests from other instances reach this one once it does");
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.().catch(() => {});
    for (const resolve of this.waiting.values()) resolve(false);
    this.waiting.clear();
  }

  /** A socket this instance accepted (after the 101), and its end. */
  attach(connectionId: string, socket: HeldSocket): void {
    this.sockets.set(connectionId, socket);
  }

  detach(connectionId: string): void {
    this.sockets.delete(connectionId);
  }

  /** Sends one message to the connection held by instance `holder`; false when no socket of that id is open there. */
  send(holder: string, connectionId: string, data: Buffer, binary: boolean): Promise<boolean> {
    if (holder === this.instanceId) return this.sendHere(connectionId, data, binary);
    return this.ask(holder, { op: "send", connectionId, data: data.toString("base64"), binary });
  }

  /** Closes the connection's socket (@connections DELETE); false when there is none. */
  delete(holder: string, connectionId: string): Promise<boolean> {
    if (holder === this.instanceId) return Promise.resolve(this.deleteHere(connectionId));
    return this.ask(holder, { op: "delete", connectionId });
  }

  private sendHere(connectionId: string, data: Buffer, binary: boolean): Promise<boolean> {
    return this.sockets.get(connectionId)?.send(data, binary) ?? Promise.resolve(false);
  }

  private deleteHere(connectionId: string): boolean {
    return this.sockets.get(connectionId)?.delete() ?? false;
  }

  private async ask(holder: string, operation: Operation): Promise<boolean> {
    const id = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    const answered = new Promise<boolean>((resolve, reject) => {
      this.waiting.set(id, resolve);
      timer = setTimeout(() => reject(new Error(`instance ${holder} did not answer an @connections ${operation.op} within ${this.replyTimeoutMs} ms`)), this.replyTimeoutMs);
    });
    try {
      const request: Request = { ...operation, id, from: this.instanceId };
      const receivers = await this.store.publish(channel(holder), JSON.stringify(request));
      if (receivers === 0) return false;
      return await answered;
    } finally {
      clearTimeout(timer);
      this.waiting.delete(id);
      answered.catch(() => {});
    }
  }

  private async receive(text: string): Promise<void> {
    let message: Request | Reply;
    try {
      message = JSON.parse(text) as Request | Reply;
    } catch {
      return;
    }
    if (message.op === "reply") {
      this.waiting.get(message.id)?.(message.ok);
      return;
    }
    const ok = message.op === "send" ? await this.sendHere(message.connectionId, Buffer.from(message.data, "base64"), message.binary) : this.deleteHere(message.connectionId);
    const reply: Reply = { op: "reply", id: message.id, ok };
    await this.store.publish(channel(message.from), JSON.stringify(reply)).catch((error: unknown) => this.log(`websocket: cannot answer instance ${message.from}: ${String(error)}`));
  }
}
