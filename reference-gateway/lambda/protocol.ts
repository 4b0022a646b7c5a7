/** Messages between the pool (TS) and worker.mjs (JS). Keep in sync with the header comment of worker.mjs. */
import type { MessagePort } from "node:worker_threads";
import type { LambdaErrorShape } from "./types.ts";

export interface ContextData {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  logGroupName: string;
  logStreamName: string;
}

/**
 * Milliseconds on the clock the gateway and its environments share to say when an invocation started and finished:
 * the process's monotonic clock (one for all threads, ns resolution, never stepped like Date.now()); performance.now()
 * counts from each thread's own start. worker.mjs reads the same clock.
 */
export function sharedClockMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Slots of WorkerInit.sharedBuffer, Int32 unless said otherwise (worker.mjs uses the same numbers). */
export const SharedState = {
  /** Characters of log text (and bytes of raw output) the gateway has consumed (flow control); written by the gateway. */
  LOG_CHARS_READ: 0,
  /** Invocations the environment has finished, counted up just before it posts a non-fatal result; written by the worker. */
  FINISHED: 1,
  /**
   * When the environment's runtime picked up its current invocation, as Date.now() modulo 2^31 (never 0); 0 while
   * the invocation handed over has not been picked up yet. Written 0 by the gateway at hand-over, then by the worker.
   */
  PICKED_UP_AT: 2,
  /** Messages the worker has posted to the gateway (WorkerInit.toGateway), counted up right after each; written by the worker. */
  POSTED: 3,
  /**
   * Invocations handed to the environment so far, stored once the invocation is in place (see INVOCATION_BYTES);
   * written by the gateway. Between invocations the runtime waits on this slot with its thread blocked: the
   * environment is frozen, as Lambda freezes it, so nothing a handler left running (timers, promises, I/O) runs until
   * the next invocation thaws it.
   */
  DISPATCHED: 4,
  /**
   * Where the invocation handed over last is: its UTF-8 length in WorkerInit.invocationBuffer, or −1 when it did not
   * fit there and was posted on the worker's port instead; written by the gateway before DISPATCHED.
   */
  INVOCATION_BYTES: 5,
  /** The code the environment's thread began to exit with (see EXITED_AT), written by the worker before the stamp. */
  EXIT_CODE: 6,
  /**
   * A BigInt64 slot (an index into a BigInt64Array of the same buffer: bytes 32-39): process.hrtime.bigint() when the
   * environment's thread began to exit, 0n until then; written by the worker's 'exit' listener, which runs before the
   * thread ends, so the stamp is there whenever the gateway learns of the exit, however late (see exitOf). 64 bits
   * because Atomics take no Float64Array.
   */
  EXITED_AT: 4,
  BYTES: 40,
} as const;

/**
 * When, on sharedClockMs(), and with what code the environment's thread began to exit: process.exit, the exit after an
 * uncaught exception or unhandled rejection. Undefined while it runs, and for a thread stopped without running
 * JavaScript (out of memory, terminate()).
 */
export function exitOf(sharedBuffer: ArrayBufferLike): { at: number; code: number } | undefined {
  const ns = Atomics.load(new BigInt64Array(sharedBuffer), SharedState.EXITED_AT);
  if (ns === 0n) return undefined;
  return { at: Number(ns) / 1e6, code: Atomics.load(new Int32Array(sharedBuffer), SharedState.EXIT_CODE) };
}

/**
 * Bytes of WorkerInit.invocationBuffer. An invocation that fits is handed over through it: a copy and a wake of the
 * frozen runtime, where a port message also wakes the runtime's event loop and goes through its message dispatch.
 * API Gateway's events are mostly a few KB; a larger one takes the port.
 */
export const INVOCATION_BUFFER_BYTES = 64 * 1024;

const utf8 = new TextEncoder();

/**
 * Puts `message` in `buffer` (a view of WorkerInit.invocationBuffer): its UTF-8 length, or −1 if it does not fit (the
 * buffer's content is then undefined).
 */
export function writeInvocation(buffer: Uint8Array, message: InvokeMessage): number {
  const { read, written } = utf8.encodeInto(message, buffer);
  return read === message.length ? written : -1;
}

export interface WorkerInit {
  codeDir: string;
  handler: string;
  /** The SharedState slots. */
  sharedBuffer: SharedArrayBuffer;
  /** INVOCATION_BUFFER_BYTES: the invocation handed over, when it fits (SharedState.INVOCATION_BYTES). */
  invocationBuffer: SharedArrayBuffer;
  maxUnackedChars: number;
  /** Where the worker posts every WorkerMessage (transferred; the gateway keeps the other end). */
  toGateway: MessagePort;
  context: ContextData;
}

/**
 * An invocation, as one JSON text `[requestId, deadlineMs, event]`: the event is JSON like Lambda delivers it (the
 * handler gets a fresh parse, never a gateway object), and a string crosses threads more cheaply than an object.
 */
export type InvokeMessage = string;

export function invokeMessage(requestId: string, deadlineMs: number, eventJson: string): InvokeMessage {
  return `[${JSON.stringify(requestId)},${deadlineMs},${eventJson}]`;
}

/**
 * A successful result, as one JSON text `[requestId, maxMemoryUsedMB, finishedAt, payload]` (the common answer, kept
 * cheap); finishedAt: sharedClockMs() when the runtime posted it.
 */
export type SuccessMessage = string;

export type WorkerMessage =
  | SuccessMessage
  | { type: "ready"; initMs: number }
  | { type: "initError"; error: LambdaErrorShape; initMs: number }
  | { type: "log"; text: string }
  /**
   * Raw output to stdout / stderr (any stream write, end(chunk), fs writes to fd 1 / 2 or /dev/stdout and the like,
   * children inheriting them): text, or bytes (a write need not be a line); flow-controlled like "log".
   */
  | { type: "output"; stream: "stdout" | "stderr"; chunk: string | Uint8Array }
  | {
      type: "error";
      requestId: string;
      error: LambdaErrorShape;
      /** The environment is about to exit (uncaught exception / unhandled rejection). */
      fatal: boolean;
      maxMemoryUsedMB: number;
      /** sharedClockMs() when the runtime posted it. */
      finishedAt: number;
    };
