// @ts-check
/**
 * Worker bootstrap: one Lambda execution environment inside a worker_thread.
 *
 * Plain JavaScript on purpose: it must run in worker threads without a TS loader (under tsx and vitest alike).
 * Mirrors the AWS Lambda Node.js runtime interface client (github.com/aws/aws-lambda-nodejs-runtime-interface-client,
 * src/UserFunction.js, src/Runtime.js, src/CallbackContext.js, src/Errors.js, src/LogPatch.js, src/RAPIDClient.js).
 *
 * Protocol (see protocol.ts for the TS view):
 *   parent → worker  '[requestId, deadlineMs, event]' (one JSON text per invocation, as UTF-8 in `invocationBuffer`,
 *                    or on parentPort when it does not fit there; see INVOCATION_BYTES)
 *   worker → parent  on `toGateway` (a MessagePort the gateway can read synchronously, see POSTED):
 *                    { type: "ready", initMs } | { type: "initError", error }
 *                    { type: "log", text }  (text = one Lambda text-format line, flow-controlled through LOG_CHARS_READ)
 *                    { type: "output", stream, chunk }  (raw output to stdout / stderr by any path, string or bytes,
 *                    flow-controlled the same way)
 *                    '[requestId, maxMemoryUsedMB, finishedAt, payload]' (one JSON text: a successful result)
 *                    { type: "error", requestId, error, fatal, maxMemoryUsedMB, finishedAt }
 *                    (finishedAt: sharedClockMs() of protocol.ts when the result was posted: the gateway judges the
 *                    deadline and reports Duration by it, not by when its own thread got round to reading the result)
 *   shared memory    Int32 slots of `sharedBuffer`: LOG_CHARS_READ (gateway → worker), FINISHED (worker → gateway),
 *                    PICKED_UP_AT (0 from the gateway at hand-over, then the worker's clock when it picks the invocation up),
 *                    POSTED (worker → gateway: messages posted so far), DISPATCHED (gateway → worker: invocations
 *                    handed over so far; the worker's thread blocks on it between invocations, see
 *                    takeNextInvocation), INVOCATION_BYTES (gateway → worker: the length of the invocation in
 *                    `invocationBuffer`, −1 when it is on parentPort), EXIT_CODE and the BigInt64 EXITED_AT (worker →
 *                    gateway: the code and sharedClockMs() in ns when the thread began to exit)
 */
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import Module, { createRequire, syncBuiltinESMExports } from "node:module";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import tty from "node:tty";
import { pathToFileURL } from "node:url";
import util from "node:util";
import v8 from "node:v8";
import { routeStdioFds } from "./stdio-fds.mjs";

if (!parentPort) throw new Error("worker.mjs must run inside a worker thread");
const port = parentPort;

/** @type {{ codeDir: string; handler: string; sharedBuffer: SharedArrayBuffer; invocationBuffer: SharedArrayBuffer; maxUnackedChars: number;
 *   toGateway: import("node:worker_threads").MessagePort;
 *   context: { functionName: string; functionVersion: string; invokedFunctionArn: string; memoryLimitInMB: string;
 *   logGroupName: string; logStreamName: string } }} */
const data = workerData;

// 6 MB synchronous invoke limit. Wording as Lambda returns it (seen verbatim in API Gateway's
// "Lambda Customer Function Error:" logs, github.com/DataBiosphere/azul/issues/7466; errorType per
// github.com/umihico/pythonista-chromeless/issues/11).
const MAX_RESPONSE_BYTES = 6291556;

// ---------------------------------------------------------------- errors (RIC src/Errors.js)

/** @param {string} name */
function runtimeErrorClass(name) {
  const C = class extends Error {};
  Object.defineProperty(C, "name", { value: name });
  C.prototype.name = `Runtime.${name}`;
  return C;
}
const ImportModuleError = runtimeErrorClass("ImportModuleError");
const HandlerNotFound = runtimeErrorClass("HandlerNotFound");
const MalformedHandlerName = runtimeErrorClass("MalformedHandlerName");
const UserCodeSyntaxError = runtimeErrorClass("UserCodeSyntaxError");
const UnhandledPromiseRejection = runtimeErrorClass("UnhandledPromiseRejection");

