/**
 * A function's raw process.stdout / process.stderr output (not console.*) into log lines, as Lambda's log capture turns
 * stdout into log events: one per line, a partial line held until its newline or the end of the invocation, and a
 * line longer than the largest event split into several, so a handler that never writes a newline cannot make the
 * gateway hold its output without bound.
 *
 * stdout is a byte stream: lines and cuts do not depend on how the output was split into writes, a string goes as its
 * UTF-8 bytes (as through a real stdout), the limit counts bytes, and a cut never splits a UTF-8 character. Bytes are
 * decoded only when a line is logged, so a character whose bytes came in separate writes is whole, and the bytes of
 * one left unfinished when the invocation ends are logged with its partial line (as one U+FFFD, like a decoder's end)
 * instead of being carried into the next invocation's output.
 */

/**
 * The largest log event Lambda makes of a line: CloudWatch Logs' event limit of 262,144 bytes less the 26 bytes
 * PutLogEvents counts for each event. Longer lines are split, not truncated: an ASCII line written with
 * process.stdout.write was cut after 2^18 - 26 characters (Node.js 14, stackoverflow.com/q/77175643), CloudWatch's
 * Lambda logs after ~262,119 (github.com/DataDog/datadog-serverless-functions/issues/462). CloudWatch Logs accepts
 * 1 MB events since April 2025 (aws.amazon.com/about-aws/whats-new/2025/04/amazon-cloudwatch-logs-increases-log-event-size-1-mb),
 * but nothing AWS published says Lambda's capture followed (github.com/newrelic/newrelic-lambda-layers/pull/350, May
 * 2025: "Lambda functions automatically send logs ... so the 256KB limit applies").
 */
const MAX_EVENT_BYTES = 262_144 - 26;
const NEWLINE = 0x0a;
/**
 * Room `held` keeps once its line is out: a long partial line grows it up to MAX_EVENT_BYTES, which a warm environment
 * (two streams each) would otherwise hold for good; below this, short partial lines reuse it without reallocating.
 */
const KEPT_BYTES = 4096;
const EMPTY = Buffer.alloc(0);

export class OutputLines {
  /** The partial line's bytes are the first `length` of `held` (never a newline among them). */
  private held: Buffer = EMPTY;
  private length = 0;

  constructor(private readonly log: (line: string) => void) {}

  write(chunk: string | Uint8Array): void {
    const text = typeof chunk === "string";
    const size = text ? Buffer.byteLength(chunk, "utf8") : chunk.byteLength;
    const newlineInChunk = text ? chunk.indexOf("\n") : chunk.indexOf(NEWLINE);
    const end = this.length + size;
    if (newlineInChunk < 0 && end <= MAX_EVENT_BYTES) {
      // Appended in place: a handler writing a long line a byte at a time must not copy the line on every write.
      this.reserve(end);
      if (text) this.held.write(chunk, this.length, "utf8");
      else this.held.set(chunk, this.length);
      this.length = end;
      return;
    }
    const bytes = text ? Buffer.from(chunk, "utf8") : chunk;
    const rest = Buffer.concat([this.held.subarray(0, this.length), bytes]);
    let from = 0;
    // The held bytes have no newline; of the chunk's, only the first is searched until the line before it is out.
    let newline = newlineInChunk < 0 ? -1 : rest.indexOf(NEWLINE, this.length);
    for (;;) {
      if (newline >= 0 && newline - from <= MAX_EVENT_BYTES) {
        this.emit(rest, from, newline);
        from = newline + 1;
        newline = rest.indexOf(NEWLINE, from);
      } else if (rest.length - from > MAX_EVENT_BYTES) {
        const cut = characterStart(rest, from + MAX_EVENT_BYTES);
        this.emit(rest, from, cut);
        from = cut;
      } else break;
    }
    this.release();
    this.reserve(rest.length - from);
    rest.copy(this.held, 0, from);
    this.length = rest.length - from;
  }

  /** The held partial line, as a line of its own (the invocation ended, timed out or crashed, or the init ended). */
  flush(): void {
    if (this.length === 0) return;
    this.emit(this.held, 0, this.length);
    this.release();
  }

  /** The held line is out: its bytes are no longer needed, nor room beyond KEPT_BYTES. */
  private release(): void {
    this.length = 0;
    if (this.held.length > KEPT_BYTES) this.held = EMPTY;
  }

  private emit(bytes: Buffer, from: number, to: number): void {
    this.log(bytes.toString("utf8", from, to) + "\n");
  }

  /** Room for `bytes` in `held` (at most MAX_EVENT_BYTES are ever held), keeping what it holds. */
  private reserve(bytes: number): void {
    if (bytes <= this.held.length) return;
    const grown = Buffer.allocUnsafe(Math.min(MAX_EVENT_BYTES, Math.max(bytes, 2 * this.held.length, 256)));
    this.held.copy(grown, 0, 0, this.length);
    this.held = grown;
  }
}

/** `at`, or where the UTF-8 character whose continuation byte is at `at` starts (bytes that are not UTF-8: `at`). */
function characterStart(bytes: Buffer, at: number): number {
  for (let i = at; i > at - 4; i--) if ((bytes[i]! & 0xc0) !== 0x80) return i;
  return at;
}
