/**
 * A function's heap is sized by its MemorySize, as on Lambda, never by heap flags the gateway itself runs with
 * (`node --max-old-space-size=… gateproof serve`, NODE_OPTIONS): V8 would otherwise size every isolate created after
 * them, worker resourceLimits notwithstanding, and a function that runs out of memory on Lambda would not here.
 */
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

describe("execution environment heap", () => {
  it("heap flags the gateway runs with do not size a function's heap", async () => {
    const unflagged = await heapLimitOf(128);
    // What `node --max-old-space-size=300 --max-semi-space-size=4` (or NODE_OPTIONS) leaves in this process.
    setFlagsFromString("--max-old-space-size=300 --max-semi-space-size=4");
    try {
      expect(await heapLimitOf(128)).toBe(unflagged);
    } finally {
      setFlagsFromString("--max-old-space-size=0 --max-semi-space-size=0");
    }
  });
});