/** @param {any} obj */
function isErrorLike(obj) {
  return (
    obj && typeof obj.name === "string" && obj.name && typeof obj.message === "string" && obj.message &&
    typeof obj.stack === "string" && obj.stack
  );
}

/**
 * RIC `toRapidResponse`: Errors → name/message/stack lines; anything else → `typeof` / toString() / [].
 * @param {any} error
 * @returns {{ errorType: string; errorMessage: string; trace: string[] }}
 */
function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || isErrorLike(error)) {
      return {
        errorType: String(error.name),
        errorMessage: String(error.message),
        trace: typeof error.stack === "string" ? error.stack.split("\n") : [],
      };
    }
    return { errorType: typeof error, errorMessage: String(error.toString()), trace: [] };
  } catch {
    return {
      errorType: "handled",
      errorMessage:
        "callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack",
      trace: [],
    };
  }
}

// ---------------------------------------------------------------- logging (RIC src/LogPatch.js, text format)

/** @type {string | undefined} */
let currentRequestId;
// SharedState slots of protocol.ts.
const LOG_CHARS_READ = 0;
const FINISHED = 1;
const PICKED_UP_AT = 2;
const POSTED = 3;
const DISPATCHED = 4;
const INVOCATION_BYTES = 5;
const EXIT_CODE = 6;
/** A BigInt64 slot. */
const EXITED_AT = 4;
const shared = new Int32Array(data.sharedBuffer);
let sentChars = 0;
/**
 * The in-flight invocation's deadline (Date.now() ms), 0 while none is in flight: what it writes after it is dropped.
 * Lambda stops the environment at the deadline, so nothing written later reaches the log; the gateway reads what was
 * posted when its timeout fires, which, when its thread lags behind the deadline, would take in output written after it.
 */
let outputDeadline = 0;

/**
 * Everything for the gateway goes through one port, in the order it happened, and is counted once it is on its way:
 * when a timeout fires, the gateway reads what was posted before (output written up to the deadline, a result
 * posted in time) ahead of its own timeout line, though it has not been delivered yet.
 * @param {any} message @param {ArrayBuffer[]} [transfer]
 */
function post(message, transfer) {
  data.toGateway.postMessage(message, transfer);
  Atomics.add(shared, POSTED, 1);
}

/**
 * Post one log line, or raw output of `stream`; blocks (like a full stdout pipe) while the gateway is too far behind.
 * @param {string | Uint8Array} text a log line, or what was written (characters and bytes count alike)
 * @param {"stdout" | "stderr"} [stream]
 */
function emit(text, stream) {
  // (sent - acked) with 32-bit wrap-around.
  while (((sentChars - Atomics.load(shared, LOG_CHARS_READ)) | 0) > data.maxUnackedChars) {
    Atomics.wait(shared, LOG_CHARS_READ, Atomics.load(shared, LOG_CHARS_READ), 50);
  }
  if (outputDeadline !== 0 && Date.now() > outputDeadline) return;
  sentChars = (sentChars + text.length) | 0;
  if (!stream) post({ type: "log", text });
  else if (typeof text === "string") post({ type: "output", stream, chunk: text });
  else post({ type: "output", stream, chunk: text }, [/** @type {ArrayBuffer} */ (text.buffer)]);
}

/** @param {string} level */
function logger(level) {
  /** @param {any[]} args */
  return (...args) => {
    const line = `${new Date().toISOString()}\t${currentRequestId}\t${level}\t${util.format(...args)}`;
    emit(line.replace(/\n/g, "\r") + "\n");
  };
}
console.log = logger("INFO");
console.info = logger("INFO");
console.warn = logger("WARN");
console.error = logger("ERROR");
console.debug = logger("DEBUG");
console.trace = logger("TRACE");
/** @type {any} */ (console).fatal = logger("FATAL");

