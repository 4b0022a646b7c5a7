/**
 * Which execution environment an invocation gets. Lambda "provisions a separate instance of your execution
 * environment" for each concurrent request, and once an environment "finishes processing the first request, this
 * execution environment can then process additional requests for the same function"
 * (docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html): an environment is free when its runtime has
 * answered, not when the gateway has read the answer.
 */
import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { LambdaRuntime, type InvokeResult } from "../../../reference-gateway/lambda/index.ts";
import type { LambdaFunction } from "../../../reference-gateway/model/types.ts";
import { features } from "../../harness/conformance.ts";

const codeDir = fileURLToPath(new URL("./handlers/", import.meta.url)).replace(/\/$/, "");

const counter: LambdaFunction = {
  logicalId: "C",
  functionName: "stack-C-ABC123",
  arn: "arn:aws:lambda:us-east-1:123456789012:function:stack-C-ABC123",
  runtime: "nodejs20.x",
  handler: "counted-init.handler",
  codeDir,
  timeoutSeconds: 3,
  memorySize: 128,
  environment: {},
  location: { file: "template.yaml", path: "$.Resources.C" },
};

const count = (r: InvokeResult) => {
  if (!r.ok) throw new Error(`expected success, got ${JSON.stringify(r)}`);
  return (r.payload as { count: number }).count;
};

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
