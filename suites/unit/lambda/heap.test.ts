/**
 * A function's heap is the one Lambda's Node.js runtime gives a function of its MemorySize. The runtime's bootstrap
 * (/var/runtime/bootstrap of the nodejs runtime images) starts node with
 *   new_space=$(expr $AWS_LAMBDA_FUNCTION_MEMORY_SIZE / 10)
 *   semi_space=$(expr $new_space / 2)
 *   old_space=$(expr $AWS_LAMBDA_FUNCTION_MEMORY_SIZE - $new_space)
 *   --max-semi-space-size=$semi_space --max-old-space-size=$old_space
 * A function past that limit dies with Runtime.OutOfMemory on Lambda; here its heap limit must be what node reports
 * when started with those very flags, and never what heap flags the gateway itself runs with would make it
 * (`node --max-old-space-size=… gateproof serve`, NODE_OPTIONS): V8 would otherwise size every isolate created after
 * them, worker resourceLimits notwithstanding.
 */
import { execFileSync } from "node:child_process";
import { setFlagsFromString } from "node:v8";
import { describe, expect, it } from "vitest";
import { LambdaRuntime } from "../../../reference-gateway/lambda/index.ts";
import { fn, ok } from "./functions.ts";

async function heapLimitOf(memorySize: number): Promise<unknown> {
  const rt = new LambdaRuntime({ H: fn("H", "basic.heapLimit", { memorySize }) }, { log: () => {} });
  try {
    return ok(await rt.invoke("H", {}, { requestId: `heap-${memorySize}` }));
  } finally {
    await rt.close();
  }
}

/** heap_size_limit of a node process started the way Lambda's bootstrap starts it for `memorySize`. */
function bootstrapHeapLimit(memorySize: number): number {
  const newSpace = Math.floor(memorySize / 10);
  const flags = [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memorySize - newSpace}`];
  return Number(execFileSync(process.execPath, [...flags, "-p", "require('node:v8').getHeapStatistics().heap_size_limit"], { encoding: "utf8" }));
}

describe("execution environment heap", () => {
  it.each([128, 1024, 10240])("a %i MB function has the heap limit Lambda's node flags give it", async (memorySize) => {
    expect(await heapLimitOf(memorySize)).toBe(bootstrapHeapLimit(memorySize));
  });

  it("heap flags the gateway runs with do not size a function's heap", async () => {
    // What `node --max-old-space-size=300 --max-semi-space-size=4` (or NODE_OPTIONS) leaves in this process.
    setFlagsFromString("--max-old-space-size=300 --max-semi-space-size=4");
    try {
      expect(await heapLimitOf(128)).toBe(bootstrapHeapLimit(128));
    } finally {
      setFlagsFromString("--max-old-space-size=0 --max-semi-space-size=0");
    }
  });
});