// Raw output: on Lambda, process.stdout / process.stderr are the runtime process's fds 1 and 2, read by the log capture,
// so every way of writing to them lands in one log stream in the order written. In a worker they are streams queued to
// the gateway's thread without bound (a handler writing in a loop grew its heap until Runtime.OutOfMemory, where
// Lambda's stdout pipe blocks the writer), and fds 1 and 2 are the gateway's own. So all of it goes to `capture`: the
// streams' own _write / _writev (under write, end(chunk), cork/uncork, piping, the console methods the runtime leaves
// alone such as console.dir and console.table), fs writes to fd 1 / 2 and children inheriting them (stdio-fds.mjs).
// capture goes through emit (the same back-pressure as console.*), untagged as on Lambda; the gateway makes lines of it
// (output.ts), decoding bytes there so that a character split across writes is whole and one left unfinished is logged
// when the invocation ends.

/**
 * Raw output to `stream`.
 * @param {"stdout" | "stderr"} stream @param {string | ArrayBufferView} chunk @param {string} [encoding] of a string chunk
 * @returns {number} bytes written
 */
function capture(stream, chunk, encoding = "utf8") {
  if (typeof chunk === "string" && /^utf-?8$/i.test(encoding)) {
    if (chunk) emit(chunk, stream);
    return Buffer.byteLength(chunk, "utf8");
  }
  // Bytes, or a string in another encoding (hex, base64, …) standing for bytes: a copy of just them (a Buffer is often
  // a view into a shared pool), handed over without another copy.
  const view = typeof chunk === "string" ? Buffer.from(chunk, /** @type {BufferEncoding} */ (encoding)) : chunk;
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  if (bytes.byteLength > 0) emit(bytes.slice(), stream);
  return bytes.byteLength;
}

for (const [name, stream] of /** @type {const} */ ([["stdout", process.stdout], ["stderr", process.stderr]])) {
  // Writable calls these with the stream's own state (ended, corked, …) already applied, as a real stdout's would be.
  /** @type {any} */
  const writable = stream;
  writable._write = (/** @type {any} */ chunk, /** @type {string} */ encoding, /** @type {(error?: Error | null) => void} */ done) => {
    capture(name, chunk, encoding);
    done();
  };
  writable._writev = (/** @type {{ chunk: any; encoding: string }[]} */ chunks, /** @type {(error?: Error | null) => void} */ done) => {
    for (const { chunk, encoding } of chunks) capture(name, chunk, encoding);
    done();
  };
  // end() leaves fd 1 / 2 open on Lambda (Node never closes its stdio), so the capture goes on: nothing to tell the gateway.
  writable._final = (/** @type {(error?: Error | null) => void} */ done) => done();
  // Its fd, as the main thread's (a worker's streams have none): fs.writeSync(process.stdout.fd, …) writes to fd 1.
  writable.fd = name === "stdout" ? 1 : 2;
  // Nor can the stream be destroyed: as the main thread's process.stdout / stderr (dummyDestroy of Node's
  // lib/internal/bootstrap/switches/is_main_thread.js), it is writable again right after, so that
  // `pipeline(source, process.stdout)`, which ends and destroys it, leaves later writes (and invocations) their stdout.
  // Writable still emits the 'close' that pipeline() and finished() wait for.
  writable._destroy = function (/** @type {Error | null} */ error, /** @type {(error: Error | null) => void} */ done) {
    done(error);
    this._undestroy();
  };
}

// fs calls given fd 1 / 2 or /dev/stdout and the like, and child processes inheriting fds 1 / 2: the same capture.
routeStdioFds(capture);
// On Lambda fds 0-2 are never a terminal (stdout / stderr go to the log capture), but here they are the gateway's own: a
// terminal when `serve` runs in one, and colour libraries (supports-color, debug) ask tty.isatty(1) / (2) before writing
// ANSI escapes into the function's log. (process.stdin / stdout / stderr of a worker are not tty streams already: no
// isTTY, hasColors or getColorDepth.)
const isatty = tty.isatty;
tty.isatty = (/** @type {number} */ fd) => (fd === 0 || fd === 1 || fd === 2 ? false : isatty(fd));
// `import { writeSync } from "node:fs"`, `{ spawn } from "node:child_process"` or `{ isatty } from "node:tty"` in a
// handler sees these too.
syncBuiltinESMExports();

