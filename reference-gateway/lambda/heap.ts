import { setFlagsFromString } from "node:v8";

/**
 * The resourceLimits of a Lambda execution environment about to start: an old generation of the function's MemorySize.
 * V8 sizes every isolate it creates by this process's own heap-size flags when it has any (`node --max-old-space-size=…`,
 * NODE_OPTIONS), over a worker's resourceLimits: with NODE_OPTIONS=--max-old-space-size=300 a 128 MB function had a
 * 348 MB heap limit, not 176. Those flags are unset first; the gateway's own heap was sized when it started and keeps them.
 */
export function newEnvironmentHeap(memorySizeMb: number): { maxOldGenerationSizeMb: number } {
  setFlagsFromString("--max-heap-size=0 --max-old-space-size=0 --max-semi-space-size=0");
  return { maxOldGenerationSizeMb: Math.max(16, memorySizeMb) };
}
