import { randomUUID } from "node:crypto";
import type { Store } from "../state/index.ts";
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
}

const GENERATION_TTL_MS = 30 * 24 * 3600 * 1000;

/**
 * The REST response cache on the Store interface, so it works on the memory store and on a shared one alike:
 * entries are store values with the method's TTL (the store expires them); the key carries the stage's current
 * generation, which a flush replaces (FlushStageCache: every entry of the stage is gone at once, on every gateway
 * instance sharing the store, without listing keys).
 *
 * Byte budget with LRU eviction: this process indexes the entries it wrote or served (key → stored size, in recency
 * order) and deletes the least recently used ones when a stage's total passes its budget. On a shared store each
 * instance enforces the budget over what it has touched; the store's own memory policy bounds the rest.
 */
export class ResponseCache {
  private readonly index = new Map<string, StageIndex>();

  /** `budgetBytes` replaces every stage's CacheClusterSize budget (tests, or a gateway with less memory to spare). */
  constructor(
    private readonly store: Store,
    private readonly options: { budgetBytes?: number } = {},
  ) {}

  private namespace(scope: CacheScope): string {
    return `rcache:${JSON.stringify([scope.apiId, scope.stage, scope.deployment])}`;
  }

  private async generation(scope: CacheScope): Promise<string> {
    return (await this.store.get(`${this.namespace(scope)}:gen`)) ?? "0";
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

  async get(scope: CacheScope, keyParts: ReadonlyArray<string | null>): Promise<CachedResponse | undefined> {
    const key = await this.entryKey(scope, keyParts);
    const text = await this.store.get(key);
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
   * AWS caches (api-gateway-caching.md) or the entry alone is over the stage's budget.
   */
  async set(scope: CacheScope, keyParts: ReadonlyArray<string | null>, response: CachedResponse, ttlSeconds: number): Promise<boolean> {
    const bodyBytes = typeof response.body === "string" ? Buffer.byteLength(response.body, "utf8") : response.body.length;
    if (bodyBytes > MAX_CACHED_RESPONSE_BYTES) return false;
    const stored: Stored =
      typeof response.body === "string"
        ? { s: response.status, h: response.headers, b: response.body }
        : { s: response.status, h: response.headers, b: response.body.toString("base64"), e: 1 };
    const text = JSON.stringify(stored);
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
    await this.store.set(`${this.namespace(scope)}:gen`, randomUUID(), GENERATION_TTL_MS);
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
