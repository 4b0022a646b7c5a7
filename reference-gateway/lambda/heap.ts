import { setFlagsFromString } from "node:v8";

/**
 * The resourceLimits of a Lambda execution environment about to start: the V8 heap Lambda's Node.js runtime gives a
 * function. Its bootstrap (/var/runtime/bootstrap of the nodejs runtime images) starts node with, in MB and integer
 * arithmetic, new_space=MemorySize/10, --max-semi-space-size=new_space/2 and --max-old-space-size=MemorySize-new_space,
 * so a 128 MB function has a 140 MB heap limit and fails with Runtime.OutOfMemory where it would on Lambda. A worker
 * takes the same limits as resourceLimits; V8 sizes a young generation as three semi-spaces (two plus the new
 * large-object space), so maxYoungGenerationSizeMb is three times the semi-space (heap.test.ts compares the two).
 *
 * V8 sizes every isolate it creates by this process's own heap-size flags when it has any (`node --max-old-space-size=…`,
 * NODE_OPTIONS), over a worker's resourceLimits: with NODE_OPTIONS=--max-old-space-size=300 a 128 MB function had a
 * 348 MB heap limit. Those flags are unset first; the gateway's own heap was sized when it started and keeps them.
 */
export function newEnvironmentHeap(memorySizeMb: number): { maxYoungGenerationSizeMb: number; maxOldGenerationSizeMb: number } {
  setFlagsFromString("--max-heap-size=0 --max-old-space-size=0 --max-semi-space-size=0");
  const newSpaceMb = Math.floor(memorySizeMb / 10);
  return { maxYoungGenerationSizeMb: 3 * Math.floor(newSpaceMb / 2), maxOldGenerationSizeMb: memorySizeMb - newSpaceMb };
}
