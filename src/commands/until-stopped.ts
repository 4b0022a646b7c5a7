/**
 * How the long-running commands (`serve`, `record`) end: on Ctrl-C / SIGTERM, or, when a supervisor started them with
 * an IPC channel (Node's `fork`, or `spawn` with an "ipc" stdio), when that channel closes. The channel closes when the
 * supervisor is gone, however it ended: a SIGKILL sends its children no signal, and a command running on as an orphan
 * would hold its port until someone finds it.
 */
export async function runUntilStopped(close: () => Promise<void>): Promise<void> {
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
    // Closed while the command was starting: stop now.
    if (process.connected) process.once("disconnect", resolve);
    else if (process.channel) resolve();
  });
  // Graceful: `close` lets the work in flight finish; a second Ctrl-C / SIGTERM stops at once.
  const force = () => process.exit(130);
  process.once("SIGINT", force);
  process.once("SIGTERM", force);
  await close();
  process.off("SIGINT", force);
  process.off("SIGTERM", force);
  // Stopped by a signal, the channel is still open, and with a "disconnect" listener it would keep this process alive.
  process.channel?.unref();
}
