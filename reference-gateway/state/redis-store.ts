import { Redis } from "ioredis";
import { PERIOD_LUA } from "./quota-period.ts";
import { ServerClock } from "./server-clock.ts";
import { withDeadline } from "./deadline.ts";
import type { AdmitRequest, AdmitResult, QuotaSpec, QuotaUsage, Store } from "./store.ts";
import { capacityUnits, TOKEN, unitsPerMicro } from "./token-bucket.ts";

/**
 * Token buckets and a quota counter in one atomic Lua script, on the Redis server's clock (`TIME`), so every gateway
 * instance sharing the server draws from the same buckets and counts into the same quota period. The bucket
 * arithmetic is state/token-bucket.ts's, the period arithmetic state/quota-period.ts's, in exact integers (Lua numbers
 * are doubles: exact below 2^53; values are written with %.0f, never in exponent form).
 *
 * KEYS: the bucket keys, then the quota key when there is one. The script appends the period's start to the quota
 * key (the period is only known on the server's clock, inside the script): fine on one Redis server, which is what
 * the store connects to; a Redis Cluster would need the period in the key's hash tag.
 * ARGV: bucket count, quota flag (0/1), TOKEN, then per bucket its units per µs and capacity, then the quota's limit,
 * offset, deployment instant (ms) and period; last, the call's deadline on the server's clock (µs, 0 = none).
 * Returns {1, 0, quotaUsed, now µs} when admitted, {0, i, 0, now} when bucket i (1-based) is empty, {0, 0, used, now}
 * over the quota, {-1, 0, 0, now} past the deadline: a slow server that runs a call after the gateway gave up on it
 * (its command timeout; the fail mode answered) takes nothing — the answered request stays uncounted.
 */
const ADMIT = `
if redis.replicate_commands then pcall(redis.replicate_commands) end
${PERIOD_LUA}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local deadline = tonumber(ARGV[#ARGV])
if deadline > 0 and now > deadline then return {-1, 0, 0, now} end
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
  if units < TOKEN then return {0, i, 0, now} end
  levels[i] = units
end
local used = 0
if hasQuota == 1 then
  local period = ARGV[7 + 2 * n]
  local start, finish = period_bounds(period, math.floor(now / 1000))
  local limit = period_limit(period, tonumber(ARGV[4 + 2 * n]), tonumber(ARGV[5 + 2 * n]), tonumber(ARGV[6 + 2 * n]), start)
  local q = KEYS[n + 1] .. ':' .. string.format('%.0f', start)
  used = tonumber(redis.call('GET', q) or '0')
  if used >= limit then return {0, 0, used, now} end
  used = redis.call('INCR', q)
  if used == 1 then redis.call('PEXPIREAT', q, string.format('%.0f', finish)) end
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
return {1, 0, used, now}
`;

/**
 * A quota's current period on the server's clock and its count, without counting (GetUsage).
 * KEYS: the quota key. ARGV: limit, offset, deployment instant (ms), period. Returns {used, limit, start, end}.
 */
const QUOTA_USAGE = `
${PERIOD_LUA}
local t = redis.call('TIME')
local period = ARGV[4]
local start, finish = period_bounds(period, tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
local used = tonumber(redis.call('GET', KEYS[1] .. ':' .. string.format('%.0f', start)) or '0')
return {used, period_limit(period, tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), start), start, finish}
`;

export interface RedisStoreOptions {
  /** A command that takes longer fails (the caller's fail mode decides). Default 250 ms. */
  commandTimeoutMs?: number;
  /** Connection state changes, one line each (down, back). */
  log?: (line: string) => void;
  /** Prefix of every key, so several gateways or test runs can share a server. Default "gateproof:". */
  prefix?: string;
}

type ScriptCommand<Result> = (numKeys: number, ...args: Array<string | number>) => Promise<Result>;

/**
 * The Store on Redis (`--store redis://…`). Commands fail fast while the connection is down (no offline queue, no
 * retries per request) and ioredis reconnects by itself in the background, so the gateway keeps answering under its
 * fail mode and recovers when Redis returns.
 */
export class RedisStore implements Store {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly commandTimeoutMs: number;
  private readonly serverClock = new ServerClock();
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
    this.commandTimeoutMs = options.commandTimeoutMs ?? 250;
    this.redis = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // The per-call timeout is withDeadline's (timed() below); this one only frees calls a hung server never answers.
      commandTimeout: this.commandTimeoutMs * 4,
      connectTimeout: 1000,
      retryStrategy: (times) => Math.min(50 * times, 500),
    });
    this.redis.defineCommand("gateproofAdmit", { lua: ADMIT });
    this.redis.defineCommand("gateproofQuotaUsage", { lua: QUOTA_USAGE });
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

  /** A call that fails past the command timeout (withDeadline: after this process has read what Redis sent). */
  private timed<T>(call: Promise<T>): Promise<T> {
    return withDeadline(call, this.commandTimeoutMs, "Redis");
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.timed(this.redis.get(this.prefix + key))) ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.timed(this.redis.set(this.prefix + key, value, "PX", Math.max(1, Math.ceil(ttlMs))));
  }

  async delete(key: string): Promise<void> {
    await this.timed(this.redis.del(this.prefix + key));
  }

  async admit(request: AdmitRequest): Promise<AdmitResult> {
    const keys = request.buckets.map((b) => this.prefix + b.key);
    const args: Array<string | number> = [request.buckets.length, request.quota ? 1 : 0, TOKEN];
    for (const b of request.buckets) args.push(unitsPerMicro(b.rate), capacityUnits(b.burst));
    if (request.quota) {
      const q = request.quota;
      keys.push(this.prefix + q.key);
      args.push(q.limit, q.offset, Math.floor(q.deployedAt), q.period);
    }
    args.push(this.serverClock.in(this.commandTimeoutMs * 1000) ?? 0);
    const run = (this.redis as unknown as { gateproofAdmit: ScriptCommand<[number, number, number, number]> }).gateproofAdmit;
    const [ok, bucket, used, at] = await this.timed(run.call(this.redis, keys.length, ...keys, ...args));
    this.serverClock.observe(at);
    if (ok === -1) throw new Error(`Redis ran the check after the ${this.commandTimeoutMs} ms command timeout`);
    if (ok === 1) return request.quota ? { admitted: true, quotaUsed: used, at } : { admitted: true, at };
    if (bucket > 0) return { admitted: false, reason: "throttled", bucket: bucket - 1, at };
    return { admitted: false, reason: "quota", quotaUsed: used, at };
  }

  async quotaUsage(quota: QuotaSpec): Promise<QuotaUsage> {
    const run = (this.redis as unknown as { gateproofQuotaUsage: ScriptCommand<[number, number, number, number]> }).gateproofQuotaUsage;
    const [used, limit, start, end] = await this.timed(run.call(this.redis, 1, this.prefix + quota.key, quota.limit, quota.offset, Math.floor(quota.deployedAt), quota.period));
    return { used, limit, start, end };
  }

  async now(): Promise<number> {
    const [seconds, micros] = await this.timed(this.redis.time());
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  async publish(channel: string, message: string): Promise<number> {
    return this.timed(this.redis.publish(this.prefix + channel, message));
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
