/**
 * Warm pool of execution environments (worker threads) for one function.
 * One invocation per environment at a time; up to `maxWorkers` environments; extra invocations wait FIFO.
 * An environment is free again the moment its runtime has posted a result (SharedState.FINISHED), not when the
 * gateway gets round to reading it: like Lambda, which hands the next event to a warm environment as soon as its
 * runtime asks for one, and starts a new environment only when none is free.
 * "None is free" is judged over SCALE_UP_GRACE_MS, not at one instant: a burst of fast invocations would otherwise
 * start an environment for every request that arrives while a warm one is a few microseconds from answering.
 * A timed-out, crashed or exited environment is discarded and replaced on demand.
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import type { LambdaFunction } from "../model/types.ts";
import type { InvokeResult, LambdaErrorShape } from "./types.ts";
import { INVOCATION_BUFFER_BYTES, SharedState, exitOf, invokeMessage, sharedClockMs, writeInvocation, type WorkerInit, type WorkerMessage } from "./protocol.ts";
import { contextData, environmentFor, newLogStreamName } from "./context.ts";
import { MAX_REQUEST_BYTES, exitError, requestTooLargeError, shutdownError, timeoutError } from "./errors.ts";
import { endLine, reportLine, startLine, timeoutLine } from "./logs.ts";
import { newEnvironmentHeap } from "./heap.ts";
import { OutputLines } from "./output.ts";

const WORKER_URL = new URL("./worker.mjs", import.meta.url);
/** Lambda's limit for the init phase of an on-demand environment. */
const INIT_TIMEOUT_MS = 10_000;
/** Console text a handler may have in flight before its console.* calls block (like a full stdout pipe). */
const MAX_UNACKED_LOG_CHARS = 1 << 20;
/**
 * How long a queued invocation waits for a busy environment to free up before a new environment is started for it,
 * and how long a handler must have been running for its environment to count as busy rather than about to answer.
 * Long enough that a worker preempted mid-handler is not taken for a slow handler: on a loaded 2-vCPU machine
 * (load 4-5) a ~50 µs handler was seen 5-15 ms "running", and with 5 ms all 8 environments still started in 3 of 6
 * bench runs (none of 4 with 20 ms). Short beside what scaling up costs: a worker thread takes 70-130 ms to start here
 * (the runtime in it 200-290 ms) and a Lambda cold start is ≥ 100 ms, so slow handlers still get one environment each.
 */
const SCALE_UP_GRACE_MS = 20;
/**
 * An environment whose runtime has not yet picked up the invocation handed to it is waiting for a CPU (a new
 * environment would wait for the same CPU, and its start costs far more), unless that has lasted as long as a cold
 * start: then it may be stuck behind work an earlier invocation left running, and counts as busy.
 */
const PICK_UP_WAIT_MS = 100;

interface Job {
  requestId: string;
  eventJson: string;
  resolve: (r: InvokeResult) => void;
  /** sharedClockMs() when the invocation joined the queue (the grace before scaling up counts from here). */
  queuedAt: number;
}

interface Active {
  job: Job;
  /** sharedClockMs() when the invocation was handed to the environment: its Duration and Timeout count from here. */
  startedAt: number;
  timer: NodeJS.Timeout;
}

type EnvState = "starting" | "ready" | "gone";

