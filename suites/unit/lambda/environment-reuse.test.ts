/**
 * Which execution environment an invocation gets. Lambda "provisions a separate instance of your execution
 * environment" for each concurrent request, and once an environment "finishes processing the first request, this
 * execution environment can then process additional requests for the same function"
 * (docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html): an environment is free when its runtime has
 * answered, not when the gateway has read the answer.
 */
import { describe, expect, it } from "vitest";
import { LambdaRuntime, type InvokeResult } from "../../../reference-gateway/lambda/index.ts";
import { fn, ok } from "./functions.ts";
import { features } from "../../harness/conformance.ts";

const counter = fn("C", "counted-init.handler");

const count = (r: InvokeResult) => (ok(r) as { count: number }).count;

describe("execution environment reuse", features(["rest.lambda-proxy"], { referenceOnly: true }), () => {
  it("hands the next invocation to an environment that has answered, even before the gateway read the answer", async () => {
    const lines: string[] = [];
    const rt = new LambdaRuntime({ C: counter }, { log: (line) => void lines.push(line), maxWorkersPerFunction: 4 });
    try {
      await rt.warm("C");
      const first = rt.invoke("C", {}, { requestId: "r-1" });
      // Keep the gateway's event loop busy while the environment answers: its result message stays unread.
      const until = Date.now() + 400;
      while (Date.now() < until);
      const second = rt.invoke("C", {}, { requestId: "r-2" });
      // One environment, its module state carried over (a second environment would count 1 again).
      expect([count(await first), count(await second)]).toEqual([1, 2]);
      // And no second environment was started for it: give one the time to log its init.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(lines.filter((line) => line.endsWith("\tINFO\tinit\n"))).toHaveLength(1);
    } finally {
      await rt.close();
    }
  });
});
