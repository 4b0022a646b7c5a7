import { MemoryStore } from "./memory-store.ts";
import type { Clock, Store } from "./store.ts";

/** A Store, or how to make one: "memory", or a `redis://` / `rediss://` URL. */
export type StoreSpec = Store | string;

/**
 * The store a gateway runs on, and whether the gateway owns it (and closes it). A Redis store that does not answer at
 * start is still returned: the gateway serves under its fail mode while ioredis keeps reconnecting.
 */
export async function createStore(spec: StoreSpec | undefined, options: { clock?: Clock; log: (line: string) => void }): Promise<{ store: Store; owned: boolean }> {
  if (spec === undefined || spec === "memory") return { store: new MemoryStore(options.clock), owned: true };
  if (typeof spec !== "string") return { store: spec, owned: false };
  if (!/^rediss?:\/\//.test(spec)) throw new TypeError(`store "${spec}" must be "memory" or a redis:// URL`);
  // Imported here: ioredis is loaded only by gateways that use Redis (start-up time and memory for the others).
  const { redact, RedisStore } = await import("./redis-store.ts");
  const store = new RedisStore(spec, { log: options.log });
  const up = await store.connect();
  options.log(up ? `store: Redis ${redact(spec)}` : `store: Redis ${redact(spec)} does not answer yet; serving under the throttle fail mode until it does`);
  return { store, owned: true };
}
