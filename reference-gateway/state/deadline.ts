/**
 * `promise`, or a rejection once `ms` have passed — decided only after the event loop has read its sockets, so a
 * timer that fires late because the process was busy (a starved gateway on a loaded machine) does not fail a reply
 * that has already arrived: timers run before the poll phase that reads sockets, setImmediate after it. (ioredis's own
 * commandTimeout decides in the timers phase, so under a stalled loop it failed calls whose answers were waiting —
 * and whose effects, a token taken, had happened.)
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      finish();
    };
    const timer = setTimeout(() => setImmediate(() => settle(() => reject(new Error(`${what} did not answer within ${ms} ms`)))), ms);
    promise.then(
      (value) => settle(() => resolve(value)),
      (error: unknown) => settle(() => reject(error)),
    );
  });
}
