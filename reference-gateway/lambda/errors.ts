/**
 * Error shapes the Lambda service (not the function) produces. Function errors are shaped inside worker.mjs
 * exactly like the runtime interface client's `toRapidResponse` (errorType / errorMessage / trace).
 */
import type { LambdaErrorShape } from "./types.ts";

/**
 * Current Lambda sync-invoke response on timeout:
 * `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: <id> Error: Task timed out after 3.00 seconds"}`.
 * errorType per docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html ("Sandbox.Timedout").
 * (Older runtimes answered `{"errorMessage":"<ISO time> <id> Task timed out after 3.00 seconds"}`, e.g.
 * github.com/alexa-samples/skill-sample-nodejs-smarthome-switch/issues/18; that form is the log line, see logs.ts.)
 */
export function timeoutError(requestId: string, timeoutSeconds: number): LambdaErrorShape {
  return {
    errorType: "Sandbox.Timedout",
    errorMessage: `RequestId: ${requestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`,
    trace: [],
  };
}

/**
 * The environment died mid-invocation without reporting: `Runtime.ExitError`,
 * "RequestId: <id> Error: Runtime exited with error: exit status 1" (or "signal: killed"), e.g.
 * github.com/praetorian-inc/chariot-ui/issues/166. Out of memory is reported as `Runtime.OutOfMemory` with the
 * "signal: killed" message (what Lambda shows when the sandbox is killed at its memory limit).
 */
export function exitError(requestId: string, exitCode: number | "oom"): LambdaErrorShape {
  if (exitCode === "oom") {
    return {
      errorType: "Runtime.OutOfMemory",
      errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`,
      trace: [],
    };
  }
  return {
    errorType: "Runtime.ExitError",
    errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: exit status ${exitCode}`,
    trace: [],
  };
}

/** Pending invocations when the runtime is closed. */
export function shutdownError(requestId: string): LambdaErrorShape {
  return {
    errorType: "Runtime.ExitError",
    errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: signal: terminated`,
    trace: [],
  };
}

/** Invoking a logical id the runtime does not know (Lambda: ResourceNotFoundException). */
export function functionNotFound(logicalId: string): LambdaErrorShape {
  return {
    errorType: "ResourceNotFoundException",
    errorMessage: `Function not found: ${logicalId}`,
    trace: [],
  };
}
