/**
 * Warm pool of execution environments (worker threads) for one function.
 * One invocation per environment at a time; up to `maxWorkers` environments; extra invocations wait FIFO.
 * A timed-out, crashed or exited environment is discarded and replaced on demand.
 */
import { Worker } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import type { LambdaFunction } from "../model/types.ts";
import type { InvokeResult, LambdaErrorShape } from "./types.ts";
import type { InvokeMessage, WorkerInit, WorkerMessage } from "./protocol.ts";
import { contextData, environmentFor, newLogStreamName } from "./context.ts";
import { exitError, shutdownError, timeoutError } from "./errors.ts";
import { endLine, reportLine, startLine, timeoutLine } from "./logs.ts";

const WORKER_URL = new URL("./worker.mjs", import.meta.url);
/** Lambda's limit for the init phase of an on-demand environment. */
const INIT_TIMEOUT_MS = 10_000;
/** Console text a handler may have in flight before its console.* calls block (like a full stdout pipe). */
const MAX_UNACKED_LOG_CHARS = 1 << 20;

interface Job {
  requestId: string;
  eventJson: string;
  resolve: (r: InvokeResult) => void;
}

interface Active {
  job: Job;
  startedAt: number;
  timer: NodeJS.Timeout;
}

type EnvState = "starting" | "idle" | "busy" | "gone";

interface Env {
  worker: Worker;
  state: EnvState;
  active?: Active;
  /** Init duration, reported on the environment's first invocation only. */
  initMs?: number;
  reportedInit: boolean;
  oom: boolean;
  ack: Int32Array;
  initTimer?: NodeJS.Timeout;
  /** Resolves when the environment is ready or has failed. */
  settled: Promise<void>;
  settle: () => void;
}

export interface PoolOptions {
  region: string;
  maxWorkers: number;
  log: (line: string) => void;
}

export class FunctionPool {
  private readonly envs = new Set<Env>();
  private readonly queue: Job[] = [];
  private closed = false;

  constructor(
    private readonly fn: LambdaFunction,
    private readonly opts: PoolOptions,
  ) {}

  invoke(requestId: string, event: unknown): Promise<InvokeResult> {
    return new Promise<InvokeResult>((resolve) => {
      if (this.closed) {
        resolve({ ok: false, kind: "crash", error: shutdownError(requestId), durationMs: 0 });
        return;
      }
      let eventJson: string;
      try {
        // Lambda hands the function a JSON document: a fresh copy, undefined members dropped.
        eventJson = JSON.stringify(event === undefined ? null : event);
      } catch (err) {
        resolve({
          ok: false,
          kind: "error",
          error: { errorType: "InvalidRequestContentException", errorMessage: String(err), trace: [] },
          durationMs: 0,
        });
        return;
      }
      this.queue.push({ requestId, eventJson, resolve });
      this.pump();
    });
  }