// ---------------------------------------------------------------- handler loading (RIC src/UserFunction.js)

/**
 * Whether the nearest package.json says `"type": "module"`, looking no higher than the task root: on Lambda the
 * code directory is /var/task and nothing above it has a package.json. (Locally, the user's repository often does.)
 * @param {string} folder @param {string} taskRoot @returns {boolean}
 */
function hasPackageJsonTypeModule(folder, taskRoot) {
  if (folder.endsWith(`${path.sep}node_modules`)) return false;
  const pj = path.join(folder, "package.json");
  if (existsSync(pj)) {
    try {
      return JSON.parse(readFileSync(pj, "utf8"))?.type === "module";
    } catch {
      return false;
    }
  }
  const parent = path.dirname(folder);
  return parent === folder || !isInside(parent, taskRoot) ? false : hasPackageJsonTypeModule(parent, taskRoot);
}

/** @param {string} file @param {string} folder */
function isInside(file, folder) {
  const relative = path.relative(folder, file);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

// Node decides whether a `.js` file is CommonJS from the nearest package.json anywhere above it. Lambda only sees
// the task root, so a function without its own package.json is CommonJS there even inside a `"type": "module"`
// repository: compile such files as CommonJS, as Lambda would.
const compileJs = Module._extensions[".js"];
Module._extensions[".js"] = function (module, filename) {
  if (isInside(filename, data.codeDir) && !hasPackageJsonTypeModule(path.dirname(filename), data.codeDir)) {
    return /** @type {any} */ (module)._compile(readFileSync(filename, "utf8"), filename);
  }
  return compileJs.call(this, module, filename);
};

const requireFromHere = createRequire(import.meta.url);

/** @param {string} file */
async function importFile(file) {
  return import(pathToFileURL(file).href);
}

/** @param {string} appRoot @param {string} moduleRoot @param {string} module */
async function tryLoad(appRoot, moduleRoot, module) {
  const base = path.resolve(appRoot, moduleRoot, module);
  if (existsSync(base) && !base.endsWith("/")) {
    try {
      return requireFromHere(base);
    } catch (e) {
      if (/** @type {any} */ (e)?.code !== "EISDIR") throw e;
    }
  }
  const typeModule = hasPackageJsonTypeModule(path.dirname(base), appRoot);
  // `.js` (ESM when a package.json inside the task root says so, else CommonJS), then `.mjs`, then `.cjs`.
  for (const ext of [".js", ".mjs", ".cjs"]) {
    if (existsSync(base + ext)) {
      if (ext === ".js" && !typeModule) return requireFromHere(base + ext);
      const ns = await importFile(base + ext);
      // For CommonJS files, import() exposes module.exports as `default` (plus detected named exports).
      if (ext === ".cjs") return ns.default ?? ns;
      return ns;
    }
  }
  // Fall back to Node resolution; its MODULE_NOT_FOUND message is what Lambda reports
  // ("Error: Cannot find module 'index'\nRequire stack:\n- /var/runtime/index.mjs").
  const resolved = requireFromHere.resolve(module, { paths: [appRoot, path.resolve(appRoot, moduleRoot)] });
  return requireFromHere(resolved);
}

/** @param {string} appRoot @param {string} fullHandler @returns {Promise<Function>} */
async function loadHandler(appRoot, fullHandler) {
  if (fullHandler.includes("..")) {
    throw new MalformedHandlerName(
      `'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const handlerString = path.basename(fullHandler);
  const moduleRoot = fullHandler.substring(0, fullHandler.indexOf(handlerString));
  const match = /^([^.]*)\.(.*)$/.exec(handlerString);
  if (!match) throw new MalformedHandlerName("Bad handler");
  const [, module = "", handlerPath = ""] = match;
  let app;
  try {
    app = await tryLoad(appRoot, moduleRoot, module);
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(String(e));
    if (/** @type {any} */ (e)?.code === "MODULE_NOT_FOUND") throw new ImportModuleError(String(e));
    throw e;
  }
  const fn = handlerPath.split(".").reduce((o, k) => o && o[k], app);
  if (!fn) throw new HandlerNotFound(`${fullHandler} is undefined or not exported`);
  if (typeof fn !== "function") throw new HandlerNotFound(`${fullHandler} is not a function`);
  return fn;
}

// ---------------------------------------------------------------- invocation (RIC src/Runtime.js + CallbackContext.js)

/** The in-flight invocation, for uncaughtException / unhandledRejection. @type {{ requestId: string } | null} */
let inFlight = null;

const usedHeapMB = () => Math.ceil(v8.getHeapStatistics().used_heap_size / (1024 * 1024));

/** Invocations this runtime has picked up (compared with DISPATCHED). */
let pickedUp = 0;
const invocationBuffer = Buffer.from(data.invocationBuffer);

/**
 * The runtime has finished its init or posted a result and asks for the next event: Lambda freezes the execution
 * environment then, and what the function left running — timers, promises, sockets — resumes only when the next
 * invocation thaws it ("Background processes or callbacks that were initiated by your function and did not complete
 * when the function ended resume if Lambda reuses the execution environment", Lambda execution environment
 * lifecycle; with callbackWaitsForEmptyEventLoop false "any outstanding events continue to run during the next
 * invocation", Lambda context object in Node.js). Lambda's runtime asks from a setImmediate after posting the result
 * (RIC Runtime.js), so this thread blocks there until the gateway has handed over the next invocation, then runs it.
 * The gateway can still terminate the thread while it waits.
 */
function takeNextInvocation() {
  const finished = pickedUp;
  setImmediate(() => {
    while (Atomics.load(shared, DISPATCHED) === finished) Atomics.wait(shared, DISPATCHED, finished);
    const bytes = Atomics.load(shared, INVOCATION_BYTES);
    invoke(
      /** @type {Function} */ (userHandler),
      bytes >= 0 ? invocationBuffer.toString("utf8", 0, bytes) : /** @type {{ message: string }} */ (receiveMessageOnPort(port)).message,
    );
  });
}

/** protocol.ts sharedClockMs(). */
const sharedClockMs = () => Number(process.hrtime.bigint()) / 1e6;

/** @param {string} requestId @param {string} payloadJson */
function postSuccess(requestId, payloadJson) {
  const message = `[${JSON.stringify(requestId)},${usedHeapMB()},${sharedClockMs()},${payloadJson}]`;
  outputDeadline = 0;
  // Free for the next invocation from now on.
  Atomics.add(shared, FINISHED, 1);
  post(message);
  takeNextInvocation();
}

/** @param {string} requestId @param {{ errorType: string; errorMessage: string; trace: string[] }} error @param {boolean} [fatal] */
function postFailure(requestId, error, fatal = false) {
  const maxMemoryUsedMB = usedHeapMB();
  outputDeadline = 0;
  // An environment about to exit is never free again.
  if (!fatal) Atomics.add(shared, FINISHED, 1);
  post({ type: "error", requestId, error, fatal, maxMemoryUsedMB, finishedAt: sharedClockMs() });
  if (!fatal) takeNextInvocation();
}

/**
 * Calls `onIdle` once nothing but the runtime's own ports keeps the event loop alive: Lambda's runtime posts the result
 * on 'beforeExit' (RIC Runtime.js `_setDefaultExitListener`), which waits for every timer, socket or request, those an
 * earlier invocation left behind included. (Counting only what the invocation added is wrong once an environment
 * freezes: a timer left behind is overdue at thaw, fires, and the handler's own timer takes its place in the count.)
 */
function whenEventLoopEmpty(/** @type {() => boolean} */ cancelled, /** @type {() => void} */ onIdle) {
  const poll = () => {
    if (cancelled()) return;
    if (process.getActiveResourcesInfo().some((type) => type !== "MessagePort")) setTimeout(poll, 1).unref();
    else onIdle();
  };
  setImmediate(poll);
}

const contextData = data.context;
/** Where a context keeps its callbackWaitsForEmptyEventLoop value (a symbol: not among its keys or its JSON). */
const WAITS_FOR_EMPTY_EVENT_LOOP = Symbol("callbackWaitsForEmptyEventLoop");
/** One accessor pair for every context: enumerable like the other fields, the value kept on the context itself. */
const CALLBACK_WAITS_FOR_EMPTY_EVENT_LOOP = {
  /** @this {any} */
  get() {
    return this[WAITS_FOR_EMPTY_EVENT_LOOP];
  },
  /** @this {any} @param {unknown} value */
  set(value) {
    this[WAITS_FOR_EMPTY_EVENT_LOOP] = Boolean(value);
  },
  enumerable: true,
  configurable: true,
};

/** @param {Function} handler @param {string} message the InvokeMessage */
function invoke(handler, message) {
  Atomics.store(shared, PICKED_UP_AT, Date.now() % 0x7fffffff || 1);
  pickedUp = (pickedUp + 1) | 0;
  const [requestId, deadlineMs, event] = /** @type {[string, number, unknown]} */ (JSON.parse(message));
  currentRequestId = requestId;
  outputDeadline = deadlineMs;
  inFlight = { requestId };
  let completed = false; // an outcome was posted
  let firstCallDone = false; // RIC: only the first call to callback/succeed/fail/done counts
  /** @type {{ result: any } | null} */
  let pendingSuccess = null;

  /** @param {any} err */
  const postError = (err) => {
    if (completed) return;
    completed = true;
    inFlight = null;
    const shape = toRapidResponse(err);
    // RIC CallbackContext.js `postError`: structuredConsole.logError('Invoke Error', err) before reporting.
    console.error("Invoke Error", "\t" + JSON.stringify({ errorType: shape.errorType, errorMessage: shape.errorMessage, stack: shape.trace }));
    postFailure(requestId, shape);
  };
  /** @param {any} result */
  const complete = (result) => {
    if (completed) return;
    let json;
    try {
      json = JSON.stringify(result === undefined ? null : result);
    } catch {
      // RIC src/RAPIDClient.js `_trySerializeResponse`; the runtime then reports it as an invocation error.
      postError(new Error("Unable to stringify response body"));
      return;
    }
    completed = true;
    inFlight = null;
    if (Buffer.byteLength(json, "utf8") > MAX_RESPONSE_BYTES) {
      postFailure(requestId, {
        errorType: "Function.ResponseSizeTooLarge",
        errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
        trace: [],
      });
      return;
    }
    postSuccess(requestId, json);
  };

  /** @param {Function} fn */
  const once = (fn) => (/** @type {any[]} */ ...args) => {
    if (firstCallDone) return;
    firstCallDone = true;
    fn(...args);
  };
  /** @param {any} err @param {any} result */
  const done = (err, result) => (err !== undefined && err !== null ? postError(err) : complete(result));
  const callback = once((/** @type {any} */ err, /** @type {any} */ result) => {
    if (err !== undefined && err !== null) postError(err);
    else if (!context[WAITS_FOR_EMPTY_EVENT_LOOP]) complete(result);
    else pendingSuccess = { result };
  });
  // Built in the same steps every time, so all contexts share one hidden class (an object literal with a getter
  // and setter makes a fresh accessor pair, and so a fresh shape, per invocation: several µs each).
  /** @type {any} */
  const context = {};
  Object.defineProperty(context, "callbackWaitsForEmptyEventLoop", CALLBACK_WAITS_FOR_EMPTY_EVENT_LOOP);
  context[WAITS_FOR_EMPTY_EVENT_LOOP] = true;
  context.succeed = once((/** @type {any} */ result) => done(null, result));
  context.fail = once((/** @type {any} */ err) => (err === undefined || err === null ? done("handled") : done(err, null)));
  context.done = once(done);
  context.functionName = contextData.functionName;
  context.functionVersion = contextData.functionVersion;
  context.invokedFunctionArn = contextData.invokedFunctionArn;
  context.memoryLimitInMB = contextData.memoryLimitInMB;
  context.logGroupName = contextData.logGroupName;
  context.logStreamName = contextData.logStreamName;
  context.clientContext = undefined;
  context.identity = undefined;
  context.awsRequestId = requestId;
  context.getRemainingTimeInMillis = () => Math.max(0, deadlineMs - Date.now());

  let returned;
  try {
    returned = handler(event, context, callback);
  } catch (err) {
    callback(err);
    return;
  }
  if (returned && typeof returned.then === "function") {
    returned.then(context.succeed, context.fail);
    return;
  }
  // Not a promise: the invocation ends at callback/succeed/fail/done, or when the event loop is empty
  // (then with the callback's result, or null if it was never called — RIC `_setDefaultExitListener`).
  whenEventLoopEmpty(() => completed, () => {
    if (pendingSuccess) complete(pendingSuccess.result);
    else if (!firstCallDone) complete(null);
  });
  // A callback(null, result) with callbackWaitsForEmptyEventLoop later set to false still completes at once.
  const check = () => {
    if (completed) return;
    if (pendingSuccess && !context[WAITS_FOR_EMPTY_EVENT_LOOP]) complete(pendingSuccess.result);
    else setTimeout(check, 1).unref();
  };
  setTimeout(check, 1).unref();
}

// When the thread began to exit, and with what code, for the gateway: it learns of the exit from the thread's end, as
// late as its own thread gets round to it, and judges it by this stamp (the clock of finishedAt): an exit after the
// invocation's deadline is a timeout, as on Lambda, which stops the environment at the deadline. Registered before the
// function is loaded, so it runs before any 'exit' listener of the function's.
process.on("exit", (code) => {
  Atomics.store(shared, EXIT_CODE, code);
  Atomics.store(new BigInt64Array(data.sharedBuffer), EXITED_AT, process.hrtime.bigint());
});

// Asynchronous failures are reported on the in-flight invocation, then the environment dies
// (RIC Runtime.js `_setErrorCallbacks`: uncaughtException → exit 129, unhandledRejection → exit 128).
process.on("uncaughtException", (error) => {
  console.error("Uncaught Exception", "\t" + JSON.stringify(toRapidResponse(error)));
  if (inFlight) postFailure(inFlight.requestId, toRapidResponse(error), true);
  inFlight = null;
  process.exit(129);
});
process.on("unhandledRejection", (reason) => {
  const error = new UnhandledPromiseRejection(/** @type {any} */ (reason)?.toString());
  console.error("Unhandled Promise Rejection", "\t" + JSON.stringify(toRapidResponse(error)));
  if (inFlight) postFailure(inFlight.requestId, toRapidResponse(error), true);
  inFlight = null;
  process.exit(128);
});

// ---------------------------------------------------------------- init

const initStart = performance.now();
/** @type {Function | null} */
let userHandler = null;
try {
  userHandler = await loadHandler(data.codeDir, data.handler);
} catch (err) {
  // The parent fails the waiting invocation with this and discards the environment (Lambda re-inits next time).
  post({ type: "initError", error: toRapidResponse(err), initMs: performance.now() - initStart });
}
if (userHandler) {
  // Invocations are taken by takeNextInvocation, so nothing listens on the port; ref'd, it keeps the environment's
  // event loop alive while a handler awaits something that never settles, as the runtime's wait for events does.
  port.ref();
  post({ type: "ready", initMs: performance.now() - initStart });
  takeNextInvocation();
}
