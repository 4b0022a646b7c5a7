import { afterAll, describe, expect, it, vi } from "vitest";
import { LambdaRuntime, type InvokeResult } from "../../../reference-gateway/lambda/index.ts";
import type { LambdaFunction } from "../../../reference-gateway/model/types.ts";
import { codeDir, fn, ok } from "./functions.ts";

const functions: Record<string, LambdaFunction> = {};
const add = (id: string, handler: string, extra: Partial<LambdaFunction> = {}) => {
  functions[id] = fn(id, handler, extra);
  return id;
};

const F = {
  counter: add("Counter", "basic.counter"),
  echo: add("Echo", "basic.echo", { memorySize: 256 }),
  remaining: add("Remaining", "basic.remaining"),
  mutate: add("Mutate", "basic.mutate"),
  env: add("Env", "basic.env", { environment: { TABLE_NAME: "pets", AWS_REGION: "user-cannot-override" } }),
  callback: add("Callback", "basic.callback"),
  callbackString: add("CallbackString", "basic.callbackString"),
  succeed: add("Succeed", "basic.succeed"),
  fail: add("Fail", "basic.fail"),
  syncReturn: add("SyncReturn", "basic.syncReturn"),
  callbackWaits: add("CallbackWaits", "basic.callbackWaits"),
  callbackNoWait: add("CallbackNoWait", "basic.callbackNoWait"),
  slow: add("Slow", "basic.slow"),
  promisifiedFs: add("PromisifiedFs", "basic.promisifiedFs"),
  leaveTimer: add("LeaveTimer", "basic.leaveTimer"),
  callbackNoWaitTimer: add("CallbackNoWaitTimer", "basic.callbackNoWaitTimer"),
  callbackTimer: add("CallbackTimer", "basic.callbackTimer"),
  throws: add("Throws", "basic.throws"),
  throwsSync: add("ThrowsSync", "basic.throwsSync"),
  rejects: add("Rejects", "basic.rejects"),
  unhandled: add("Unhandled", "basic.unhandled"),
  asyncThrow: add("AsyncThrow", "basic.asyncThrow"),
  sleep: add("Sleep", "basic.sleep", { timeoutSeconds: 1 }),
  exit: add("Exit", "basic.exit"),
  spin: add("Spin", "basic.spin", { timeoutSeconds: 1 }),
  spinRaw: add("SpinRaw", "basic.spinRaw", { timeoutSeconds: 1 }),
  spinRawSmall: add("SpinRawSmall", "basic.spinRaw", { memorySize: 64, timeoutSeconds: 3 }),
  big: add("Big", "basic.big"),
  circular: add("Circular", "basic.circular"),
  undef: add("Undef", "basic.undef"),
  dates: add("Dates", "basic.dates"),
  logs: add("Logs", "basic.logs"),
  oom: add("Oom", "basic.oom", { memorySize: 64, timeoutSeconds: 10 }),
  nested: add("Nested", "basic.nested.deeper.handler"),
  deepPath: add("DeepPath", "nested/dir/fn.handler"),
  notFunction: add("NotFunction", "basic.notFunction"),
  missingExport: add("MissingExport", "basic.nope"),
  missingFile: add("MissingFile", "nothere.handler"),
  syntax: add("Syntax", "syntax.handler"),
  initExit: add("InitExit", "initexit.handler"),
  esm: add("Esm", "esm.handler"),
  cjs: add("Cjs", "cjs.handler"),
  esmJs: add("EsmJs", "esm-pkg/app.lambdaHandler"),
  taskRoot: add("TaskRoot", "index.handler", { codeDir: `${codeDir}/module-repo/function` }),
};

const lines: string[] = [];
const runtime = new LambdaRuntime(functions, { log: (l) => void lines.push(l), maxWorkersPerFunction: 4 });
afterAll(() => runtime.close());

let seq = 0;
const rid = () => `req-${++seq}-${Math.random().toString(16).slice(2, 10)}`;
const invoke = (id: string, event: unknown = {}, requestId = rid()) => runtime.invoke(id, event, { requestId });

function failed(r: InvokeResult) {
  if (r.ok) throw new Error(`expected failure, got ${JSON.stringify(r)}`);
  return r;
}

