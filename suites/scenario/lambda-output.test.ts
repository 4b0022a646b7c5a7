import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { send } from "../harness/target.ts";
import { referenceKeepingLog } from "../harness/reference.ts";
import { features } from "../harness/conformance.ts";
import { own } from "../harness/processes.ts";

/**
 * A function's raw process.stdout / process.stderr writes in the gateway's log, through a reference gateway serving
 * fixtures/lambda-output. Lambda's log capture makes one log event per line of stdout, whatever the writes were, and
 * holds a partial line until its newline or the end of the invocation (then it is an event of its own).
 */
describe("raw output of a Lambda function (reference gateway)", features(["rest.lambda-proxy"], { referenceOnly: true }), () => {
  const { lines, url } = referenceKeepingLog(new URL("./fixtures/lambda-output/template.yaml", import.meta.url).pathname);

  /** The invocation's log lines between its START and its END line (the invocation ends before the answer is sent). */
  const invocationLines = async (path: string, status: number) => {
    const from = lines.length;
    const response = await send("GET", path, { base: url() });
    expect(response.status).toBe(status);
    const start = lines.findIndex((line, i) => i >= from && line.startsWith("START RequestId: "));
    const requestId = lines[start]!.split(" ")[2];
    const end = lines.indexOf(`END RequestId: ${requestId}\n`, start);
    expect(end).toBeGreaterThan(start);
    return lines.slice(start + 1, end);
  };

  it("a line written in pieces is one line; a partial line is logged when the invocation ends", async () => {
    expect(await invocationLines("/pieces", 200)).toEqual(["abcdef\n", "on stderr\n", "no newline at the end\n"]);
  });

  it("a partial line is logged when the function times out, before the timeout line", async () => {
    const logged = await invocationLines("/spins", 502);
    expect(logged[0]).toBe("written before the timeout\n");
    expect(logged[1]).toMatch(/Task timed out after 1\.00 seconds\n$/);
    expect(logged).toHaveLength(2);
  });

  it("a character whose bytes came in separate writes is whole (stdout is a byte stream)", async () => {
    expect(await invocationLines("/bytes", 200)).toEqual(["é € 😀\n"]);
  });

  it("bytes of a character left unfinished are logged with the partial line when the invocation ends, not in the next one", async () => {
    // As a decoder's end() gives them: one U+FFFD.
    expect(await invocationLines("/unfinished", 200)).toEqual(["1:\uFFFD\n"]);
    expect(await invocationLines("/unfinished", 200)).toEqual(["2:\uFFFD\n"]);
  });

  // The largest log event Lambda makes of a line, in bytes: CloudWatch Logs' 262,144-byte event limit less the 26
  // bytes PutLogEvents counts per event. A longer line is split into several events, not truncated: seen cut after
  // 2^18 - 26 characters of an ASCII line written with process.stdout.write on Node.js 14 (stackoverflow.com/q/77175643)
  // and after ~262,119 (github.com/DataDog/datadog-serverless-functions/issues/462). CloudWatch Logs takes 1 MB events
  // since April 2025 (aws.amazon.com/about-aws/whats-new/2025/04/amazon-cloudwatch-logs-increases-log-event-size-1-mb),
  // but AWS has published nothing saying Lambda's capture changed with it.
  // Where a line is cut does not depend on how it was written, and a cut never splits a character.
  const MAX = 262_144 - 26;
  it("a line cut at the largest log event keeps a surrogate pair whole", async () => {
    expect(await invocationLines("/cut-on-pair", 200)).toEqual(["x".repeat(MAX - 2) + "\n", "😀\n"]);
  });

  it("a line longer than the largest log event is cut also when its newline came in the same write", async () => {
    expect(await invocationLines("/long-line", 200)).toEqual(["y".repeat(MAX) + "\n", "y".repeat(10) + "\n"]);
  });

  it("the largest log event is counted in bytes, not characters", async () => {
    const perEvent = Math.floor(MAX / 2);
    expect(await invocationLines("/two-byte-line", 200)).toEqual(["é".repeat(perEvent) + "\n", "é".repeat(200_000 - perEvent) + "\n"]);
  });

  it("a cut never splits a UTF-8 character, also one written a byte at a time", async () => {
    expect(await invocationLines("/cut-on-euro", 200)).toEqual(["x".repeat(MAX - 1) + "\n", "€\n"]);
  });

  /**
   * The lines `<word> <i>.<j>` a handler at `path` wrote, 100 per write, until its timeout: all in the order written
   * and before the timeout line, what was still on its way to the gateway when the timeout fired not logged later
   * either. Returns how many.
   */
  const floodedUpToTimeout = async (path: string, word: string) => {
    const logged = await invocationLines(path, 502);
    const timeout = logged.findIndex((line) => / Task timed out after 1\.00 seconds\n$/.test(line));
    expect(timeout).toBe(logged.length - 1);
    const written = logged.slice(0, timeout);
    expect(written.every((line, n) => line === `${word} ${Math.floor(n / 100)}.${n % 100}\n`)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(lines.filter((line) => line.startsWith(`${word} `)).length).toBe(written.length);
    return written.length;
  };

  it("everything written before the timeout is logged before the timeout line, nothing after it", async () => {
    expect(await floodedUpToTimeout("/flood", "flood")).toBeGreaterThan(0);
  });

  // On Lambda, process.stdout / stderr are fds 1 and 2 of the runtime process: however a handler writes to them, the log
  // has what it wrote in the order it wrote it.
  it("end(chunk) is output like a write, and fd 1 stays open after it", async () => {
    expect(await invocationLines("/end-chunk", 200)).toEqual(["first\n", "ended with a chunk\n", "stderr ended with a chunk\n", "after end\n"]);
  });

  it("corked writes are output when uncorked (as one writev), after what was written meanwhile", async () => {
    expect(await invocationLines("/corked", 200)).toEqual(["before cork\n", "while corked\n", "corked\n", "after uncork\n"]);
  });

  it("console.dir (not patched by the runtime) writes to stdout in order; console.table is a console.log line", async () => {
    const logged = await invocationLines("/console-stream", 200);
    expect(logged).toHaveLength(4);
    expect(logged[0]).toBe("before dir\n");
    expect(logged[1]).toBe("{ dir: 1 }\n");
    expect(logged[2]).toMatch(/\tINFO\t┌─+┬───┐\r│ \(index\) │ a │\r.*└─+┴───┘\n$/s);
    expect(logged[3]).toBe("after table\n");
  });

  it("fs.writeSync and fs.write to fd 1 and 2 are output, in order with stream writes", async () => {
    expect(await invocationLines("/fd-writes", 200)).toEqual([
      "stream fd 1 string\n",
      "fd 2 buffer\n",
      "fd 1 options\n",
      "fd 1 hex\n",
      "fd 1 async\n",
      "last\n",
    ]);
  });

  // /dev/stdout is a link to /proc/self/fd/1: opening it, or any path naming fd 1 / 2, writes to the log as fd 1 / 2 do
  // ("any logging library that writes to stdout or stderr", docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html).
  it("fs.writev, writeFile / appendFile (Sync, callback, promises), openSync, fs.promises.open and createWriteStream on fd 1 / 2, process.stdout.fd or /dev/stdout and the like are output", async () => {
    expect(await invocationLines("/fs-paths", 200)).toEqual([
      "writevSync fd 1\n",
      "writev fd 2\n",
      "writeFileSync fd 1\n",
      "appendFileSync /dev/stderr\n",
      "writeFileSync /proc/self/fd/1\n",
      "appendFile /dev/fd/2\n",
      "promises.writeFile /dev/stdout\n",
      "promises.appendFile iterable\n",
      "openSync /dev/stdout\n",
      "its /dev/fd\n",
      "process.stderr.fd 2\n",
      "FileHandle write\n",
      "FileHandle writeFile\n",
      "promises.appendFile FileHandle\n",
      "FileHandle createWriteStream\n",
      "createWriteStream /dev/stderr\n",
      "createWriteStream fd 1\n",
      "last\n",
    ]);
  });

  // A child process given stdio 'inherit' (or fd 1 / 2) writes to the parent's own fds 1 and 2
  // (nodejs.org/api/child_process.html#optionsstdio), on Lambda the log capture's: what it writes is in the function's
  // log. What the handler pipes itself is its own.
  it("synchronous children inheriting stdout / stderr (stdio 'inherit', fds 1 / 2, process.stdout) are output between the handler's lines", async () => {
    expect(await invocationLines("/children", 200)).toEqual([
      "before\n",
      "spawnSync inherit\n",
      "on stderr\n",
      "execFileSync fd 1\n",
      "execSync stdout is stderr\n",
      "execSync default stderr\n",
      "handler read: piped by the handler\n",
      "node child\n",
      "after\n",
    ]);
  });

  it("asynchronous children inheriting stdout / stderr (spawn, fork) are output, all of it before what the handler writes on 'exit'", async () => {
    const logged = await invocationLines("/children-async", 200);
    expect(logged).toEqual([
      "before\n",
      "child.stdout: null\n",
      ...Array.from({ length: 20000 }, (_, i) => `spawned ${i}\n`),
      "after exit\n",
      "forked\n",
      "handler read: exec piped by the handler\n",
      "on stderr\n",
    ]);
  });

  // Node's own process.stdout / stderr cannot be destroyed: their _destroy (dummyDestroy, lib/internal/bootstrap/switches/
  // is_main_thread.js) undoes the destruction, so `pipeline(src, process.stdout)`, which ends and destroys its
  // destination, leaves them writable; on Lambda nothing the runtime does ends them either, so an environment's stdout
  // outlives the invocation that piped into it.
  it("stream.pipeline into process.stdout leaves it writable, in that invocation and the next", async () => {
    const first = await invocationLines("/pipeline", 200);
    expect(first.slice(0, 2)).toEqual(["piped\n", "written after pipeline 1\n"]);
    expect(first[2]).toMatch(/\tINFO\tlogged after pipeline\n$/);
    expect(first).toHaveLength(3);
    const second = await invocationLines("/pipeline", 200);
    expect(second[0]).toBe("written after pipeline 2\n");
    expect(second[1]).toMatch(/\tINFO\tlogged after pipeline\n$/);
    expect(second).toHaveLength(2);
  });

  // Lambda stops the environment at its deadline: nothing it writes later reaches the log. The gateway reads what was
  // posted when its timeout fires, so with its thread lagging (a long synchronous transform, a GC pause) past the
  // deadline, output written after the deadline must not have been posted at all.
  it("output written after the deadline is not logged, also when the gateway's thread reads it late", async () => {
    const from = lines.length;
    const answer = send("GET", "/late-output", { base: url() });
    while (!lines.slice(from).some((line) => line.startsWith("START RequestId: "))) await new Promise((resolve) => setTimeout(resolve, 1));
    // The gateway runs on this thread: held here, it reads the function's output and answer 1.4 s after the hand-over.
    const until = Date.now() + 1400;
    while (Date.now() < until);
    expect((await answer).status).toBe(502);
    const start = lines.findIndex((line, i) => i >= from && line.startsWith("START RequestId: "));
    const logged = lines.slice(start + 1, lines.findIndex((line, i) => i > start && line.startsWith("END RequestId: ")));
    expect(logged[0]).toBe("before the deadline\n");
    expect(logged[1]).toMatch(/ Task timed out after 1\.00 seconds\n$/);
    expect(logged).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lines.some((line) => line.includes("after the deadline"))).toBe(false);
  });

  it("write, a direct _write and fs.writeSync(1, …) flooding up to the timeout: in order, all before the timeout line", async () => {
    // Some writes of each path (they take turns).
    expect(await floodedUpToTimeout("/mixed-flood", "mixed")).toBeGreaterThan(300);
  });

  it("an imported writeSync to fd 1 is logged before the timeout line", async () => {
    const logged = await invocationLines("/fd-before-timeout", 502);
    expect(logged[0]).toBe("fd 1 before the timeout\n");
    expect(logged[1]).toMatch(/Task timed out after 1\.00 seconds\n$/);
    expect(logged).toHaveLength(2);
  });

  // Each write used to search the whole held line again: 200,000 one-character writes took the gateway ~20 s of CPU.
  it("a long line written a character at a time costs the gateway time in its length, not its square", async () => {
    const started = Date.now();
    expect(await invocationLines("/dots", 200)).toEqual([".".repeat(200_000) + "\n"]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

/**
 * `gateproof serve` whose own stdin is a pipe with input in it (a terminal, a CI runner's pipe). A Lambda runtime's fd
 * 0 is /dev/null (aws-lambda-runtime-interface-emulator lambda/supervisor/local_supervisor.go starts it with exec.Cmd's
 * Stdin nil, which Go opens on os.DevNull), so a function or a child inheriting stdin reads nothing and sees its end
 * at once.
 */
describe("a Lambda function under `gateproof serve` with input on its stdin", features(["rest.lambda-proxy"], { referenceOnly: true }), () => {
  const BIN = new URL("../../src/gateproof.mjs", import.meta.url).pathname;
  const template = new URL("./fixtures/lambda-output/template.yaml", import.meta.url).pathname;

  it("reads an empty stdin, never the gateway's: by fs (fd 0, /dev/stdin, /proc/self/fd/0, a stream) and in children inheriting it", async () => {
    const serve = spawn(process.execPath, [BIN, "serve", template, "--port", "0"], { stdio: ["pipe", "pipe", "pipe"] });
    const disown = own(() => serve.kill("SIGKILL"));
    const exit = new Promise((resolve) => serve.on("exit", resolve));
    try {
      // Typed at the gateway's terminal, and the terminal left open: a child reading it would get this, then wait.
      serve.stdin.write("typed at the gateway's terminal\n");
      let output = "";
      serve.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      serve.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const deadline = Date.now() + 30_000;
      while (!output.includes("ready in")) {
        if (Date.now() > deadline || serve.exitCode !== null) throw new Error(`serve did not start: ${output}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const response = await send("GET", "/stdin", { base: /http:\/\/\S+/.exec(output)![0] });
      expect(response.status).toBe(200);
      expect(JSON.parse(response.text)).toEqual({ readFileSync0: "", readFileSyncPath: "", readSync0: 0, promisesReadFile: "", stream: "", spawnSync: "", spawn: "" });
    } finally {
      serve.kill("SIGTERM");
      await exit;
      disown();
    }
  });
});

/**
 * `gateproof serve` in a terminal: fds 0-2 of the gateway's process are a pseudo-terminal (util-linux `script` runs it
 * in one). On Lambda stdout and stderr are the log capture, never a terminal, so colour libraries (supports-color,
 * debug) must not take them for one and write ANSI escapes into the function's log.
 */
describe("a Lambda function under `gateproof serve` run in a terminal", features(["rest.lambda-proxy"], { referenceOnly: true }), () => {
  const BIN = new URL("../../src/gateproof.mjs", import.meta.url).pathname;
  const template = new URL("./fixtures/lambda-output/template.yaml", import.meta.url).pathname;

  it("sees no terminal on fds 0-2", async () => {
    const command = [process.execPath, BIN, "serve", template, "--port", "0"].map((arg) => `'${arg}'`).join(" ");
    // `script` gives its command a new session on the terminal: SIGTERM to `script` ends it (it passes the signal on).
    const serve = spawn("script", ["--quiet", "--return", "--command", command, "/dev/null"], { stdio: ["ignore", "pipe", "pipe"], detached: true });
    const disown = own(() => serve.kill("SIGKILL"));
    const exit = new Promise((resolve) => serve.on("exit", resolve));
    try {
      let output = "";
      serve.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      serve.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const deadline = Date.now() + 30_000;
      while (!output.includes("ready in")) {
        if (Date.now() > deadline || serve.exitCode !== null) throw new Error(`serve did not start in a terminal: ${output}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // A terminal's line discipline ends the gateway's lines with CR LF: it does write to one.
      expect(output).toContain("\r\n");
      const response = await send("GET", "/terminal", { base: /http:\/\/\S+/.exec(output)![0] });
      expect(response.status).toBe(200);
      expect(JSON.parse(response.text)).toEqual({
        isatty: [false, false, false],
        importedIsatty: [false, false, false],
        // JSON of undefined: process.stdin / stdout / stderr are not tty streams.
        isTTY: [null, null, null],
        hasColors: ["undefined", "undefined"],
      });
    } finally {
      serve.kill("SIGTERM");
      await exit;
      disown();
    }
  });
});
