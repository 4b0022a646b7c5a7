/** Per-function execution-environment data: the `context` fields and the environment variables Lambda sets. */
import { randomBytes } from "node:crypto";
import type { LambdaFunction } from "../model/types.ts";
import type { ContextData } from "./protocol.ts";

/** Log stream name like Lambda's: `YYYY/MM/DD/[$LATEST]<32 hex>`, one per execution environment. */
export function newLogStreamName(now = new Date()): string {
  const d = now.toISOString().slice(0, 10).replace(/-/g, "/");
  return `${d}/[$LATEST]${randomBytes(16).toString("hex")}`;
}

export function contextData(fn: LambdaFunction, logStreamName: string): ContextData {
  return {
    functionName: fn.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: fn.arn,
    // Lambda gives it as a string.
    memoryLimitInMB: String(fn.memorySize),
    logGroupName: `/aws/lambda/${fn.functionName}`,
    logStreamName,
  };
}

/** Node runtime id for AWS_EXECUTION_ENV, e.g. `nodejs20.x` → `AWS_Lambda_nodejs20.x`. */
export function executionEnv(runtime: string): string {
  return `AWS_Lambda_${runtime || "nodejs20.x"}`;
}

/** Host variables a process needs to work at all; everything else of the gateway's env stays out. */
const HOST_BASICS = ["PATH", "HOME", "LANG", "NODE_OPTIONS", "TMPDIR", "SYSTEMROOT"];

/** Environment of one execution environment: host basics, the function's variables, then Lambda's reserved ones. */
export function environmentFor(
  fn: LambdaFunction,
  region: string,
  logStreamName: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of HOST_BASICS) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  Object.assign(env, fn.environment);
  // Reserved variables win over user values, as in Lambda (which rejects setting them).
  Object.assign(env, {
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EXECUTION_ENV: executionEnv(fn.runtime),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    LAMBDA_TASK_ROOT: fn.codeDir,
    LAMBDA_RUNTIME_DIR: fn.codeDir,
    TZ: ":UTC",
  });
  return env;
}
