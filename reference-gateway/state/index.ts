export type { Clock, Store } from "./store.ts";
export { MemoryStore } from "./memory-store.ts";
