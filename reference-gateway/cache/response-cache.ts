import { randomUUID } from "node:crypto";
import type { Store } from "../state/index.ts";
import { StoreOutage } from "../state/outage.ts";
import { MAX_CACHED_RESPONSE_BYTES } from "./settings.ts";

/** One stage's cache: AWS provisions a cache cluster per stage, so budget, flush and eviction are per stage. */
export interface CacheScope {
  apiId: string;
  stage: string;
  /**
   * A hash of the deployed API (cache/namespace.ts). A redeploy — a restart with a changed definition — gets another
   * hash and therefore an empty cache, also on a shared store (Redis) where the old entries would otherwise survive.
   */
  deployment: string;
  /** Byte budget of the stage's cache (settings.ts cacheBudgetBytes). */
  budgetBytes: number;
}

export interface CachedResponse {
  status: number;
  headers: Array<[string, string]>;
  body: Buffer | string;
}

interface Stored {
  s: number;
  h: Array<[string, string]>;
  /** Body: text as is, binary as base64 (`e: 1`). */
  b: string;
  e?: 1;
}

/** What this process knows of one stage's entries, least recently used first (Map order). */
interface StageIndex {
  entries: Map<string, number>;
  bytes: number;
  /** The generation the entries belong to: another instance's flush replaces it, and they are gone. */
  generation?: string;
}

const GENERATION_TTL_MS = 30 * 24 * 3600 * 1000;

/**
 * The REST response cache on the Store interface, so it works on the memory store and on a shared one alike:
 * entries are store values with the method's TTL (the store expires them); the key carries the stage's current
 * generation, which a flush replaces (FlushStageCache: every entry of the stage is gone at once, on every gateway
 * instance sharing the store, without listing keys).
 *
 * Byte budget with LRU eviction: this process indexes the entries it wrote or served (key → stored size, in recency
 * order) and deletes the least recently used ones when a stage's total passes its budget. On the memory store that
 * is the whole cache, exactly. On Redis it is not, and cannot cheaply be: each instance enforces the budget over the
 * entries it has touched (an eviction deletes the Redis key, so every instance misses it), but N instances may
 * together hold up to N budgets, and an entry another instance wrote counts here only once this one serves it. What
 * Redis gives is per-key TTLs (exact, on the server's clock) and, server-wide, `maxmemory` with an `allkeys-lru` /
 * `volatile-lru` policy (an approximate LRU by sampling, over every key on the server, not per stage) — the bound to
 * configure for a shared cache.
 *
 * Fail mode: a store that does not answer (Redis down or slower than its command timeout) makes every lookup a miss
 * and stores nothing, so requests go to the integration and are answered as if the stage had no cache; logged once
 * when it starts and once when the store answers again. Nothing to recover: entries written before the outage are
 * served again if the store kept them.
 */
export class ResponseCache {
  private readonly index = new Map<string, StageIndex>();
  private readonly outage: StoreOutage;

  /** `budgetBytes` replaces every stage's CacheClusterSize budget (tests, or a gateway with less memory to spare). */
  constructor(
    private readonly store: Store,
    private readonly options: { budgetBytes?: number; log?: (line: string) => void } = {},
  ) {
    this.outage = new StoreOutage(options.log ?? (() => {}), {
      down: (reason) => `cache: the store failed (${reason}); every lookup is a miss and nothing is stored until it answers again`,
      back: "cache: the store answers again; responses are cached",
    });
  }

  private namespace(scope: CacheScope): string {
    return `rcache:${JSON.stringify([scope.apiId, scope.stage, scope.deployment])}`;
  }

  private async generation(scope: CacheScope): Promise<string> {
    const generation = (await this.store.get(`${this.namespace(scope)}:gen`)) ?? "0";
    const index = this.stageIndex(scope);
    if (index.generation !== generation) {
      // Flushed (by any instance on the store): what this process accounted is unreachable, and no longer counts.
      index.entries.clear();
      index.bytes = 0;
      index.generation = generation;
    }
    return generation;
  }

  private stageIndex(scope: CacheScope): StageIndex {
    const ns = this.namespace(scope);
    let index = this.index.get(ns);
    if (!index) this.index.set(ns, (index = { entries: new Map(), bytes: 0 }));
    return index;
  }