interface Env {
  worker: Worker;
  state: EnvState;
  /**
   * Invocations handed to the environment whose results the pool has not read yet, oldest first. Only the last can
   * still be running: a new one is handed over only once the environment has finished all before it.
   */
  inFlight: Active[];
  /** Invocations handed to the environment so far (compared with its SharedState.FINISHED count). */
  dispatched: number;
  /** Init duration, reported on the environment's first invocation only. */
  initMs?: number;
  reportedInit: boolean;
  oom: boolean;
  shared: Int32Array;
  /** WorkerInit.invocationBuffer. */
  invocation: Uint8Array;
  /** Where the worker posts its messages (read synchronously by drain), and how many have been read. */
  fromWorker: MessagePort;
  received: number;
  /** The function's raw process.stdout and process.stderr output, a line at a time. */
  output: { stdout: OutputLines; stderr: OutputLines };
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
  /** Set while a queued invocation's grace is running: the pump looks again when it ends. */
  private graceTimer: NodeJS.Timeout | undefined;
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
      // A UTF-16 unit is at most 3 UTF-8 bytes: only an event that could pass the limit is measured.
      if (eventJson.length * 3 > MAX_REQUEST_BYTES) {
        const bytes = Buffer.byteLength(eventJson);
        if (bytes > MAX_REQUEST_BYTES) {
          resolve({ ok: false, kind: "error", error: requestTooLargeError(bytes), durationMs: 0 });
          return;
        }
      }
      this.queue.push({ requestId, eventJson, resolve, queuedAt: sharedClockMs() });
      this.pump();
    });
  }

  /** Start one environment if none is running or starting; resolves once it is ready (or failed to start). */
  async warm(): Promise<void> {
    if (this.closed) return;
    for (const env of this.envs) {
      if (env.state === "ready") return;
      if (env.state === "starting") return env.settled;
    }
    await this.spawn().settled;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.graceTimer);
    for (const job of this.queue.splice(0)) {
      job.resolve({ ok: false, kind: "crash", error: shutdownError(job.requestId), durationMs: 0 });
    }
    const terminations: Promise<unknown>[] = [];
    for (const env of [...this.envs]) {
      this.crashInFlight(env, (requestId) => shutdownError(requestId), sharedClockMs());
      terminations.push(this.discard(env));
    }
    await Promise.all(terminations);
  }

  // ------------------------------------------------------------------ scheduling

  private pump(): void {
    if (this.closed) return;
    let free: Env | undefined;
    while (this.queue.length > 0 && (free = this.freeEnv())) this.dispatch(free, this.queue.shift()!);
    if (this.queue.length > 0) this.scaleUp();
  }

  /**
   * Start an environment for each queued invocation that has waited out the grace while no environment was about to
   * answer (minus those already starting); look again when the next one's grace ends. With no environment running
   * an invocation, none can free up: every queued invocation is due at once.
   */
  private scaleUp(): void {
    const now = sharedClockMs();
    let due = this.queue.length;
    let next = 0;
    if (this.anyRunning()) {
      due = 0;
      if (!this.anyAboutToAnswer(now)) while (due < this.queue.length && now - this.queue[due]!.queuedAt >= SCALE_UP_GRACE_MS) due++;
      next = due < this.queue.length ? Math.max(1, this.queue[due]!.queuedAt + SCALE_UP_GRACE_MS - now) : 0;
    }
    for (let starting = this.startingCount(); starting < due && this.envs.size < this.opts.maxWorkers; starting++) this.spawn();
    if (next > 0 && this.envs.size < this.opts.maxWorkers && this.graceTimer === undefined) {
      this.graceTimer = setTimeout(() => {
        this.graceTimer = undefined;
        this.pump();
      }, next);
    }
  }

  /**
   * A ready environment that has finished every invocation handed to it (its results may still be on the way), unless
   * the last of them is past its deadline: then its result may have come too late, which stops the environment, and
   * only reading it tells (its message, or the timeout timer, pumps again).
   */
  private freeEnv(): Env | undefined {
    for (const env of this.envs) {
      if (env.state !== "ready") continue;
      const last = env.inFlight.at(-1);
      if (!last) return env;
      if (Atomics.load(env.shared, SharedState.FINISHED) === env.dispatched && !this.pastDeadline(last, sharedClockMs())) return env;
    }
    return undefined;
  }

  private pastDeadline(active: Active, at: number): boolean {
    return at - active.startedAt > this.fn.timeoutSeconds * 1000;
  }

  private startingCount(): number {
    let n = 0;
    for (const env of this.envs) if (env.state === "starting") n++;
    return n;
  }

  /** Whether a ready environment is running an invocation (one a queued invocation may wait for). */
  private anyRunning(): boolean {
    for (const env of this.envs) if (env.state === "ready" && env.inFlight.length > 0) return true;
    return false;
  }

  /** Whether a running environment is likely to answer within the grace: its handler started less than the grace ago, or has not started yet (see PICK_UP_WAIT_MS). */
  private anyAboutToAnswer(now: number): boolean {
    const wallNow = Date.now() % 0x7fffffff;
    for (const env of this.envs) {
      const current = env.state === "ready" ? env.inFlight.at(-1) : undefined;
      if (!current) continue;
      // Finished since the pump last looked: free, and its result message will pump again.
      if (Atomics.load(env.shared, SharedState.FINISHED) === env.dispatched) return true;
      const pickedUpAt = Atomics.load(env.shared, SharedState.PICKED_UP_AT);
      const aboutToAnswer = pickedUpAt === 0 ? now - current.startedAt < PICK_UP_WAIT_MS : (wallNow - pickedUpAt + 0x7fffffff) % 0x7fffffff < SCALE_UP_GRACE_MS;
      if (aboutToAnswer) return true;
    }
    return false;
  }

  private spawn(): Env {
    const logStreamName = newLogStreamName();
    const sharedBuffer = new SharedArrayBuffer(SharedState.BYTES);
    const invocationBuffer = new SharedArrayBuffer(INVOCATION_BUFFER_BYTES);
    const { port1: fromWorker, port2: toGateway } = new MessageChannel();
    const workerData: WorkerInit = {
      codeDir: this.fn.codeDir,
      handler: this.fn.handler,
      sharedBuffer,
      invocationBuffer,
      maxUnackedChars: MAX_UNACKED_LOG_CHARS,
      toGateway,
      context: contextData(this.fn, logStreamName),
    };
    const worker = new Worker(WORKER_URL, {
      workerData,
      transferList: [toGateway],
      env: environmentFor(this.fn, this.opts.region, logStreamName),
      // No stdout / stderr options: nothing reaches the worker's own stdio streams (worker.mjs sends all raw output
      // through toGateway as "output" messages).
      resourceLimits: newEnvironmentHeap(this.fn.memorySize),
    });
    let settle!: () => void;
    const settled = new Promise<void>((r) => (settle = r));
    const env: Env = {
      worker,
      state: "starting",
      inFlight: [],
      dispatched: 0,
      reportedInit: false,
      oom: false,
      shared: new Int32Array(sharedBuffer),
      invocation: new Uint8Array(invocationBuffer),
      fromWorker,
      received: 0,
      output: { stdout: new OutputLines(this.opts.log), stderr: new OutputLines(this.opts.log) },
      settled,
      settle,
    };
    this.envs.add(env);
    fromWorker.on("message", (msg: WorkerMessage) => this.receive(env, msg));
    // The worker keeps the process alive while it runs, as before; its port need not.
    fromWorker.unref();
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
    const startedAt = sharedClockMs();
    const active: Active = { job, startedAt, timer: setTimeout(() => this.onTimeout(env, active), timeoutMs) };
    env.inFlight.push(active);
    env.dispatched = (env.dispatched + 1) | 0;
    this.opts.log(startLine(job.requestId));
    Atomics.store(env.shared, SharedState.PICKED_UP_AT, 0);
    const message = invokeMessage(job.requestId, Date.now() + timeoutMs, job.eventJson);
    const bytes = writeInvocation(env.invocation, message);
    if (bytes < 0) env.worker.postMessage(message);
    Atomics.store(env.shared, SharedState.INVOCATION_BYTES, bytes);
    // Thaws the environment, frozen since its last result (or its init) until an invocation is in place.
    Atomics.store(env.shared, SharedState.DISPATCHED, env.dispatched);
    Atomics.notify(env.shared, SharedState.DISPATCHED);
  }

  // ------------------------------------------------------------------ worker events

  private receive(env: Env, msg: WorkerMessage): void {
    env.received = (env.received + 1) | 0;
    // What a discarded environment posts (after its timeout, say) belongs to no invocation.
    if (env.state !== "gone") this.onMessage(env, msg);
  }

  /**
   * Handle now every message the environment had posted before this moment, delivered or not: what a handler wrote
   * up to its deadline is logged before the timeout line, and a result posted in time is its answer.
   */
  private drain(env: Env): void {
    if (env.state === "gone") return;
    const posted = Atomics.load(env.shared, SharedState.POSTED);
    while (((posted - env.received) | 0) > 0) {
      const next = receiveMessageOnPort(env.fromWorker);
      if (!next) return;
      this.receive(env, next.message as WorkerMessage);
    }
  }

  private onMessage(env: Env, msg: WorkerMessage): void {
    if (typeof msg === "string") {
      const [requestId, maxMemoryUsedMB, finishedAt, payload] = JSON.parse(msg) as [string, number, number, unknown];
      const active = env.inFlight[0];
      if (active?.job.requestId !== requestId) return;
      if (this.pastDeadline(active, finishedAt)) return this.timeOut(env, active);
      this.finish(env, active, { payload }, finishedAt - active.startedAt, maxMemoryUsedMB);
      this.pump();
      return;
    }
    switch (msg.type) {
      case "log":
      case "output":
        if (msg.type === "log") this.opts.log(msg.text);
        else env.output[msg.stream].write(msg.chunk);
        Atomics.add(env.shared, SharedState.LOG_CHARS_READ, msg.type === "log" ? msg.text.length : msg.chunk.length);
        Atomics.notify(env.shared, SharedState.LOG_CHARS_READ);
        return;
      case "ready":
        if (env.state !== "starting") return;
        flushOutput(env);
        clearTimeout(env.initTimer);
        env.state = "ready";
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
      case "error": {
        const active = env.inFlight[0];
        if (active?.job.requestId !== msg.requestId) return;
        if (this.pastDeadline(active, msg.finishedAt)) return this.timeOut(env, active);
        this.finish(env, active, { kind: msg.fatal ? "crash" : "error", error: msg.error }, msg.finishedAt - active.startedAt, msg.maxMemoryUsedMB);
        // The environment exits right after a fatal report; never hand it another invocation.
        if (msg.fatal) void this.discard(env);
        this.pump();
        return;
      }
    }
  }

  private onExit(env: Env, code: number): void {
    this.drain(env);
    env.fromWorker.close();
    const wasStarting = env.state === "starting";
    clearTimeout(env.initTimer);
    if (env.inFlight.length > 0) {
      const exit = exitOf(env.shared.buffer);
      const running = env.inFlight.at(-1)!;
      // Began to exit after its deadline (this thread learns of it late): on Lambda the invocation timed out at the
      // deadline, where the environment was stopped, so it never got to exit.
      if (exit && this.pastDeadline(running, exit.at)) this.timeOut(env, running);
      this.crashInFlight(env, (requestId) => exitError(requestId, env.oom ? "oom" : code), exit?.at ?? sharedClockMs());
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

  /**
   * The timer of `active`'s deadline fired, perhaps late (the gateway's thread was busy). A result the runtime posted
   * is read first: its own time, not this moment, says whether it came in time.
   */
  private onTimeout(env: Env, active: Active): void {
    if (!env.inFlight.includes(active)) return;
    this.drain(env);
    if (!env.inFlight.includes(active)) return;
    const exit = exitOf(env.shared.buffer);
    if (exit && !this.pastDeadline(active, exit.at)) {
      // Began to exit in time, its 'exit' event not read yet: a crash, reported now with the code its 'exit' listener
      // saw (the event then finds nothing left to report), so that an 'exit' listener of the function's that never
      // returns cannot hold the invocation.
      this.crashInFlight(env, (requestId) => exitError(requestId, exit.code), exit.at);
      void this.discard(env);
      this.pump();
      return;
    }
    this.timeOut(env, active);
  }

  /**
   * `active` has not finished by its deadline: Lambda stops the environment there, so the function's answer, if it
   * came later, is never seen, and Duration is the Timeout however late the gateway noticed.
   */
  private timeOut(env: Env, active: Active): void {
    const { requestId } = active.job;
    flushOutput(env);
    const timeoutMs = this.fn.timeoutSeconds * 1000;
    // Stamped at the deadline, where Lambda writes it, however late this thread got here.
    const deadline = new Date(Date.now() - (sharedClockMs() - active.startedAt - timeoutMs));
    this.opts.log(timeoutLine(requestId, this.fn.timeoutSeconds, deadline));
    this.finish(env, active, { kind: "timeout", error: timeoutError(requestId, this.fn.timeoutSeconds) }, timeoutMs);
    void this.discard(env);
    this.pump();
  }

  /** The environment died at `at` (sharedClockMs()): every invocation it has not answered yet fails with `error`. */
  private crashInFlight(env: Env, error: (requestId: string) => LambdaErrorShape, at: number): void {
    for (const active of [...env.inFlight]) this.finish(env, active, { kind: "crash", error: error(active.job.requestId) }, at - active.startedAt);
  }

  private onInitTimeout(env: Env): void {
    this.drain(env);
    if (env.state !== "starting") return;
    env.initMs = INIT_TIMEOUT_MS;
    this.failInit(env, "timeout", (requestId) => timeoutError(requestId, INIT_TIMEOUT_MS / 1000));
  }

  /** An environment failed to initialise: the oldest waiting invocation reports it; Lambda re-inits next time. */
  private failInit(env: Env, kind: "error" | "crash" | "timeout", error: (requestId: string) => LambdaErrorShape): void {
    void this.discard(env);
    flushOutput(env);
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

  /** Settle one invocation of `env` (once) and write END / REPORT. */
  private finish(
    env: Env,
    active: Active,
    outcome: { payload: unknown } | { kind: "error" | "timeout" | "crash"; error: LambdaErrorShape },
    durationMs: number,
    maxMemoryUsedMB = 0,
  ): void {
    const index = env.inFlight.indexOf(active);
    if (index < 0) return;
    env.inFlight.splice(index, 1);
    clearTimeout(active.timer);
    const { requestId } = active.job;
    const initDurationMs = env.reportedInit ? undefined : env.initMs;
    env.reportedInit = true;
    flushOutput(env);
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
    env.fromWorker.close();
    // Unblock a worker waiting on log flow control so termination is immediate.
    Atomics.store(env.shared, SharedState.LOG_CHARS_READ, 0x3fffffff);
    Atomics.notify(env.shared, SharedState.LOG_CHARS_READ);
    return env.worker.terminate().catch(() => undefined);
  }
}

/** An invocation (or the init) ended: a partial line of raw output is logged now, before END / REPORT. */
function flushOutput(env: Env): void {
  env.output.stdout.flush();
  env.output.stderr.flush();
}
