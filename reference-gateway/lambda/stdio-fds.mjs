// @ts-check
/**
 * fds 1 and 2 of a Lambda execution environment, for every way of reaching them besides the process.stdout /
 * process.stderr streams (which worker.mjs routes itself): fs calls given fd 1 / 2 or a path naming them, and child
 * processes that inherit them.
 *
 * On Lambda they are the runtime process's own fds 1 and 2, which the log capture reads: "any logging library that
 * writes to stdout or stderr" is logged (docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html), a child process
 * inherits them, and /dev/stdout (a link to /proc/self/fd/1) opens them again. In a worker thread they are the gateway's
 * own, so each of these goes to the one capture of worker.mjs instead, or it would reach the gateway's stdout unlogged.
 */
import childProcess, { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** @typedef {"stdout" | "stderr"} StdioStream */
/** @typedef {(stream: StdioStream, chunk: string | ArrayBufferView, encoding?: string) => number} Capture */

/**
 * Route fs and child_process output for fds 1 and 2 to `capture` (raw output of stdout / stderr; returns the bytes
 * written). Call before syncBuiltinESMExports(), so that named imports of node:fs and node:child_process see it too.
 * @param {Capture} capture
 */
export function routeStdioFds(capture) {
  const originals = Object.entries(fs).filter(([, value]) => typeof value === "function");
  const fds = stdioFds();
  routeFsWrites(capture, fds);
  routeFsFiles(capture, fds);
  routeFileHandles(capture, fds);
  routeChildProcesses(capture, fds);
  routeStdinReads(fds);
  // What Node hangs on an fs function stays on its replacement: util.promisify reads the names of fs.read / write /
  // readv / writev's results from one (Symbol(customPromisifyArgs)), so util.promisify(fs.write) resolves
  // { bytesWritten, buffer }, not a bare number; fs.exists carries its own promisified form.
  for (const [name, original] of originals) {
    const replacement = /** @type {any} */ (fs)[name];
    if (replacement === original) continue;
    for (const symbol of Object.getOwnPropertySymbols(original)) Object.defineProperty(replacement, symbol, /** @type {PropertyDescriptor} */ (Object.getOwnPropertyDescriptor(original, symbol)));
  }
}

/**
 * The fds standing for stdout and stderr: 1 and 2, and each fd the handler opened on a path naming them (opened on
 * /dev/null: a real fd, to read its flags from, fstat or close, whose writes never reach the gateway's fds).
 */
function stdioFds() {
  /** @type {Map<number, StdioStream>} */
  const streams = new Map([[1, "stdout"], [2, "stderr"]]);
  /** @param {unknown} fd @returns {StdioStream | undefined} */
  const ofFd = (fd) => (typeof fd === "number" ? streams.get(fd) : undefined);
  const procFd = new RegExp(`^/(?:dev/fd|proc/(?:self|thread-self|${process.pid})/fd)/(\\d+)$`);
  /** The absolute path an fs call's path argument names, or undefined if it is no path. @param {unknown} file */
  const pathName = (file) => {
    if (typeof file === "string") return path.resolve(file);
    if (Buffer.isBuffer(file)) return path.resolve(file.toString());
    if (file instanceof URL && file.protocol === "file:") return fileURLToPath(file);
    return undefined;
  };
  /**
   * The stream a path names: /dev/stdout, /dev/stderr, or /dev/fd/N and /proc/self/fd/N of a stdio fd.
   * @param {unknown} file @returns {StdioStream | undefined}
   */
  const ofPath = (file) => {
    const name = pathName(file);
    if (name === "/dev/stdout") return "stdout";
    if (name === "/dev/stderr") return "stderr";
    const fd = name === undefined ? undefined : procFd.exec(name)?.[1];
    return fd === undefined ? undefined : ofFd(Number(fd));
  };
  /** Whether a path names stdin: /dev/stdin, /dev/fd/0, /proc/self/fd/0. @param {unknown} file */
  const namesStdin = (file) => {
    const name = pathName(file);
    return name !== undefined && (name === "/dev/stdin" || procFd.exec(name)?.[1] === "0");
  };
  /** Of an fs call's first argument: fd 0 or a path naming stdin. @param {unknown} file */
  const readsStdin = (file) => file === 0 || namesStdin(file);
  /** What opening `file` opens: /dev/null for a path naming stdin (see routeStdinReads), else `file`. @param {unknown} file */
  const openedPath = (file) => (namesStdin(file) ? "/dev/null" : file);
  /** Of an fs call's first argument: an fd or a path. @param {unknown} file */
  const of = (file) => (typeof file === "number" ? ofFd(file) : ofPath(file));
  /** The FileHandles (fs.promises.open) the handler opened on a path naming stdout / stderr. @type {WeakMap<object, StdioStream>} */
  const handles = new WeakMap();
  /** Of an fs.promises call's first argument: a path or a FileHandle. @param {unknown} file */
  const ofPathOrHandle = (file) => (file !== null && typeof file === "object" && handles.get(file)) || ofPath(file);
  return { streams, ofFd, ofPath, of, handles, ofPathOrHandle, namesStdin, readsStdin, openedPath };
}

/** @typedef {ReturnType<typeof stdioFds>} StdioFds */

/**
 * What fs.writeSync / fs.write(fd, …) with these arguments (the callback taken off) writes: (buffer, offset?, length?,
 * position?), (buffer, { offset, length, position }) or (string, position?, encoding?). The position is ignored, as for
 * the pipe fds 1 and 2 are. Undefined for arguments fs itself rejects, so that it throws its own error.
 * @param {unknown} data @param {any} offsetOrOptions @param {any} length @returns {{ chunk: string | ArrayBufferView; encoding?: string } | undefined}
 */
function fsWriteChunk(data, offsetOrOptions, length) {
  if (typeof data === "string") {
    // fs writes a string in an encoding it does not know as UTF-8.
    return { chunk: data, encoding: typeof length === "string" && Buffer.isEncoding(length) ? length : "utf8" };
  }
  if (!ArrayBuffer.isView(data)) return undefined;
  const options = offsetOrOptions !== null && typeof offsetOrOptions === "object" ? offsetOrOptions : { offset: offsetOrOptions, length };
  const offset = typeof options.offset === "number" ? options.offset : 0;
  const size = typeof options.length === "number" ? options.length : data.byteLength - offset;
  if (!Number.isInteger(offset) || !Number.isInteger(size) || offset < 0 || size < 0 || offset + size > data.byteLength) return undefined;
  return { chunk: new Uint8Array(data.buffer, data.byteOffset + offset, size) };
}

/** Whether fs.writev would take `buffers`. @param {unknown} buffers @returns {buffers is ArrayBufferView[]} */
const isViews = (buffers) => Array.isArray(buffers) && buffers.every((b) => ArrayBuffer.isView(b));

/** @param {Capture} capture @param {StdioStream} stream @param {ArrayBufferView[]} buffers @returns {number} bytes written */
const captureAll = (capture, stream, buffers) => buffers.reduce((written, buffer) => written + capture(stream, buffer), 0);

/**
 * Writes by fd: write / writeSync, writev / writevSync (under fs.createWriteStream too, which calls them on the fs
 * module), and opening, closing an fd that stands for stdout / stderr.
 * @param {Capture} capture @param {StdioFds} fds
 */
function routeFsWrites(capture, fds) {
  const { writeSync, write, writevSync, writev, openSync, open, closeSync, close } = fs;
  const module = /** @type {any} */ (fs);
  module.writeSync = function (/** @type {any} */ fd, /** @type {any[]} */ ...args) {
    const stream = fds.ofFd(fd);
    const chunk = stream && fsWriteChunk(args[0], args[1], args[2]);
    return chunk ? capture(stream, chunk.chunk, chunk.encoding) : writeSync.call(fs, fd, ...args);
  };
  module.write = function (/** @type {any} */ fd, /** @type {any[]} */ ...args) {
    const stream = fds.ofFd(fd);
    const callback = args.at(-1);
    const chunk = stream && typeof callback === "function" && fsWriteChunk(args[0], args[1] === callback ? undefined : args[1], args[2] === callback ? undefined : args[2]);
    if (!chunk) return write.call(fs, fd, ...args);
    process.nextTick(callback, null, capture(stream, chunk.chunk, chunk.encoding), args[0]);
  };
  module.writevSync = function (/** @type {any} */ fd, /** @type {unknown} */ buffers, /** @type {any[]} */ ...args) {
    const stream = fds.ofFd(fd);
    return stream && isViews(buffers) ? captureAll(capture, stream, buffers) : writevSync.call(fs, fd, buffers, ...args);
  };
  module.writev = function (/** @type {any} */ fd, /** @type {unknown} */ buffers, /** @type {any[]} */ ...args) {
    const stream = fds.ofFd(fd);
    const callback = args.at(-1);
    if (!stream || !isViews(buffers) || typeof callback !== "function") return writev.call(fs, fd, buffers, ...args);
    process.nextTick(callback, null, captureAll(capture, stream, buffers), buffers);
  };
  module.openSync = function (/** @type {any} */ file, /** @type {any[]} */ ...args) {
    const stream = fds.ofPath(file);
    if (!stream) return openSync.call(fs, fds.openedPath(file), ...args);
    const fd = openSync.call(fs, "/dev/null", ...args);
    fds.streams.set(fd, stream);
    return fd;
  };
  module.open = function (/** @type {any} */ file, /** @type {any[]} */ ...args) {
    const stream = fds.ofPath(file);
    const callback = args.at(-1);
    if (!stream || typeof callback !== "function") return open.call(fs, fds.openedPath(file), ...args);
    open.call(fs, "/dev/null", ...args.slice(0, -1), (/** @type {Error | null} */ error, /** @type {number} */ fd) => {
      if (!error) fds.streams.set(fd, stream);
      callback(error, fd);
    });
  };
  // fds 0-2 are the gateway's: closing them (fs.createWriteStream(null, { fd: 1 }) does when it ends) would close the
  // gateway's stdout, so they stay open, as the environment's capture does (worker.mjs keeps capturing after end()).
  module.closeSync = function (/** @type {any} */ fd) {
    if (fd === 0 || fd === 1 || fd === 2) return;
    closeSync.call(fs, fd);
    fds.streams.delete(fd);
  };
  module.close = function (/** @type {any} */ fd, /** @type {any} */ callback) {
    if (fd === 0 || fd === 1 || fd === 2) {
      if (typeof callback === "function") process.nextTick(callback, null);
      return;
    }
    fds.streams.delete(fd);
    close.call(fs, fd, callback);
  };
}

/**
 * Data and encoding of writeFile / appendFile(file, data, options): undefined for data fs would reject (so that it
 * throws its own error) or iterate (fs.promises only, see below).
 * @param {unknown} data @param {unknown} options @returns {{ chunk: string | ArrayBufferView; encoding: string } | undefined}
 */
function fileData(data, options) {
  const encoding = typeof options === "string" ? options : (/** @type {any} */ (options)?.encoding ?? "utf8");
  if (typeof data === "string" || ArrayBuffer.isView(data)) return { chunk: data, encoding };
  return undefined;
}

/**
 * Whole-file writes: writeFile / appendFile and their Sync and fs.promises forms, given fd 1 / 2 (an fd or FileHandle
 * the handler opened on /dev/stdout too) or a path naming them.
 * @param {Capture} capture @param {StdioFds} fds
 */
function routeFsFiles(capture, fds) {
  const module = /** @type {any} */ (fs);
  const promises = /** @type {any} */ (fs.promises);
  for (const name of /** @type {const} */ (["writeFile", "appendFile"])) {
    const sync = fs[`${name}Sync`];
    module[`${name}Sync`] = function (/** @type {any} */ file, /** @type {any} */ data, /** @type {any} */ options) {
      const stream = fds.of(file);
      const write = stream && fileData(data, options);
      if (!write) return sync.call(fs, file, data, options);
      capture(stream, write.chunk, write.encoding);
    };
    const callbackForm = fs[name];
    module[name] = function (/** @type {any} */ file, /** @type {any} */ data, /** @type {any[]} */ ...args) {
      const stream = fds.of(file);
      const callback = args.at(-1);
      const write = stream && typeof callback === "function" && fileData(data, args.length > 1 ? args[0] : undefined);
      if (!write) return callbackForm.call(fs, file, data, ...args);
      capture(stream, write.chunk, write.encoding);
      process.nextTick(callback, null);
    };
    // fs.promises takes no fd number, but a path or a FileHandle.
    const promiseForm = promises[name];
    promises[name] = async function (/** @type {any} */ file, /** @type {any} */ data, /** @type {any} */ options) {
      const stream = fds.ofPathOrHandle(file);
      if (!stream) return promiseForm.call(promises, file, data, options);
      return captureFileData(capture, stream, data, options, () => promiseForm.call(promises, file, data, options));
    };
  }
}

/**
 * writeFile / appendFile of fs.promises or a FileHandle to `stream`: data as the callback forms take it, or an (async)
 * iterable of chunks; `otherwise()` for data fs would reject, so that it throws its own error.
 * @param {Capture} capture @param {StdioStream} stream @param {any} data @param {any} options
 * @param {() => Promise<void>} otherwise
 */
async function captureFileData(capture, stream, data, options, otherwise) {
  const write = fileData(data, options);
  if (write) {
    capture(stream, write.chunk, write.encoding);
    return;
  }
  if (data === null || typeof data !== "object" || !(Symbol.asyncIterator in data || Symbol.iterator in data)) return otherwise();
  const encoding = typeof options === "string" ? options : options?.encoding ?? "utf8";
  for await (const chunk of data) capture(stream, chunk, encoding);
}

/**
 * fs.promises.open of a path naming stdout / stderr: a FileHandle on /dev/null whose writes (write, writev, writeFile,
 * appendFile, and createWriteStream, which calls them) go to the capture. Its fd stands for the stream meanwhile.
 * @param {Capture} capture @param {StdioFds} fds
 */
function routeFileHandles(capture, fds) {
  const promises = /** @type {any} */ (fs.promises);
  const open = promises.open;
  promises.open = async function (/** @type {any} */ file, /** @type {any[]} */ ...args) {
    const stream = fds.ofPath(file);
    if (!stream) return open.call(promises, fds.openedPath(file), ...args);
    const handle = await open.call(promises, "/dev/null", ...args);
    const { fd, write, writev, writeFile, appendFile } = handle;
    fds.streams.set(fd, stream);
    fds.handles.set(handle, stream);
    handle.once("close", () => fds.streams.delete(fd));
    handle.write = async function (/** @type {any} */ data, /** @type {any[]} */ ...rest) {
      const chunk = fsWriteChunk(data, rest[0], rest[1]);
      if (!chunk) return write.call(handle, data, ...rest);
      return { bytesWritten: capture(stream, chunk.chunk, chunk.encoding), buffer: data };
    };
    handle.writev = async function (/** @type {any} */ buffers, /** @type {any[]} */ ...rest) {
      if (!isViews(buffers)) return writev.call(handle, buffers, ...rest);
      return { bytesWritten: captureAll(capture, stream, buffers), buffers };
    };
    handle.writeFile = (/** @type {any} */ data, /** @type {any} */ options) =>
      captureFileData(capture, stream, data, options, () => writeFile.call(handle, data, options));
    handle.appendFile = (/** @type {any} */ data, /** @type {any} */ options) =>
      captureFileData(capture, stream, data, options, () => appendFile.call(handle, data, options));
    return handle;
  };
}

/**
 * The stream an entry of a child's stdio option passes on, at `index`: 'inherit' (the parent's fd `index`), an fd, an
 * object with an fd, or process.stdout / process.stderr themselves (a worker's have no fd; Node would reject them).
 * The child's stdin is routeStdio's (inheritsStdin).
 * @param {StdioFds} fds @param {unknown} entry @param {number} index @returns {StdioStream | undefined}
 */
function inheritedStream(fds, entry, index) {
  if (index === 0) return undefined;
  if (entry === "inherit") return fds.ofFd(index);
  if (entry === process.stdout) return "stdout";
  if (entry === process.stderr) return "stderr";
  if (typeof entry === "number") return fds.ofFd(entry);
  if (entry !== null && typeof entry === "object" && "fd" in entry) return fds.ofFd(entry.fd);
  return undefined;
}

/**
 * fs reads of stdin. fd 0 of a Lambda runtime is /dev/null (see inheritsStdin): reading it gives nothing, at once;
 * here it is the gateway's own stdin, where a read would take what was typed at the gateway's terminal or wait for
 * it. So reads of fd 0 end at once, and a path naming stdin opens /dev/null (the open functions of routeFsWrites and
 * routeFileHandles, through StdioFds.openedPath). (A worker's process.stdin ends at once already.)
 * @param {StdioFds} fds
 */
function routeStdinReads(fds) {
  const module = /** @type {any} */ (fs);
  const promises = /** @type {any} */ (fs.promises);
  const { readSync, read, readFileSync, readFile } = module;
  const readFilePromise = promises.readFile;
  /** What reading an empty file gives with these options. @param {any} options */
  const nothing = (options) => ((typeof options === "string" ? options : options?.encoding) ? "" : Buffer.alloc(0));
  module.readSync = (/** @type {any} */ fd, /** @type {any[]} */ ...args) => (fd === 0 ? 0 : readSync.call(fs, fd, ...args));
  module.read = (/** @type {any} */ fd, /** @type {any[]} */ ...args) => {
    const callback = args.at(-1);
    if (fd !== 0 || typeof callback !== "function") return read.call(fs, fd, ...args);
    process.nextTick(callback, null, 0, ArrayBuffer.isView(args[0]) ? args[0] : args[0]?.buffer);
  };
  module.readFileSync = (/** @type {any} */ file, /** @type {any} */ options) => (fds.readsStdin(file) ? nothing(options) : readFileSync.call(fs, file, options));
  module.readFile = (/** @type {any} */ file, /** @type {any[]} */ ...args) => {
    const callback = args.at(-1);
    if (!fds.readsStdin(file) || typeof callback !== "function") return readFile.call(fs, file, ...args);
    process.nextTick(callback, null, nothing(args.length > 1 ? args[0] : undefined));
  };
  promises.readFile = async (/** @type {any} */ file, /** @type {any} */ options) =>
    fds.namesStdin(file) ? nothing(options) : readFilePromise.call(promises, file, options);
}

/**
 * Whether a child's stdin entry passes fd 0 on. The runtime's fd 0 on Lambda is /dev/null (the supervisor starts it
 * with no stdin: aws-lambda-runtime-interface-emulator lambda/supervisor/local_supervisor.go leaves exec.Cmd's Stdin
 * nil, which Go opens on os.DevNull); here it is the gateway's own, a terminal or a pipe a child would read or hang on.
 * @param {unknown} entry
 */
const inheritsStdin = (entry) =>
  entry === "inherit" || entry === 0 || entry === process.stdin || (entry !== null && typeof entry === "object" && "fd" in entry && entry.fd === 0);

/**
 * The stdio option with the entries that pass stdout / stderr on replaced by `replacement(stream)`, and which they were,
 * and one that passes stdin on replaced by 'ignore' (/dev/null, as on Lambda); undefined if there are none. (The string
 * forms: 'inherit' for all three, others pass nothing on.)
 * @template T @param {StdioFds} fds @param {unknown} stdio @param {(stream: StdioStream) => T} replacement
 * @returns {{ stdio: unknown[]; routed: { index: number; stream: StdioStream }[] } | undefined}
 */
function routeStdio(fds, stdio, replacement) {
  const entries = stdio === "inherit" ? ["inherit", "inherit", "inherit"] : Array.isArray(stdio) ? stdio : undefined;
  if (!entries) return undefined;
  /** @type {{ index: number; stream: StdioStream }[]} */
  const routed = [];
  let changed = false;
  const routedStdio = entries.map((entry, index) => {
    if (index === 0 && inheritsStdin(entry)) {
      changed = true;
      return "ignore";
    }
    const stream = inheritedStream(fds, entry, index);
    if (!stream) return entry;
    routed.push({ index, stream });
    return replacement(stream);
  });
  return routed.length > 0 || changed ? { stdio: routedStdio, routed } : undefined;
}

/**
 * Children that inherit fd 1 / 2 write to the environment's log on Lambda. Here they get a pipe (asynchronous forms) or
 * a file (synchronous forms) instead, whose content goes to the capture, and /dev/null for an inherited stdin; stdio
 * the handler pipes itself is left alone.
 * @param {Capture} capture @param {StdioFds} fds
 */
function routeChildProcesses(capture, fds) {
  // spawn, exec, execFile and fork all start their child through ChildProcess.prototype.spawn.
  const spawn = ChildProcess.prototype.spawn;
  ChildProcess.prototype.spawn = function (/** @type {any} */ options) {
    const route = routeStdio(fds, options?.stdio, () => "pipe");
    if (!route) return spawn.call(this, options);
    const result = spawn.call(this, { ...options, stdio: route.stdio });
    for (const { index, stream } of route.routed) {
      const pipe = this.stdio[index];
      // The child's stdio entry is what inheriting leaves there: nothing.
      this.stdio[index] = null;
      if (index === 1) this.stdout = null;
      if (index === 2) this.stderr = null;
      if (!pipe) continue;
      pipe.on("data", (/** @type {Buffer} */ chunk) => capture(stream, chunk));
      // An inherited fd keeps nothing alive in the parent; the child itself does until it exits. (What it wrote before
      // exiting was seen read before its 'exit', 229 kB of it too: the pipe became readable first. 'close' waits for
      // the pipe's end in any case.)
      pipe.unref();
    }
    return result;
  };

  // spawnSync, execSync and execFileSync each validate the stdio option themselves (none calls the exported others):
  // the child gets a file for each stream, logged once it has exited (a pipe would be read only by then too, and be
  // limited by maxBuffer).
  const module = /** @type {any} */ (childProcess);
  for (const name of /** @type {const} */ (["spawnSync", "execSync", "execFileSync"])) {
    const run = childProcess[name];
    module[name] = function (/** @type {any[]} */ ...args) {
      const at = args.findIndex((arg, i) => i > 0 && arg !== null && typeof arg === "object" && !Array.isArray(arg));
      const files = new Map();
      const route = at < 0 ? undefined : routeStdio(fds, args[at].stdio, (stream) => {
        if (!files.has(stream)) files.set(stream, unlinkedFile());
        return files.get(stream);
      });
      if (!route) return run.apply(childProcess, args);
      args[at] = { ...args[at], stdio: route.stdio };
      try {
        return run.apply(childProcess, args);
      } finally {
        for (const [stream, fd] of files) {
          readFile(fd, (chunk) => capture(stream, chunk));
          fs.closeSync(fd);
        }
      }
    };
  }
}

/** A file open for reading and writing with no name left (removed when closed). */
function unlinkedFile() {
  const file = path.join(os.tmpdir(), `gateproof-child-output-${randomUUID()}`);
  const fd = fs.openSync(file, "w+", 0o600);
  fs.unlinkSync(file);
  return fd;
}

/** @param {number} fd @param {(chunk: Uint8Array) => void} onChunk */
function readFile(fd, onChunk) {
  const buffer = Buffer.allocUnsafe(64 * 1024);
  for (let position = 0, read; (read = fs.readSync(fd, buffer, 0, buffer.length, position)) > 0; position += read) {
    onChunk(buffer.subarray(0, read));
  }
}
