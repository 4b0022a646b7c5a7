/** Messages between the pool (TS) and worker.mjs (JS). Keep in sync with the header comment of worker.mjs. */
import type { LambdaErrorShape } from "./types.ts";

export interface ContextData {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  logGroupName: string;
  logStreamName: string;
}

export interface WorkerInit {
  codeDir: string;
  handler: string;
  /** Int32 at index 0: characters of log text the gateway has consumed (flow control for console output). */
  ackBuffer: SharedArrayBuffer;
  maxUnackedChars: number;
  context: ContextData;
}

export interface InvokeMessage {
  type: "invoke";
  requestId: string;
  /** The event as JSON, like Lambda delivers it: the handler gets a fresh parse, never a gateway object. */
  eventJson: string;
  deadlineMs: number;
}

export type WorkerMessage =
  | { type: "ready"; initMs: number }
  | { type: "initError"; error: LambdaErrorShape; initMs: number }
  | { type: "log"; text: string }
  | {
      type: "result";
      requestId: string;
      ok: boolean;
      payloadJson?: string;
      error?: LambdaErrorShape;
      /** The environment is about to exit (uncaught exception / unhandled rejection). */
      fatal: boolean;
      maxMemoryUsedMB: number;
    };
