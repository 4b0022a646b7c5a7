/**
 * The V8 heap of a Lambda Node.js execution environment. The runtime's bootstrap (/var/runtime/bootstrap in the
 * nodejs runtime images) starts node with, in MB and shell integer arithmetic,
 *   new_space=$((MemorySize / 10)); --max-semi-space-size=$((new_space / 2)); --max-old-space-size=$((MemorySize - new_space))
 * so a 128 MB function has a 140 MB heap limit (semi-spaces 6, old space 116) and fails with Runtime.OutOfMemory where
 * it would on Lambda. A worker thread takes limits as resourceLimits; V8 sizes a young generation as three semi-spaces
 * (two plus the new large-object space), so maxYoungGenerationSizeMb = 3 × the semi-space gives the very heap limit the
 * flags do (suites/unit/lambda/heap.test.ts compares the two).
 */
export function heapLimits(memorySizeMb: number): { maxYoungGenerationSizeMb: number; maxOldGenerationSizeMb: number } {
  const newSpaceMb = Math.floor(memorySizeMb / 10);
  return { maxYoungGenerationSizeMb: 3 * Math.floor(newSpaceMb / 2), maxOldGenerationSizeMb: memorySizeMb - newSpaceMb };
}
