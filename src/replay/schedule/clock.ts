/** Monotonic milliseconds and a way to wait until an absolute instant. Injected so timing is testable. */
export interface Clock {
  now(): number;
  /** Resolves at or after `instant` (a value of now()). */
  waitUntil(instant: number): Promise<void>;
}

/** Timers get within ~1 ms; the last stretch yields with setImmediate so due I/O still runs while it waits. */
const TIMER_SLACK_MS = 1.5;

export const realClock: Clock = {
  now: () => performance.now(),
  async waitUntil(instant) {
    for (;;) {
      const left = instant - performance.now();
      if (left <= 0) return;
      if (left > TIMER_SLACK_MS) await new Promise((resolve) => setTimeout(resolve, left - TIMER_SLACK_MS));
      else await new Promise((resolve) => setImmediate(resolve));
    }
  },
};
