/**
 * When the pool starts another execution environment. Lambda "provisions a separate instance of your execution
 * environment" for each concurrent request and reuses an environment once it "finishes processing the first request"
 * (docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html). The pool waits a few milliseconds for a busy
 * environment before starting one (pool.ts, SCALE_UP_GRACE_MS: 20 ms): slow handlers must still run side by side, while a
 * stream of fast invocations must not start an environment for every request that overlaps another by microseconds.
 */
import { describe, expect, it } from "vitest";
import { LambdaRuntime, type InvokeResult } from "../../../reference-gateway/lambda/index.ts";
import { fn, ok } from "./functions.ts";
import { features } from "../../harness/conformance.ts";

const payload = (r: InvokeResult) => ok(r) as Record<string, number>;

let nextId = 0;
const requestId = () => `scale-up-${++nextId}`;

describe("execution environment scale-up", features(["rest.lambda-proxy"], { referenceOnly: true }), () => {
  it("10 concurrent 500 ms handlers run in 10 environments at once", async () => {
    const rt = new LambdaRuntime({ F: fn("F", "basic.slow", { timeoutSeconds: 5 }) }, { log: () => {}, maxWorkersPerFunction: 10 });
    try {
      await rt.warm("F");
      const burst = async () => {
        const t0 = Date.now();
        const results = await Promise.all(Array.from({ length: 10 }, () => rt.invoke("F", { ms: 500 }, { requestId: requestId() })));
        return { elapsed: Date.now() - t0, threads: new Set(results.map((r) => payload(r).threadId)).size };
      };
      // First burst: nine more environments are started (an environment that frees up while they boot may take a
      // second invocation, as on Lambda, so neither its time nor its thread count is pinned).
      await burst();
      // Second burst, all ten warm: ~one handler time, not the 5 s of ten in sequence.
      const warm = await burst();
      expect(warm.threads).toBe(10);
      expect(warm.elapsed).toBeLessThan(1000);
    } finally {
      await rt.close();
    }
  });

  it("a steady stream of fast invocations at 10 concurrency stays on few environments", async () => {
    const lines: string[] = [];
    const rt = new LambdaRuntime({ F: fn("F", "counted-init.handler", { timeoutSeconds: 5 }) }, { log: (line) => void lines.push(line), maxWorkersPerFunction: 8 });
    try {
      await rt.warm("F");
      // Ten clients, each sending its next invocation as soon as the last one answered (like autocannon).
      const client = async () => {
        for (let i = 0; i < 100; i++) payload(await rt.invoke("F", {}, { requestId: requestId() }));
      };
      await Promise.all(Array.from({ length: 10 }, client));
      // Without the grace, every invocation overlapping another started an environment: all 8 were up.
      expect(lines.filter((line) => line.endsWith("\tINFO\tinit\n")).length).toBeLessThanOrEqual(2);
    } finally {
      await rt.close();
    }
  });
});