describe("handler loading", () => {
  it("loads CommonJS .js, .cjs, .mjs, package.json type:module .js, nested exports and sub-directories", async () => {
    expect(ok(await invoke(F.counter))).toEqual({ count: 1 });
    expect(ok(await invoke(F.cjs))).toEqual({ cjs: true });
    expect(ok(await invoke(F.esm, { a: 1 }))).toEqual({ esm: true, count: 1, event: { a: 1 } });
    expect(ok(await invoke(F.esmJs))).toEqual({ esmJs: true });
    expect(ok(await invoke(F.nested))).toBe("nested ok");
    expect(ok(await invoke(F.deepPath))).toBe("deep path");
  });

  it("looks no higher than the task root for package.json: CommonJS inside a type:module repository", async () => {
    // Lambda deploys only the code directory (/var/task); a package.json above it does not exist there.
    expect(ok(await invoke(F.taskRoot))).toEqual({ greeting: "hello lambda", commonjs: true });
  });

  it("reports a missing file as Runtime.ImportModuleError", async () => {
    const r = failed(await invoke(F.missingFile));
    expect(r.kind).toBe("error");
    expect(r.error.errorType).toBe("Runtime.ImportModuleError");
    expect(r.error.errorMessage).toMatch(/^Error: Cannot find module 'nothere'\nRequire stack:/);
  });

  it("reports missing / non-function exports as Runtime.HandlerNotFound", async () => {
    const a = failed(await invoke(F.missingExport));
    expect(a.error).toMatchObject({ errorType: "Runtime.HandlerNotFound", errorMessage: "basic.nope is undefined or not exported" });
    const b = failed(await invoke(F.notFunction));
    expect(b.error).toMatchObject({ errorType: "Runtime.HandlerNotFound", errorMessage: "basic.notFunction is not a function" });
  });

  it("reports syntax errors as Runtime.UserCodeSyntaxError and exits during init as Runtime.ExitError", async () => {
    const s = failed(await invoke(F.syntax));
    expect(s.error.errorType).toBe("Runtime.UserCodeSyntaxError");
    expect(s.error.errorMessage).toMatch(/^SyntaxError: /);
    const requestId = rid();
    const e = failed(await invoke(F.initExit, {}, requestId));
    expect(e.kind).toBe("crash");
    expect(e.error).toMatchObject({
      errorType: "Runtime.ExitError",
      errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: exit status 3`,
    });
  });
});

describe("handler styles and results", () => {
  it("supports callback, context.succeed, context.fail", async () => {
    expect(ok(await invoke(F.callback, { n: 7 }))).toEqual({ via: "callback", n: 7 });
    expect(ok(await invoke(F.succeed))).toEqual({ via: "succeed" });
    const f = failed(await invoke(F.fail));
    expect(f.kind).toBe("error");
    expect(f.error).toMatchObject({ errorType: "Error", errorMessage: "failed via context" });
  });

  it("answers null for a sync handler that returns without calling back (event loop drained)", async () => {
    expect(ok(await invoke(F.syncReturn))).toBeNull();
  });

  it("callbackWaitsForEmptyEventLoop: waits for pending timers unless set to false", async () => {
    const t0 = Date.now();
    expect(ok(await invoke(F.callbackWaits))).toBe("waited");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    // Warm, so that the clock holds the invocation alone, not a worker's start (seconds on a loaded machine): an
    // answer that waited for the handler's 3 s timer would take ≥ 3000 ms.
    await runtime.warm(F.callbackNoWait);
    const t1 = Date.now();
    expect(ok(await invoke(F.callbackNoWait))).toBe("no-wait");
    expect(Date.now() - t1).toBeLessThan(1500);
  });

  it("serialises results like Lambda: JSON round-trip, undefined → null", async () => {
    expect(ok(await invoke(F.undef))).toBeNull();
    expect(ok(await invoke(F.dates))).toEqual({ when: "1970-01-01T00:00:00.000Z" });
    const c = failed(await invoke(F.circular));
    expect(c.error).toMatchObject({ errorType: "Error", errorMessage: "Unable to stringify response body" });
  });

  it("caps the response at 6 MB (6291556 bytes) with Function.ResponseSizeTooLarge", async () => {
    expect(ok(await invoke(F.big, { size: 6291556 - 2 }))).toHaveLength(6291556 - 2); // quotes make it exactly the limit
    const r = failed(await invoke(F.big, { size: 6291556 }));
    expect(r.kind).toBe("error");
    expect(r.error).toEqual({
      errorType: "Function.ResponseSizeTooLarge",
      errorMessage: "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
      trace: [],
    });
  });

  it("gives the handler its own copy of the event", async () => {
    const event = { nested: { value: "original" } };
    expect(ok(await invoke(F.mutate, event))).toEqual({ nested: { value: "changed" }, added: true });
    expect(event).toEqual({ nested: { value: "original" } });
  });

  // nodejs.org/api/fs.html#fswritefd-buffer-offset-length-position-callback: "If this method is invoked as its
  // util.promisify()ed version, it returns a promise for an Object with bytesWritten and buffer properties" (read,
  // readv and writev alike). The runtime wraps these functions to route stdout / stderr / stdin; the wrappers must
  // keep that.
  it("keeps util.promisify of fs.read / write / writev / exists as Node has it", async () => {
    expect(ok(await invoke(F.promisifiedFs))).toEqual({ write: ["bytesWritten", "buffer"], writev: ["bytesWritten", "buffer"], read: ["bytesRead", "buffer"], text: "abcde", exists: true });
  });

  it("delivers events of any size whole: in the 64 KiB shared buffer, across its end, and on the port beyond it", async () => {
    // Two-byte characters around the buffer's end (the invocation also holds its request id and deadline): some
    // invocations fit, one ends in a character split by the end, the rest go on the port; then 1 MB of them.
    for (const n of [32_700, 32_720, 32_740, 32_750, 32_760, 32_770, 32_780, 32_800, 500_000]) {
      const event = { text: "é".repeat(n), n };
      expect((ok(await invoke(F.echo, event)) as { event: unknown }).event).toEqual(event);
    }
  });
});

describe("errors", () => {
  it("shapes thrown errors as errorType/errorMessage/trace", async () => {
    const r = failed(await invoke(F.throws));
    expect(r.kind).toBe("error");
    expect(r.error.errorType).toBe("ValidationError");
    expect(r.error.errorMessage).toBe("bad input");
    expect(r.error.trace[0]).toBe("ValidationError: bad input");
    expect(r.error.trace.length).toBeGreaterThan(1);
    const s = failed(await invoke(F.throwsSync));
    expect(s.error).toMatchObject({ errorType: "TypeError", errorMessage: "sync boom" });
  });

  it("reports callback('Unauthorized') as errorType string", async () => {
    const r = failed(await invoke(F.callbackString));
    expect(r.error).toEqual({ errorType: "string", errorMessage: "Unauthorized", trace: [] });
  });

  it("reports a rejected promise like a thrown error", async () => {
    const r = failed(await invoke(F.rejects));
    expect(r.kind).toBe("error");
    expect(r.error).toMatchObject({ errorType: "Error", errorMessage: "rejected" });
  });

  it("reports unhandled rejections as Runtime.UnhandledPromiseRejection and replaces the environment", async () => {
    const r = failed(await invoke(F.unhandled));
    expect(r.kind).toBe("crash");
    expect(r.error.errorType).toBe("Runtime.UnhandledPromiseRejection");
    expect(r.error.errorMessage).toBe("Error: nobody listens");
    const again = failed(await invoke(F.unhandled));
    expect(again.error.errorType).toBe("Runtime.UnhandledPromiseRejection");
  });

  it("reports an asynchronous uncaught exception and the environment is replaced", async () => {
    const r = failed(await invoke(F.asyncThrow));
    expect(r.kind).toBe("crash");
    expect(r.error).toMatchObject({ errorType: "Error", errorMessage: "thrown later" });
    expect(failed(await invoke(F.asyncThrow)).kind).toBe("crash");
  });

  it("process.exit(1) → Runtime.ExitError crash; the next invocation works", async () => {
    const requestId = rid();
    const r = failed(await invoke(F.exit, {}, requestId));
    expect(r.kind).toBe("crash");
    expect(r.error).toEqual({
      errorType: "Runtime.ExitError",
      errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: exit status 1`,
      trace: [],
    });
    expect(ok(await invoke(F.counter))).toHaveProperty("count");
    expect(failed(await invoke(F.exit)).kind).toBe("crash");
  });

  it("running out of memory → Runtime.OutOfMemory crash", async () => {
    const r = failed(await invoke(F.oom));
    expect(r.kind).toBe("crash");
    expect(r.error.errorType).toBe("Runtime.OutOfMemory");
    expect(r.error.errorMessage).toMatch(/Runtime exited with error: signal: killed$/);
  });

  it("unknown logical id → error", async () => {
    const r = failed(await invoke("NoSuchFunction"));
    expect(r.error.errorType).toBe("ResourceNotFoundException");
  });
});

