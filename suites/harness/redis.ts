/** A real redis-server for the distributed-mode suites: the same helper the throttle benchmark uses. */
import { startRedis as startRedisServer, type RedisServer } from "../../src/bench/redis-server.ts";
import { own } from "./processes.ts";

export { redisAvailable, type RedisServer } from "../../src/bench/redis-server.ts";

/** startRedis, owned like every process a suite starts (processes.ts): it does not outlive the test file. */
export async function startRedis(): Promise<RedisServer> {
  const redis = await startRedisServer();
  // kill() sends SIGKILL to the current redis-server (also after a restart()) before its first await: synchronous.
  const disown = own(() => void redis.kill());
  return {
    ...redis,
    stop: async () => {
      disown();
      await redis.stop();
    },
  };
}