  /** The full store key: stage namespace, generation, then the request's key parts as JSON (no two tuples collide). */
  private async entryKey(scope: CacheScope, keyParts: ReadonlyArray<string | null>): Promise<string> {
    return `${this.namespace(scope)}:${await this.generation(scope)}:${JSON.stringify(keyParts)}`;
  }

  /** The cached response, or undefined: absent, expired, or the store does not answer (the fail mode above). */
  async get(scope: CacheScope, keyParts: ReadonlyArray<string | null>): Promise<CachedResponse | undefined> {
    let key: string;
    let text: string | undefined;
    try {
      key = await this.entryKey(scope, keyParts);
      text = await this.store.get(key);
    } catch (error) {
      this.outage.failed(error);
      return undefined;
    }
    this.outage.answered();
    const index = this.stageIndex(scope);
    if (text === undefined) {
      this.forget(index, key);
      return undefined;
    }
    // Most recently used now: to the end of the Map's order.
    this.forget(index, key);
    this.remember(index, key, key.length + text.length);
    const stored = JSON.parse(text) as Stored;
    return { status: stored.s, headers: stored.h, body: stored.e ? Buffer.from(stored.b, "base64") : stored.b };
  }

  /**
   * Stores the response for `ttlSeconds`; false (and nothing stored) when its body is over the 1,048,576-byte limit
   * AWS caches (api-gateway-caching.md), the entry alone is over the stage's budget, or the store does not answer.
   */
  async set(scope: CacheScope, keyParts: ReadonlyArray<string | null>, response: CachedResponse, ttlSeconds: number): Promise<boolean> {
    const bodyBytes = typeof response.body === "string" ? Buffer.byteLength(response.body, "utf8") : response.body.length;
    if (bodyBytes > MAX_CACHED_RESPONSE_BYTES) return false;
    const entry: Stored =
      typeof response.body === "string"
        ? { s: response.status, h: response.headers, b: response.body }
        : { s: response.status, h: response.headers, b: response.body.toString("base64"), e: 1 };
    const text = JSON.stringify(entry);
    try {
      const stored = await this.write(scope, keyParts, text, ttlSeconds);
      this.outage.answered();
      return stored;
    } catch (error) {
      this.outage.failed(error);
      return false;
    }
  }

  /** The entry under the LRU budget: evicts what must go, then writes it with its TTL. */
  private async write(scope: CacheScope, keyParts: ReadonlyArray<string | null>, text: string, ttlSeconds: number): Promise<boolean> {
    const key = await this.entryKey(scope, keyParts);
    const size = key.length + text.length;
    const budget = this.options.budgetBytes ?? scope.budgetBytes;
    if (size > budget) return false;
    const index = this.stageIndex(scope);
    this.forget(index, key);
    const evicted: string[] = [];
    for (const [oldKey, oldSize] of index.entries) {
      if (index.bytes + size <= budget) break;
      index.entries.delete(oldKey);
      index.bytes -= oldSize;
      evicted.push(oldKey);
    }
    this.remember(index, key, size);
    await Promise.all([...evicted.map((oldKey) => this.store.delete(oldKey)), this.store.set(key, text, ttlSeconds * 1000)]);
    return true;
  }

  /** FlushStageCache: a new generation for the stage; the old entries are unreachable and expire on their own. */
  async flush(scope: CacheScope): Promise<void> {
    const index = this.stageIndex(scope);
    const old = [...index.entries.keys()];
    index.entries.clear();
    index.bytes = 0;
    const generation = randomUUID();
    await this.store.set(`${this.namespace(scope)}:gen`, generation, GENERATION_TTL_MS);
    index.generation = generation;
    await Promise.all(old.map((key) => this.store.delete(key)));
  }

  /** Bytes this process accounts to the stage (tests and the admin endpoint). */
  usage(scope: CacheScope): { entries: number; bytes: number } {
    const index = this.stageIndex(scope);
    return { entries: index.entries.size, bytes: index.bytes };
  }

  private forget(index: StageIndex, key: string): void {
    const size = index.entries.get(key);
    if (size === undefined) return;
    index.entries.delete(key);
    index.bytes -= size;
  }

  private remember(index: StageIndex, key: string, size: number): void {
    index.entries.set(key, size);
    index.bytes += size;
  }
}
