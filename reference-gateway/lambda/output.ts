/**
 * A function's raw process.stdout / process.stderr text (not console.*) into log lines, as Lambda's log capture turns
 * stdout into log events: one per line, a partial line held until its newline or the end of the invocation, and a
 * line cut where it reaches the largest log event (CloudWatch Logs: 256 KB), so a handler that never writes a
 * newline cannot make the gateway hold its output without bound.
 */
const MAX_LINE_CHARS = 256 * 1024;

export class OutputLines {
  private pending = "";

  constructor(private readonly log: (line: string) => void) {}

  write(text: string): void {
    let rest = this.pending + text;
    let newline: number;
    while ((newline = rest.indexOf("\n")) >= 0) {
      this.log(rest.slice(0, newline + 1));
      rest = rest.slice(newline + 1);
    }
    while (rest.length >= MAX_LINE_CHARS) {
      this.log(rest.slice(0, MAX_LINE_CHARS) + "\n");
      rest = rest.slice(MAX_LINE_CHARS);
    }
    this.pending = rest;
  }

  /** The held partial line, as a line of its own (the invocation ended, timed out or crashed). */
  flush(): void {
    if (this.pending === "") return;
    this.log(this.pending + "\n");
    this.pending = "";
  }
}
