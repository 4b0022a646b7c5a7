import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";

/**
 * Appends whole lines to a file, each with one write(2) straight to the kernel: once append() returns, the line
 * survives a kill -9 of this process, and a crash can never leave half a line behind a complete one.
 */
export class LineWriter {
  private readonly fd: number;

  constructor(readonly file: string) {
    this.fd = openSync(file, "a+");
    // A file that ends mid-line (a crash of some other writer) gets a newline first, so our first line stays whole.
    const size = fstatSync(this.fd).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(this.fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) writeSync(this.fd, "\n");
    }
  }

  private closed = false;

  append(line: string): void {
    // After close() the descriptor number may already belong to another file.
    if (this.closed) throw new Error(`${this.file} is closed`);
    writeSync(this.fd, `${line}\n`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