  /** Start one environment if none is running or starting; resolves once it is ready (or failed to start). */
  async warm(): Promise<void> {
    if (this.closed) return;
    for (const env of this.envs) {
      if (env.state === "idle" || env.state === "busy") return;
      if (env.state === "starting") return env.settled;
    }
    await this.spawn().settled;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) {
      job.resolve({ ok: false, kind: "crash", error: shutdownError(job.requestId), durationMs: 0 });
    }
    const terminations: Promise<unknown>[] = [];
    for (const env of [...this.envs]) {
      if (env.active) this.finish(env, { kind: "crash", error: shutdownError(env.active.job.requestId) });
      terminations.push(this.discard(env));
    }
    await Promise.all(terminations);
  }

  // ------------------------------------------------------------------ scheduling

  private pump(): void {
    if (this.closed) return;
    while (this.queue.length > 0) {
      const idle = [...this.envs].find((e) => e.state === "idle");
      if (idle) {
        this.dispatch(idle, this.queue.shift()!);
        continue;
      }
      const starting = [...this.envs].filter((e) => e.state === "starting").length;
      if (starting < this.queue.length && this.envs.size < this.opts.maxWorkers) {
        this.spawn();
        continue;
      }
      break;
    }
  }

  private spawn(): Env {
    const logStreamName = newLogStreamName();
    const ackBuffer = new SharedArrayBuffer(4);
    const workerData: WorkerInit = {
      codeDir: this.fn.codeDir,
      handler: this.fn.handler,
      ackBuffer,
      maxUnackedChars: MAX_UNACKED_LOG_CHARS,
      context: contextData(this.fn, logStreamName),
    };
    const worker = new Worker(WORKER_URL, {
      workerData,
      env: environmentFor(this.fn, this.opts.region, logStreamName),
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: Math.max(16, this.fn.memorySize) },
    });
    let settle!: () => void;
    const settled = new Promise<void>((r) => (settle = r));
    const env: Env = {
      worker,
      state: "starting",
      reportedInit: false,
      oom: false,
      ack: new Int32Array(ackBuffer),
      settled,
      settle,
    };
    this.envs.add(env);
    // Raw process.stdout / stderr writes of the handler (not console.*): passed on untagged, a line at a time.
    for (const stream of [worker.stdout, worker.stderr]) {
      let pending = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        pending += chunk;
        let nl: number;
        while ((nl = pending.indexOf("\n")) >= 0) {
          this.opts.log(pending.slice(0, nl + 1));
          pending = pending.slice(nl + 1);
        }
        if (pending.length > 256 * 1024) {
          this.opts.log(pending);
          pending = "";
        }
      });
      stream.on("end", () => {
        if (pending) this.opts.log(pending + "\n");
        pending = "";
      });
    }
    worker.on("message", (msg: WorkerMessage) => this.onMessage(env, msg));
    worker.on("error", (err: Error & { code?: string }) => {
      if (err.code === "ERR_WORKER_OUT_OF_MEMORY") env.oom = true;
    });
    worker.on("exit", (code) => this.onExit(env, code));
    env.initTimer = setTimeout(() => this.onInitTimeout(env), INIT_TIMEOUT_MS);
    env.initTimer.unref();
    return env;
  }

  private dispatch(env: Env, job: Job): void {
    const timeoutMs = this.fn.timeoutSeconds * 1000;
    const startedAt = performance.now();
    const timer = setTimeout(() => this.onTimeout(env), timeoutMs);
    env.state = "busy";
    env.active = { job, startedAt, timer };
    this.opts.log(startLine(job.requestId));
    const msg: InvokeMessage = {
      type: "invoke",
      requestId: job.requestId,
      eventJson: job.eventJson,
      deadlineMs: Date.now() + timeoutMs,
    };
    env.worker.postMessage(msg);
  }

  // ------------------------------------------------------------------ worker events

  private onMessage(env: Env, msg: WorkerMessage): void {
    switch (msg.type) {
      case "log":
        this.opts.log(msg.text);
        Atomics.add(env.ack, 0, msg.text.length);
        Atomics.notify(env.ack, 0);
        return;
      case "ready":
        if (env.state !== "starting") return;
        clearTimeout(env.initTimer);
        env.state = "idle";
        env.initMs = msg.initMs;
        env.settle();
        this.pump();
        return;
      case "initError": {
        clearTimeout(env.initTimer);
        env.initMs = msg.initMs;
        this.failInit(env, "error", () => msg.error);
        return;
      }
      case "result": {
        const active = env.active;
        if (!active || active.job.requestId !== msg.requestId) return;
        if (msg.ok) {
          this.finish(env, { payload: JSON.parse(msg.payloadJson ?? "null") }, msg.maxMemoryUsedMB);
        } else {
          const error = msg.error ?? { errorType: "Unknown", errorMessage: "", trace: [] };
          this.finish(env, { kind: msg.fatal ? "crash" : "error", error }, msg.maxMemoryUsedMB);
        }
        if (msg.fatal) {
          // The environment exits right after reporting; never hand it another invocation.
          void this.discard(env);
        } else if (env.state === "busy") {
          env.state = "idle";
        }
        this.pump();
        return;
      }
    }
  }

  private onExit(env: Env, code: number): void {
    const wasStarting = env.state === "starting";
    clearTimeout(env.initTimer);
    if (env.active) {
      const requestId = env.active.job.requestId;
      this.finish(env, { kind: "crash", error: exitError(requestId, env.oom ? "oom" : code) });
    } else if (wasStarting) {
      // Died during init (process.exit or a throw at module level that escaped): the next waiting invocation gets it.
      this.failInit(env, "crash", (requestId) => exitError(requestId, env.oom ? "oom" : code));
      return;
    }
    env.state = "gone";
    this.envs.delete(env);
    env.settle();
    this.pump();
  }

  private onTimeout(env: Env): void {
    const active = env.active;
    if (!active) return;
    const { requestId } = active.job;
    this.opts.log(timeoutLine(requestId, this.fn.timeoutSeconds));
    this.finish(env, { kind: "timeout", error: timeoutError(requestId, this.fn.timeoutSeconds) });
    void this.discard(env);
    this.pump();
  }

  private onInitTimeout(env: Env): void {
    if (env.state !== "starting") return;
    env.initMs = INIT_TIMEOUT_MS;
    this.failInit(env, "timeout", (requestId) => timeoutError(requestId, INIT_TIMEOUT_MS / 1000));
  }

  /** An environment failed to initialise: the oldest waiting invocation reports it; Lambda re-inits next time. */
  private failInit(env: Env, kind: "error" | "crash" | "timeout", error: (requestId: string) => LambdaErrorShape): void {
    void this.discard(env);
    const job = this.queue.shift();
    if (job) {
      const e = error(job.requestId);
      this.opts.log(startLine(job.requestId));
      this.opts.log(endLine(job.requestId));
      this.opts.log(
        reportLine({
          requestId: job.requestId,
          durationMs: 0,
          memorySize: this.fn.memorySize,
          maxMemoryUsedMB: 0,
          initDurationMs: env.initMs,
          status: kind === "timeout" ? "timeout" : "error",
          errorType: kind === "timeout" ? undefined : e.errorType,
        }),
      );
      job.resolve({ ok: false, kind, error: e, durationMs: 0 });
    } else {
      const e = error("undefined");
      this.opts.log(`INIT_REPORT Init Duration: ${(env.initMs ?? 0).toFixed(2)} ms\tPhase: init\tStatus: error\tError Type: ${e.errorType}\n`);
    }
    this.pump();
  }

  /** Settle the active invocation of `env` (once) and write END / REPORT. */
  private finish(
    env: Env,
    outcome: { payload: unknown } | { kind: "error" | "timeout" | "crash"; error: LambdaErrorShape },
    maxMemoryUsedMB = 0,
  ): void {
    const active = env.active;
    if (!active) return;
    env.active = undefined;
    clearTimeout(active.timer);
    const durationMs = performance.now() - active.startedAt;
    const { requestId } = active.job;
    const initDurationMs = env.reportedInit ? undefined : env.initMs;
    env.reportedInit = true;
    this.opts.log(endLine(requestId));
    const failed = "kind" in outcome ? outcome : undefined;
    this.opts.log(
      reportLine({
        requestId,
        durationMs,
        memorySize: this.fn.memorySize,
        maxMemoryUsedMB,
        initDurationMs,
        status: failed?.kind === "timeout" ? "timeout" : failed?.kind === "crash" ? "error" : undefined,
        errorType: failed?.kind === "crash" ? failed.error.errorType : undefined,
      }),
    );
    active.job.resolve(
      failed
        ? { ok: false, kind: failed.kind, error: failed.error, durationMs }
        : { ok: true, payload: (outcome as { payload: unknown }).payload, durationMs },
    );
  }

  /** Take `env` out of service and stop its thread. */
  private discard(env: Env): Promise<unknown> {
    clearTimeout(env.initTimer);
    env.state = "gone";
    this.envs.delete(env);
    env.settle();
    // Unblock a worker waiting on log flow control so termination is immediate.
    Atomics.store(env.ack, 0, 0x3fffffff);
    Atomics.notify(env.ack, 0);
    return env.worker.terminate().catch(() => undefined);
  }
}
