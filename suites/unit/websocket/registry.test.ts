/**
 * The connection registry and cross-instance delivery on one in-process MemoryStore (its channels stand in for Redis
 * pub/sub): two registries are two gateway instances. The real-Redis, two-process version is
 * suites/scenario/websocket-distributed.test.ts; this one reaches the paths a crash cannot show on cue.
 */
import { afterEach, describe, expect, it } from "vitest";
import { MemoryStore, type Store } from "../../../reference-gateway/state/index.ts";
import { SocketDelivery, type HeldSocket } from "../../../reference-gateway/websocket/delivery.ts";
import { ConnectionRegistry, type ConnectionRecord } from "../../../reference-gateway/websocket/registry.ts";

/** A socket as the server holding it hands it to delivery, recording what it was asked to do. */
function fakeSocket() {
  const sent: string[] = [];
  let deleted = 0;
  let open = true;
  const socket: HeldSocket = {
    send: (data) => {
      if (open) sent.push(data.toString());
      return Promise.resolve(open);
    },
    delete: () => {
      if (!open) return false;
      deleted++;
      open = false;
      return true;
    },
  };
  return { socket, sent, deleted: () => deleted };
}

const record = (connectionId: string, instanceId: string): ConnectionRecord => ({ connectionId, apiId: "api", stage: "prod", connectedAt: 1, lastActiveAt: 1, sourceIp: "127.0.0.1", state: "open", instanceId });

const started: ConnectionRegistry[] = [];
async function instance(store: Store, lines: string[] = [], instanceTtlMs = 10_000): Promise<ConnectionRegistry> {
  const registry = new ConnectionRegistry(store, { recordTtlMs: 60_000, instanceTtlMs, log: (line) => lines.push(line) });
  await registry.start();
  started.push(registry);
  return registry;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((r) => r.close()));
});

describe("ConnectionRegistry across instances", () => {
  it("B reads A's record and reaches A's socket (send, delete) through the store's channels", async () => {
    const store = new MemoryStore();
    const [a, b] = [await instance(store), await instance(store)];
    const socket = fakeSocket();
    await a.put(record("c1", a.instanceId));
    a.delivery.attach("c1", socket.socket);

    const seen = await b.get("c1");
    expect(seen?.instanceId).toBe(a.instanceId);
    expect(await b.delivery.send(seen!.instanceId, "c1", Buffer.from("hello from B"), false)).toBe(true);
    expect(socket.sent).toEqual(["hello from B"]);
    expect(await b.delivery.delete(seen!.instanceId, "c1")).toBe(true);
    expect(socket.deleted()).toBe(1);
    // Closed now: A answers false, as for a socket it never had.
    expect(await b.delivery.send(a.instanceId, "c1", Buffer.from("late"), false)).toBe(false);
    expect(await b.delivery.send(a.instanceId, "nope", Buffer.from("x"), false)).toBe(false);
  });

  it("a holder nobody listens for is gone (false) at once; one that receives but never answers is an error", async () => {
    const store = new MemoryStore();
    const b = await instance(store);
    expect(await b.delivery.send("no-such-instance", "c1", Buffer.from("x"), false)).toBe(false);
    const unsubscribe = await store.subscribe("ws:deliver:mute", () => {});
    const asking = new SocketDelivery(store, "asker", () => {}, 100);
    await asking.start();
    await expect(asking.send("mute", "c1", Buffer.from("x"), false)).rejects.toThrow("instance mute did not answer an @connections send within 100 ms");
    await asking.stop();
    await unsubscribe();
  });

  it("a record whose instance has no liveness key is a ghost: get() answers undefined and deletes it", async () => {
    const store = new MemoryStore();
    const b = await instance(store);
    await store.set("ws:connection:ghost", JSON.stringify(record("ghost", "crashed-instance")), 60_000);
    expect(await b.get("ghost")).toBeUndefined();
    expect(await store.get("ws:connection:ghost")).toBeUndefined();
  });

  it("close() removes the instance's records and liveness key: no ghosts after a graceful stop", async () => {
    const store = new MemoryStore();
    const [a, b] = [await instance(store), await instance(store)];
    await a.put(record("c2", a.instanceId));
    expect(await b.get("c2")).toBeDefined();
    await a.close();
    expect(await store.get("ws:connection:c2")).toBeUndefined();
    expect(await store.get(`ws:instance:${a.instanceId}`)).toBeUndefined();
  });

  it("writes that fail while the store is down are made again at the first renewal after it answers (logged once each way)", async () => {
    const memory = new MemoryStore();
    let down = false;
    const failing = (): Promise<never> => Promise.reject(new Error("Connection is closed."));
    const store: Store = Object.assign(Object.create(memory) as Store, {
      set: (key: string, value: string, ttl: number) => (down ? failing() : memory.set(key, value, ttl)),
      get: (key: string) => (down ? failing() : memory.get(key)),
      delete: (key: string) => (down ? failing() : memory.delete(key)),
    });
    const lines: string[] = [];
    const a = await instance(store, lines, 150);
    down = true;
    await a.put(record("c3", a.instanceId));
    await a.put(record("c4", a.instanceId));
    await a.remove("c4");
    expect(lines.filter((l) => l.includes("the connection registry cannot write to the store"))).toHaveLength(1);
    down = false;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(JSON.parse((await memory.get("ws:connection:c3"))!)).toMatchObject({ connectionId: "c3", instanceId: a.instanceId });
    expect(await memory.get("ws:connection:c4")).toBeUndefined();
    expect(lines.filter((l) => l.includes("the connection registry is written again"))).toHaveLength(1);
  });
});
