export type { AdmitRequest, AdmitResult, BucketSpec, Clock, QuotaSpec, QuotaUsage, Store } from "./store.ts";
export { MemoryStore } from "./memory-store.ts";
export { RedisStore, redact, type RedisStoreOptions } from "./redis-store.ts";
export { TOKEN, capacityUnits, microsToFull, unitsAt, unitsPerMicro, type BucketState } from "./token-bucket.ts";
export { createStore, type StoreSpec } from "./create.ts";
