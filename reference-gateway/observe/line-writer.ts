import type { Writable } from "node:stream";

/**
 * Text the stream may hold unwritten (its writableLength: bytes, or characters of text it keeps as strings) before
 * further lines are dropped instead of queued. A pipe whose reader is paused (`gateproof serve | less` scrolled
 * back, a parent that spawned it with stdio "pipe" and never reads) takes nothing, and a busy Lambda route queued
 * 19 MB in minutes: without a cap the gateway would grow until it died of its own log. Far above any stream's
 * highWaterMark (16 KiB), so a stream over it has refused a write and will emit 'drain'.
 */
export const PENDING_LOG_CAP = 1 << 20;

/** Lines batched past this many characters are written at once instead of at the end of the turn. */
const BATCH = 1 << 16;

export interface LineWriter {
  /** Whole lines, each ending with "\n". Never blocks: a line that finds the stream over the cap is counted and dropped. */
  write(text: string): void;
  /** Writes what is pending and the count of dropped lines now (at exit, or before the stream is ended). */
  flush(): void;
}

/**
 * Lines for a stream, written once per event-loop turn instead of once per call: a busy Lambda route logs three
 * lines per request (START, END, REPORT), and one system call per line was a tenth of the gateway's CPU time.
 * While the stream holds more than PENDING_LOG_CAP, lines are dropped, so answers never wait for a slow log reader;
 * once it drains, one line says how many were dropped and since when, where the missing lines would have been.
 */
export function lineWriter(stream: Writable, name: string): LineWriter {
  let pending = "";
  let scheduled = false;
  let dropping = false;
  let dropped = 0;
  let droppedSince = "";

  const reportDropped = () => {
    if (dropped === 0) return;
    stream.write(
      `gateproof: ${dropped} log line${dropped === 1 ? "" : "s"} dropped since ${droppedSince}: ${name} was not read as fast as the gateway wrote (more than ${PENDING_LOG_CAP} bytes waiting)\n`,
    );
    dropped = 0;
  };
  const resume = () => {
    dropping = false;
    reportDropped();
  };
  const writePending = () => {
    if (pending === "") return;
    const text = pending;
    pending = "";
    stream.write(text);
    if (stream.writableLength > PENDING_LOG_CAP) {
      dropping = true;
      stream.once("drain", resume);
    }
  };
  const endOfTurn = () => {
    scheduled = false;
    writePending();
  };
  return {
    write(text) {
      // The fast path reads a flag and a length; the stream is asked once per batch, in writePending.
      if (dropping) {
        if (dropped++ === 0) droppedSince = new Date().toISOString();
        return;
      }
      pending += text;
      if (pending.length > BATCH) writePending();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(endOfTurn);
      }
    },
    flush() {
      writePending();
      reportDropped();
    },
  };
}