describe("context and environment", () => {
  it("fills the context object", async () => {
    const requestId = rid();
    const p = ok(await invoke(F.echo, { hello: "world" }, requestId)) as { event: unknown; context: Record<string, unknown> };
    expect(p.event).toEqual({ hello: "world" });
    const f = functions[F.echo]!;
    expect(p.context).toMatchObject({
      awsRequestId: requestId,
      functionName: f.functionName,
      functionVersion: "$LATEST",
      invokedFunctionArn: f.arn,
      memoryLimitInMB: "256",
      logGroupName: `/aws/lambda/${f.functionName}`,
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(p.context.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(p.context.remaining).toBeGreaterThan(2500);
    expect(p.context.remaining).toBeLessThanOrEqual(3000);
  });

  it("getRemainingTimeInMillis decreases", async () => {
    const p = ok(await invoke(F.remaining)) as { first: number; second: number };
    expect(p.first).toBeLessThanOrEqual(3000);
    expect(p.first - p.second).toBeGreaterThanOrEqual(100);
  });

  it("sets function and reserved environment variables, without leaking the gateway's env", async () => {
    process.env.GATEPROOF_SECRET_TEST = "leak";
    try {
      const env = ok(await invoke(F.env)) as Record<string, string>;
      const f = functions[F.env]!;
      expect(env).toMatchObject({
        TABLE_NAME: "pets",
        AWS_LAMBDA_FUNCTION_NAME: f.functionName,
        AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
        AWS_REGION: "us-east-1",
        AWS_DEFAULT_REGION: "us-east-1",
        AWS_EXECUTION_ENV: "AWS_Lambda_nodejs20.x",
        LAMBDA_TASK_ROOT: codeDir,
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${f.functionName}`,
        TZ: ":UTC",
      });
      expect(env.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(/\[\$LATEST\]/);
      expect(env.PATH).toBe(process.env.PATH);
      expect(env.GATEPROOF_SECRET_TEST).toBeUndefined();
      expect(process.env.TABLE_NAME).toBeUndefined();
    } finally {
      delete process.env.GATEPROOF_SECRET_TEST;
    }
  });
});

describe("pool", () => {
  // AWS Lambda developer guide, "Lambda execution environment lifecycle": the environment is frozen after the
  // function completes, and "background processes or callbacks that were initiated by your function and did not
  // complete when the function ended resume if Lambda reuses the execution environment"; "Lambda context object in
  // Node.js": with callbackWaitsForEmptyEventLoop false, "any outstanding events continue to run during the next
  // invocation".
  it("freezes the environment between invocations: what a handler left running resumes in the next one", async () => {
    for (const id of [F.leaveTimer, F.callbackNoWaitTimer]) {
      const [first, second] = [rid(), rid()];
      const leftBehind = (l: string) => l.includes(`left behind by ${first}`);
      expect(ok(await invoke(id, { tag: first }, first))).toBe("returned");
      await new Promise((r) => setTimeout(r, 300)); // the 20 ms timer would have fired 15 times over
      expect(lines.some(leftBehind)).toBe(false);
      expect(ok(await invoke(id, { tag: second }, second))).toBe("returned");
      // Thawed by the second invocation, the overdue timer runs then (here right after the handler answered, before
      // the environment freezes again, as Lambda's runtime only asks for the next event from a setImmediate).
      await vi.waitFor(() => expect(lines.some(leftBehind)).toBe(true), { timeout: 2000 });
      expect(lines.findIndex(leftBehind)).toBeGreaterThan(lines.indexOf(`START RequestId: ${second} Version: $LATEST\n`));
    }
  });

  // RIC Runtime.js: with callbackWaitsForEmptyEventLoop true the result is posted on 'beforeExit', when nothing at all
  // keeps the event loop alive, a timer an earlier invocation left behind included.
  it("waits for the handler's own timer when a timer left by an earlier invocation is pending at thaw", async () => {
    const [first, second] = [rid(), rid()];
    expect(ok(await invoke(F.callbackTimer, { tag: first, leave: true, ms: 20 }, first))).toBe("returned");
    await new Promise((r) => setTimeout(r, 100)); // frozen: the first timer is overdue when the second invocation thaws it
    const result = await invoke(F.callbackTimer, { tag: second, ms: 200 }, second);
    expect(ok(result)).toBe("returned");
    expect(result.durationMs).toBeGreaterThanOrEqual(190);
    const start = lines.indexOf(`START RequestId: ${second} Version: $LATEST\n`);
    const end = lines.indexOf(`END RequestId: ${second}\n`);
    for (const tag of [first, second]) {
      const at = lines.findIndex((l) => l.includes(`\t${second}\tINFO\ttimer of ${tag}`));
      expect(at).toBeGreaterThan(start);
      expect(at).toBeLessThan(end);
    }
  });

  it("reuses a warm environment: module state persists", async () => {
    const rt = new LambdaRuntime({ C: fn("C", "basic.counter") }, { log: () => {} });
    try {
      await rt.warm("C");
      const counts = [];
      for (let i = 0; i < 3; i++) counts.push((ok(await rt.invoke("C", {}, { requestId: rid() })) as { count: number }).count);
      expect(counts).toEqual([1, 2, 3]);
    } finally {
      await rt.close();
    }
  });

  it("runs parallel invocations in several environments (~one handler time)", async () => {
    const rt = new LambdaRuntime({ S: fn("S", "basic.slow") }, { log: () => {}, maxWorkersPerFunction: 4 });
    try {
      // Start all four environments first (overlapping invocations force new workers), so the measured round
      // compares 4 × 500 ms run in parallel (~500 ms) with run in sequence (2000 ms), not worker start-up times.
      await Promise.all(Array.from({ length: 4 }, () => rt.invoke("S", { ms: 300 }, { requestId: rid() })));
      const t0 = Date.now();
      const results = await Promise.all(
        Array.from({ length: 4 }, () => rt.invoke("S", { ms: 500 }, { requestId: rid() })),
      );
      const elapsed = Date.now() - t0;
      const threads = new Set(results.map((r) => (ok(r) as { threadId: number }).threadId));
      expect(threads.size).toBe(4);
      expect(elapsed).toBeLessThan(1400);
    } finally {
      await rt.close();
    }
  });

  it("queues beyond maxWorkersPerFunction, FIFO, one invocation per environment", async () => {
    const rt = new LambdaRuntime({ S: fn("S", "basic.slow") }, { log: () => {}, maxWorkersPerFunction: 2 });
    try {
      await rt.warm("S");
      const t0 = Date.now();
      const order: number[] = [];
      const results = await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          rt.invoke("S", { ms: 300 }, { requestId: rid() }).then((r) => (order.push(i), r)),
        ),
      );
      const elapsed = Date.now() - t0;
      expect(new Set(results.map((r) => (ok(r) as { threadId: number }).threadId)).size).toBe(2);
      expect(elapsed).toBeGreaterThanOrEqual(580);
      expect(order.slice(0, 2).sort()).toEqual([0, 1]);
    } finally {
      await rt.close();
    }
  });

  it("times out at the configured time, terminates the environment, and keeps working", async () => {
    // The function's Timeout counts the invocation, not the environment's start before it (on AWS the init phase has
    // limits of its own): warm, the clock below holds the invocation alone.
    await runtime.warm(F.sleep);
    const requestId = rid();
    const t0 = Date.now();
    const r = failed(await invoke(F.sleep, { ms: 5000 }, requestId));
    const elapsed = Date.now() - t0;
    expect(r.kind).toBe("timeout");
    expect(r.error).toEqual({
      errorType: "Sandbox.Timedout",
      errorMessage: `RequestId: ${requestId} Error: Task timed out after 1.00 seconds`,
      trace: [],
    });
    // Never before the 1 s Timeout; after it by no more than a loaded machine delays a timer, and long before the
    // handler's own end at 5 s, where an invocation whose timeout is not enforced would end.
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(elapsed).toBeLessThan(2500);
    expect(lines.some((l) => l.includes(`${requestId} Task timed out after 1.00 seconds`))).toBe(true);
    expect(ok(await invoke(F.sleep, { ms: 10 }))).toBe("woke");
  });

  it("judges the deadline by when the function answered, not by when the gateway's thread got round to reading it", async () => {
    // The pool runs on this thread: holding it in a busy loop is a gateway whose event loop lags (a long synchronous
    // transform, a GC pause), while the environment's thread runs on.
    const holdThisThread = (ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until);
    };
    const report = (requestId: string) => lines.find((l) => l.startsWith(`REPORT RequestId: ${requestId}\t`)) ?? "";
    await runtime.warm(F.sleep);
    // Answers 150 ms after its 1 s Timeout, read 400 ms after it: on Lambda the environment was stopped at 1 s.
    const late = rid();
    const handedOver = Date.now();
    const lateResult = invoke(F.sleep, { ms: 1150 }, late);
    holdThisThread(1400);
    expect(failed(await lateResult).kind).toBe("timeout");
    const timedOut = lines.find((l) => l.endsWith(` ${late} Task timed out after 1.00 seconds\n`)) ?? "";
    // Stamped at the deadline, not when this thread got round to it.
    expect(Date.parse(timedOut.split(" ")[0]!) - handedOver).toBeGreaterThanOrEqual(999);
    expect(Date.parse(timedOut.split(" ")[0]!) - handedOver).toBeLessThan(1200);
    expect(report(late)).toMatch(/\tDuration: 1000\.00 ms\tBilled Duration: 1000 ms\t.*\tStatus: timeout\n$/);
    // Answers at 0.5 s, read at 1.4 s: in time, and its Duration is its own.
    await runtime.warm(F.sleep);
    const inTime = rid();
    const inTimeResult = invoke(F.sleep, { ms: 500 }, inTime);
    holdThisThread(1400);
    expect(ok(await inTimeResult)).toBe("woke");
    const duration = Number(/\tDuration: ([\d.]+) ms/.exec(report(inTime))?.[1]);
    expect(duration).toBeGreaterThanOrEqual(500);
    expect(duration).toBeLessThan(900);
  });

  it("a handler spamming console.log in a tight loop times out without blocking the gateway", async () => {
    // Warm: a worker's start is not what is measured here.
    await Promise.all([runtime.warm(F.spin), runtime.warm(F.spinRaw)]);
    // The gateway's event loop must keep turning: measure the worst gap between 20 ms ticks.
    let last = Date.now();
    let maxGap = 0;
    const ticker = setInterval(() => {
      const now = Date.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 20);
    try {
      const t0 = Date.now();
      const r = failed(await invoke(F.spin));
      expect(r.kind).toBe("timeout");
      // Honest bounds on a busy 2-core machine: a blocked event loop would stall for the whole 1 s timeout or more.
      expect(Date.now() - t0).toBeLessThan(2500);
      expect(maxGap).toBeLessThan(800);
      const r2 = failed(await invoke(F.spinRaw));
      expect(r2.kind).toBe("timeout");
    } finally {
      clearInterval(ticker);
    }
    expect(lines.some((l) => l.endsWith("\tINFO\tspam spam spam\n"))).toBe(true);
    expect(lines).toContain("raw spam\n");
  });

  it("raw process.stdout writes block like Lambda's stdout pipe instead of queueing until the heap is gone", async () => {
    // On Lambda a handler writing to stdout in a loop is slowed by the pipe and ends at its timeout. Queued without
    // back-pressure, the writes filled a 64 MB function's heap within its 3 s: Runtime.OutOfMemory instead.
    await runtime.warm(F.spinRawSmall);
    const r = failed(await invoke(F.spinRawSmall));
    expect(r.kind).toBe("timeout");
  });

  it("close() settles pending invocations as crash", async () => {
    const rt = new LambdaRuntime({ S: fn("S", "basic.sleep") }, { log: () => {} });
    const pending = rt.invoke("S", { ms: 5000 }, { requestId: "r-close" });
    await new Promise((r) => setTimeout(r, 300));
    await rt.close();
    const r = failed(await pending);
    expect(r.kind).toBe("crash");
  });
});

describe("logs", () => {
  it("tags console output and writes START / END / REPORT", async () => {
    const requestId = rid();
    expect(ok(await invoke(F.logs, {}, requestId))).toBe("logged");
    const mine = lines.filter((l) => l.includes(requestId));
    const tagged = (level: string, msg: string) =>
      new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\t${requestId}\\t${level}\\t${msg}\\n$`);
    expect(mine[0]).toBe(`START RequestId: ${requestId} Version: $LATEST\n`);
    expect(mine.some((l) => tagged("INFO", "hello world").test(l))).toBe(true);
    expect(mine.some((l) => tagged("ERROR", "bad").test(l))).toBe(true);
    expect(mine.some((l) => tagged("WARN", "careful").test(l))).toBe(true);
    expect(mine.some((l) => tagged("INFO", "fyi").test(l))).toBe(true);
    expect(mine.some((l) => tagged("DEBUG", "details").test(l))).toBe(true);
    expect(mine.some((l) => tagged("INFO", "multi\rline").test(l))).toBe(true);
    expect(mine.at(-2)).toBe(`END RequestId: ${requestId}\n`);
    expect(mine.at(-1)).toMatch(
      new RegExp(
        `^REPORT RequestId: ${requestId}\\tDuration: \\d+\\.\\d\\d ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB(\\tInit Duration: \\d+\\.\\d\\d ms)?\\n$`,
      ),
    );
  });
});
