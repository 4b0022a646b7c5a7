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

/** Lambda's synchronous Invoke takes at most this many bytes of event JSON (6 MB, the Lambda quotas page). */
export const MAX_REQUEST_BYTES = 6291456;

/**
 * An event over MAX_REQUEST_BYTES: Lambda refuses the Invoke with 413 RequestEntityTooLargeException and never runs
 * the function. Wording as API Gateway logs it ("Execution failed: 6294149 byte payload is too large for the
 * RequestResponse invocation type (limit 6291456 bytes)", theburningmonk.com "Hit the 6MB Lambda payload limit?";
 * the same exception and message from the SDK in a 2018 capture of Lambda's error responses).
 */
export function requestTooLargeError(bytes: number): LambdaErrorShape {
  return {
    errorType: "RequestEntityTooLargeException",
    errorMessage: `${bytes} byte payload is too large for the RequestResponse invocation type (limit ${MAX_REQUEST_BYTES} bytes)`,
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
