/**
 * A function's raw process.stdout / process.stderr text (not console.*) into log lines, as Lambda's log capture turns
 * stdout into log events: one per line, a partial line held until its newline or the end of the invocation, and a
 * line cut where it reaches the largest log event (CloudWatch Logs: 256 KB), so a handler that never writes a
 * newline cannot make the gateway hold its output without bound. Lines and cuts do not depend on how the text was
 * split into writes (stdout is a stream), and a cut never splits a surrogate pair.
 */
const MAX_LINE_CHARS = 256 * 1024;

export class OutputLines {
  private pending = "";

  constructor(private readonly log: (line: string) => void) {}

  write(text: string): void {
    // The held partial line never has a newline, so only the new text is searched: a handler writing a long line a
    // character at a time must not make each write read the whole line again.
    const newlineInText = text.indexOf("\n");
    if (newlineInText < 0 && this.pending.length + text.length <= MAX_LINE_CHARS) {
      this.pending += text;
      return;
    }
    const rest = this.pending + text;
    let from = 0;
    let newline = newlineInText < 0 ? -1 : this.pending.length + newlineInText;
    for (;;) {
      if (newline >= 0 && newline - from <= MAX_LINE_CHARS) {
        this.log(rest.slice(from, newline + 1));
        from = newline + 1;
        newline = rest.indexOf("\n", from);
      } else if (rest.length - from > MAX_LINE_CHARS) {
        let cut = from + MAX_LINE_CHARS;
        if (isHighSurrogate(rest.charCodeAt(cut - 1))) cut--;
        this.log(rest.slice(from, cut) + "\n");
        from = cut;
      } else break;
    }
    this.pending = rest.slice(from);
  }

  /** The held partial line, as a line of its own (the invocation ended, timed out or crashed). */
  flush(): void {
    if (this.pending === "") return;
    this.log(this.pending + "\n");
    this.pending = "";
  }
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
