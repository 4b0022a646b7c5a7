import type { Writable } from "node:stream";

/**
 * Characters of lines the writer holds itself, while its stream has refused a write and not yet drained, before
 * further lines are dropped instead of held. A pipe whose reader is paused (`gateproof serve | less` scrolled back, a
 * parent that spawned it with stdio "pipe" and never reads) takes nothing, and a busy Lambda route queued 19 MB in
 * minutes: without a bound the gateway would grow until it died of its own log. A reader that keeps up must lose
 * nothing, though, and one turn can bring a lot at once: a timed-out function's console output arrives in one go (up
 * to 1 MiB per environment), eight concurrent 200 KB lines are 1.6 MB. 8 MiB holds several such bursts while the
 * reader catches up; with an unread pipe the gateway keeps at most this plus the last batch handed to the stream (at
 * most this again): ~16 MiB of text (the unread-pipe test measured +14 to +21 MB of RSS, unbounded +205 MB).
 */
export const HELD_LOG_BUDGET = 8 << 20;

/** Lines batched past this many characters are written at once instead of at the end of the turn. */
const BATCH = 1 << 16;

export interface LineWriter {
  /** Whole lines, each ending with "\n". Never blocks: a line that finds the budget spent is counted and dropped. */
  write(text: string): void;
  /** Writes what is held and the count of dropped lines now (at exit, or before the stream is ended). */
  flush(): void;
}

/**
 * Lines for a stream, written once per event-loop turn instead of once per call: a busy Lambda route logs three
 * lines per request (START, END, REPORT), and one system call per line was a tenth of the gateway's CPU time.
 * The stream's own back-pressure decides: once a write returns false, lines are held here, not handed to it, and the
 * held lines go at its 'drain'. Only when what is held passes HELD_LOG_BUDGET are lines dropped, so answers never
 * wait for a slow log reader and a reader that keeps up loses nothing. After the held lines, one notice says how
 * many were dropped and since when: in `notices`, which for the stream itself is where the missing lines would have
 * been.
 */
export function lineWriter(stream: Writable, name: string, notices: Writable = stream): LineWriter {
  /** Lines not yet handed to the stream: this turn's batch, or all lines since the stream refused a write. */
  let held = "";
  let scheduled = false;
  /** The stream refused a write (it is over its highWaterMark) and has not emitted 'drain' since. */
  let waiting = false;
  let dropped = 0;
  let droppedSince = "";

  const reportDropped = () => {
    if (dropped === 0) return;
    notices.write(
      `gateproof: ${dropped} log line${dropped === 1 ? "" : "s"} dropped since ${droppedSince}: ${name} did not take lines as fast as the gateway wrote them (more than ${HELD_LOG_BUDGET} characters held)\n`,
    );
    dropped = 0;
  };
  const writeHeld = () => {
    if (held === "") return;
    const text = held;
    held = "";
    // flush() writes while waiting too; one 'drain' listener is enough.
    if (!stream.write(text) && !waiting) {
      waiting = true;
      stream.once("drain", drained);
    }
  };
  function drained() {
    waiting = false;
    writeHeld();
    reportDropped();
  }
  const endOfTurn = () => {
    scheduled = false;
    if (!waiting) writeHeld();
  };
  return {
    write(text) {
      // The fast path reads a flag and a length; the stream is asked once per batch, in writeHeld.
      if (waiting) {
        // Once a line is dropped, later ones are too until 'drain', so the notice stands where the gap is.
        if (dropped === 0 && held.length + text.length <= HELD_LOG_BUDGET) held += text;
        else if (dropped++ === 0) droppedSince = new Date().toISOString();
        return;
      }
      held += text;
      if (held.length > BATCH) writeHeld();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(endOfTurn);
      }
    },
    flush() {
      writeHeld();
      reportDropped();
    },
  };
}

const standardStreams = new Map<"stdout" | "stderr", LineWriter>();

/**
 * The one line writer of the process's stdout or stderr, made at first use. Every line the process writes there goes
 * through it: `gateproof serve`'s, and those of any gateway started in the process with its default log (stderr) or
 * access log (stdout). So the lines keep their order, and one budget bounds what the process holds for the stream,
 * whoever wrote them. What it holds at exit is handed to the stream then.
 */
export function standardLines(name: "stdout" | "stderr"): LineWriter {
  let lines = standardStreams.get(name);
  if (!lines) {
    const created = lineWriter(process[name], name);
    process.on("exit", () => created.flush());
    standardStreams.set(name, (lines = created));
  }
  return lines;
}

/** A gateway `log` function writing to `lines`: a line given without its "\n" gets one. */
export function logTo(lines: LineWriter): (line: string) => void {
  return (line) => lines.write(line.endsWith("\n") ? line : `${line}\n`);
}
