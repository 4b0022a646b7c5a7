import type { Clock } from "./clock.ts";

export type Speed = number | "max";

export interface ScheduleOptions {
  speed: Speed;
  /** In-flight cap. Timed replay keeps the recorded overlap up to this; `max` runs exactly this many at once. */
  concurrency: number;
  clock: Clock;
  /** Items parsed ahead of their send time (default 256), so reading and decoding the source is off the timed path. */
  readAhead?: number;
}

const READ_AHEAD = 256;

/**
 * Pulls up to `depth` items from the source ahead of the consumer, in the background: a timed send never waits
 * on the source's I/O (a gunzip chunk, a disk read) at its due instant. Memory stays bounded by `depth`.
 */
export async function* readAhead<T>(items: AsyncIterable<T>, depth: number): AsyncGenerator<T> {
  const queue: T[] = [];
  let head = 0;
  let done = false;
  let stopped = false;
  let failed = false;
  let error: unknown;
  let wake: (() => void) | undefined;
  let space: (() => void) | undefined;
  const signal = (which: "wake" | "space") => {
    const resolve = which === "wake" ? wake : space;
    if (which === "wake") wake = undefined;
    else space = undefined;
    resolve?.();
  };
  const pump = (async () => {
    try {
      for await (const item of items) {
        queue.push(item);
        signal("wake");
        while (queue.length - head >= depth && !stopped) await new Promise<void>((resolve) => (space = resolve));
        if (stopped) break;
      }
    } catch (caught) {
      failed = true;
      error = caught;
    } finally {
      done = true;
      signal("wake");
    }
  })();
  try {
    for (;;) {
      if (head < queue.length) {
        const item = queue[head]!;
        queue[head++] = undefined as T;
        if (head >= 1024 && head * 2 >= queue.length) {
          queue.splice(0, head);
          head = 0;
        }
        signal("space");
        yield item;
        continue;
      }
      if (done) {
        if (failed) throw error;
        return;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    stopped = true;
    signal("space");
    await pump;
  }
}

export interface SendTiming {
  /** Index in the source, from 0. */
  index: number;
  /** Clock time the request was due (t0 + (ts_i − ts_0) / speed); equals `actual` under `max`. */
  intended: number;
  actual: number;
}

export interface ScheduleResult {
  sent: number;
  /** Clock times of the start and of the last send, and of the last completion. */
  t0: number;
  lastSend: number;
  finished: number;
  /** Recorded span between the first and the last request, ms. */
  recordedSpanMs: number;
}

/**
 * Open-loop replay: request i is dispatched at t0 + (ts_i − ts_0) / speed, each deadline computed from the start —
 * never by sleeping the gap since the previous one, so lateness never accumulates. Dispatch is not awaited before
 * the next is scheduled, so overlap in the recording is kept. Items are read from the source a bounded
 * `readAhead` in advance of their turn, so memory stays flat for any length of source.
 */
export async function schedule<T>(
  items: AsyncIterable<T>,
  timestampOf: (item: T) => number,
  options: ScheduleOptions,
  dispatch: (item: T, timing: SendTiming) => Promise<void>,
): Promise<ScheduleResult> {
  const { clock, speed } = options;
  if (!(options.concurrency >= 1)) throw new Error("concurrency must be at least 1");
  let inFlight = 0;
  let slotFreed: (() => void) | undefined;
  let failure: unknown;
  const settled = new Set<Promise<void>>();
  let index = 0;
  let ts0 = 0;
  let lastTs = 0;
  // t0 is when the first item is in hand: opening the source is not the replay's lateness.
  let t0 = clock.now();
  let lastSend = t0;

  for await (const item of readAhead(items, options.readAhead ?? READ_AHEAD)) {
    if (failure) break;
    const ts = timestampOf(item);
    if (index === 0) {
      ts0 = ts;
      t0 = lastSend = clock.now();
    }
    lastTs = ts;
    while (inFlight >= options.concurrency) await new Promise<void>((resolve) => (slotFreed = resolve));
    let intended: number;
    if (speed === "max") intended = clock.now();
    else {
      intended = t0 + (ts - ts0) / speed;
      await clock.waitUntil(intended);
    }
    const actual = speed === "max" ? intended : clock.now();
    lastSend = actual;
    inFlight++;
    const running: Promise<void> = dispatch(item, { index: index++, intended, actual })
      .catch((error: unknown) => void (failure ??= error))
      .finally(() => {
        inFlight--;
        settled.delete(running);
        const wake = slotFreed;
        slotFreed = undefined;
        wake?.();
      });
    settled.add(running);
  }
  await Promise.all(settled);
  if (failure) throw failure;
  return { sent: index, t0, lastSend, finished: clock.now(), recordedSpanMs: lastTs - ts0 };
}
