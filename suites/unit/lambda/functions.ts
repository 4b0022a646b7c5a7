import { fileURLToPath } from "node:url";
import type { InvokeResult } from "../../../reference-gateway/lambda/index.ts";
import { LAMBDA_DEFAULTS, makeFunction } from "../../../reference-gateway/load/functions.ts";
import type { LambdaFunction } from "../../../reference-gateway/model/types.ts";

export const codeDir = fileURLToPath(new URL("./handlers/", import.meta.url)).replace(/\/$/, "");

/** A function as the loader would give it, with its code in ./handlers (`handler` is `file.export`). */
export function fn(logicalId: string, handler: string, extra: Partial<LambdaFunction> = {}): LambdaFunction {
  return {
    ...makeFunction({
      logicalId,
      functionName: `stack-${logicalId}-ABC123`,
      runtime: "nodejs20.x",
      handler,
      codeDir,
      ...LAMBDA_DEFAULTS,
      environment: {},
      location: { file: "template.yaml", path: `$.Resources.${logicalId}` },
      region: "us-east-1",
      accountId: "123456789012",
    }),
    ...extra,
  };
}

/** The payload of a successful invocation; anything else fails the test with the whole result. */
export function ok(r: InvokeResult): unknown {
  if (!r.ok) throw new Error(`expected success, got ${JSON.stringify(r)}`);
  return r.payload;
}
