import { Redis } from "ioredis";
import type { AdmitRequest, AdmitResult, Store } from "./store.ts";
import { capacityUnits, TOKEN, unitsPerMicro } from "./token-bucket.ts";

/**
 * Token buckets and a quota counter in one atomic Lua script, on the Redis server's clock (`TIME`), so every gateway
 * instance sharing the server draws from the same buckets. The arithmetic is state/token-bucket.ts's, in exact
 * integers (Lua numbers are doubles: exact below 2^53; values are written with %.0f, never in exponent form).
 *
 * KEYS: the bucket keys, then the quota key when there is one.
 * ARGV: bucket count, quota flag (0/1), TOKEN, then per bucket its units per µs and capacity, then quota limit and ttl ms.
 * Returns {1, 0, quotaUsed} when admitted, {0, i, 0} when bucket i (1-based) is empty, {0, 0, used} over the quota.
 */
const ADMIT = `
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local n = tonumber(ARGV[1])
local hasQuota = tonumber(ARGV[2])
local TOKEN = tonumber(ARGV[3])
local levels = {}
for i = 1, n do
  local rate = tonumber(ARGV[2 + 2 * i])
  local cap = tonumber(ARGV[3 + 2 * i])
  local s = redis.call('HMGET', KEYS[i], 'u', 't')
  local units = cap
  if s[1] then
    local held = math.min(tonumber(s[1]), cap)
    local need = cap - held
    units = held
    if need > 0 and rate > 0 then
      local elapsed = now - tonumber(s[2])
      if elapsed < 0 then elapsed = 0 end
      if elapsed >= math.ceil(need / rate) then units = cap else units = held + elapsed * rate end
    end
  end
  if units < TOKEN then return {0, i, 0} end
  levels[i] = units
end
local used = 0
if hasQuota == 1 then
  local q = KEYS[n + 1]
  local limit = tonumber(ARGV[4 + 2 * n])
  used = tonumber(redis.call('GET', q) or '0')
  if used >= limit then return {0, 0, used} end
  used = redis.call('INCR', q)
  if used == 1 then redis.call('PEXPIRE', q, tonumber(ARGV[5 + 2 * n])) end
end
for i = 1, n do
  local rate = tonumber(ARGV[2 + 2 * i])
  local cap = tonumber(ARGV[3 + 2 * i])
  local left = levels[i] - TOKEN
  redis.call('HSET', KEYS[i], 'u', string.format('%.0f', left), 't', string.format('%.0f', now))
  if rate > 0 then
    redis.call('PEXPIRE', KEYS[i], math.ceil((cap - left) / rate / 1000) + 1000)
  else
    redis.call('PERSIST', KEYS[i])
  end
end
return {1, 0, used}
`;

export interface RedisStoreOptions {
  /** A command that takes longer fails (the caller's fail mode decides). Default 250 ms. */
  commandTimeoutMs?: number;
  /** Connection state changes, one line each (down, back). */
  log?: (line: string) => void;
  /** Prefix of every key, so several gateways or test runs can share a server. Default "gateproof:". */
  prefix?: string;
}

type AdmitCommand = (numKeys: number, ...args: Array<string | number>) => Promise<[number, number, number]>;

/**
 * The Store on Redis (`--store redis://…`). Commands fail fast while the connection is down (no offline queue, no
 * retries per request) and ioredis reconnects by itself in the background, so the gateway keeps answering under its
 * fail mode and recovers when Redis returns.
 */
export class RedisStore implements Store {
  private readonly redis: Redis;
  private readonly prefix: string;
  private up = false;
  private everUp = false;
  /** Pub/sub needs a connection of its own (a subscribed connection runs no other commands); made on first use. */
  private subscriber: Redis | undefined;
  private readonly handlers = new Map<string, Set<(message: string) => void>>();

  constructor(
    readonly url: string,
    options: RedisStoreOptions = {},
  ) {
    const log = options.log ?? (() => {});
    this.prefix = options.prefix ?? "gateproof:";
    this.redis = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 250,
      connectTimeout: 1000,
      retryStrategy: (times) => Math.min(50 * times, 500),
    });
    this.redis.defineCommand("gateproofAdmit", { lua: ADMIT });
    this.redis.on("ready", () => {
      if (this.everUp && !this.up) log(`store: Redis ${redact(url)} is back`);
      this.up = true;
      this.everUp = true;
    });
    this.redis.on("error", () => {
      // Connection errors surface as failed commands (and the "close" line below); ioredis keeps reconnecting.
    });
    this.redis.on("close", () => {
      if (this.up) log(`store: lost Redis ${redact(url)}; reconnecting`);
      this.up = false;
    });
  }

  /** Connects, waiting at most `timeoutMs`; false when Redis did not answer (the store keeps trying in the background). */
  async connect(timeoutMs = 2000): Promise<boolean> {
    const ready = new Promise<boolean>((resolve) => {
      if (this.up) return resolve(true);
      this.redis.once("ready", () => resolve(true));
    });
    this.redis.connect().catch(() => {});
    return Promise.race([ready, new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref())]);
  }

  get connected(): boolean {
    return this.up;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.prefix + key)) ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.prefix + key, value, "PX", Math.max(1, Math.ceil(ttlMs)));
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }

  async admit(request: AdmitRequest): Promise<AdmitResult> {
    const keys = request.buckets.map((b) => this.prefix + b.key);
    const args: Array<string | number> = [request.buckets.length, request.quota ? 1 : 0, TOKEN];
    for (const b of request.buckets) args.push(unitsPerMicro(b.rate), capacityUnits(b.burst));
    if (request.quota) {
      keys.push(this.prefix + request.quota.key);
      args.push(request.quota.limit, Math.max(1, Math.ceil(request.quota.ttlMs)));
    }
    const run = (this.redis as unknown as { gateproofAdmit: AdmitCommand }).gateproofAdmit;
    const [ok, bucket, used] = await run.call(this.redis, keys.length, ...keys, ...args);
    if (ok === 1) return request.quota ? { admitted: true, quotaUsed: used } : { admitted: true };
    if (bucket > 0) return { admitted: false, reason: "throttled", bucket: bucket - 1 };
    return { admitted: false, reason: "quota", quotaUsed: used };
  }

  async publish(channel: string, message: string): Promise<number> {
    return this.redis.publish(this.prefix + channel, message);
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    const name = this.prefix + channel;
    const subscriber = (this.subscriber ??= this.connectSubscriber());
    let handlers = this.handlers.get(name);
    if (!handlers) this.handlers.set(name, (handlers = new Set()));
    handlers.add(onMessage);
    // Queued while Redis is down (offline queue on this connection), resubscribed by ioredis after every reconnect.
    if (handlers.size === 1) await subscriber.subscribe(name);
    return async () => {
      handlers.delete(onMessage);
      if (handlers.size > 0 || this.handlers.get(name) !== handlers) return;
      this.handlers.delete(name);
      await subscriber.unsubscribe(name).catch(() => {});
    };
  }

  private connectSubscriber(): Redis {
    const subscriber = new Redis(this.url, { enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: true, connectTimeout: 1000, retryStrategy: (times) => Math.min(50 * times, 500) });
    subscriber.on("message", (channel: string, message: string) => {
      for (const handler of this.handlers.get(channel) ?? []) handler(message);
    });
    subscriber.on("error", () => {
      // As for the command connection: ioredis reconnects by itself.
    });
    return subscriber;
  }

  async close(): Promise<void> {
    this.up = false;
    this.redis.disconnect(false);
    this.subscriber?.disconnect(false);
  }
}

/** The URL without its password, for logs. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}
