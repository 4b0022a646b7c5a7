/** A real redis-server for the distributed-mode suites: the same helper the throttle benchmark uses. */
export { redisAvailable, startRedis, type RedisServer } from "../../src/bench/redis-server.ts";
