/**
 * Text for a stream, written once per event-loop turn instead of once per call. A busy Lambda route logs three lines
 * per request (START, END, REPORT) and stdout to a file or pipe is written synchronously: one system call per line
 * was a tenth of the gateway's CPU time. What is pending is written at the end of the turn, and at process exit.
 */
export function lineWriter(stream: NodeJS.WriteStream): { write(text: string): void; flush(): void } {
  let pending = "";
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending === "") return;
    const text = pending;
    pending = "";
    stream.write(text);
  };
  process.on("exit", flush);
  return {
    write(text: string) {
      pending += text;
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}
