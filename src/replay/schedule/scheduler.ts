import type { Clock } from "./clock.ts";

export type Speed = number | "max";

export interface ScheduleOptions {
  speed: Speed;
  /** In-flight cap. Timed replay keeps the recorded overlap up to this; `max` runs exactly this many at once. */
  concurrency: number;
  clock: Clock;
  /**
   * Batches read and decoded ahead of their turn (default 2, a few hundred items), so the source is off the timed
   * path. More only keeps items alive long enough to be promoted out of the young generation (costly GC).
   */
  readAhead?: number;
}

const READ_AHEAD_BATCHES = 2;

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

/** Called when a dispatched item is finished with; an error ends the schedule once the in-flight ones settle. */
export type Done = (error?: unknown) => void;

/**
 * Open-loop replay: item i is dispatched at t0 + (ts_i − ts_0) / speed, each deadline computed from the start —
 * never by sleeping the gap since the previous one, so lateness never accumulates. Dispatch is not awaited before
 * the next is scheduled, so overlap in the recording is kept. The source comes in batches read a bounded
 * `readAhead` in advance, so memory stays flat for any length of source.
 *
 * Driven by callbacks, not a promise per item: a finished dispatch calls `done`, which dispatches the next item
 * in the same turn. Under `max` the only awaits are one per batch (and one per wait under a schedule).
 */
export function schedule<T>(batches: AsyncIterable<T[]>, timestampOf: (item: T) => number, options: ScheduleOptions, dispatch: (item: T, timing: SendTiming, done: Done) => void): Promise<ScheduleResult> {
  const { clock, speed, concurrency } = options;
  if (!(concurrency >= 1)) return Promise.reject(new Error("concurrency must be at least 1"));
  const source = readAhead(batches, options.readAhead ?? READ_AHEAD_BATCHES)[Symbol.asyncIterator]();
  let batch: T[] = [];
  let at = 0;
  let index = 0;
  let inFlight = 0;
  let ts0 = 0;
  let lastTs = 0;
  // t0 is when the first item is in hand: opening the source is not the replay's lateness.
  let t0 = clock.now();
  let lastSend = t0;
  let exhausted = false;
  let failed = false;
  let failure: unknown;
  /** A batch read or a wait is under way: it pumps again when it ends. */
  let awaiting = false;
  let pumping = false;
  let again = false;

  return new Promise<ScheduleResult>((resolve, reject) => {
    const fail = (error: unknown) => {
      if (!failed) {
        failed = true;
        failure = error;
      }
    };
    const done: Done = (error) => {
      if (error !== undefined) fail(error);
      inFlight--;
      pump();
    };
    const resume = () => {
      awaiting = false;
      pump();
    };
    const next = () => {
      awaiting = true;
      source.next().then((result) => {
        if (result.done) exhausted = true;
        else {
          batch = result.value;
          at = 0;
        }
        resume();
      }, (error: unknown) => {
        exhausted = true;
        fail(error);
        resume();
      });
    };
    const settle = () => {
      if (inFlight > 0 || awaiting) return;
      if (!exhausted) {
        // Stopped early by a failure: close the source (its read-ahead ends) before reporting.
        exhausted = true;
        awaiting = true;
        void source.return?.(undefined).finally(() => reject(failure));
        return;
      }
      if (failed) reject(failure);
      else resolve({ sent: index, t0, lastSend, finished: clock.now(), recordedSpanMs: lastTs - ts0 });
    };
    /** Dispatches every item that is due and has a free slot; re-entered from `done` it only notes to go round again. */
    const pump = () => {
      if (pumping) {
        again = true;
        return;
      }
      pumping = true;
      do {
        again = false;
        while (!awaiting && !failed && !exhausted && inFlight < concurrency) {
          if (at === batch.length) {
            next();
            break;
          }
          const item = batch[at]!;
          const ts = timestampOf(item);
          if (index === 0) {
            ts0 = ts;
            t0 = clock.now();
          }
          const actual = clock.now();
          let intended = actual;
          if (speed !== "max") {
            intended = t0 + (ts - ts0) / speed;
            if (actual < intended) {
              awaiting = true;
              clock.waitUntil(intended).then(resume, (error: unknown) => (fail(error), resume()));
              break;
            }
          }
          batch[at++] = undefined as T; // the batch array must not keep sent items alive
          lastTs = ts;
          lastSend = actual;
          inFlight++;
          try {
            dispatch(item, { index: index++, intended, actual }, done);
          } catch (error) {
            done(error);
          }
        }
      } while (again);
      pumping = false;
      if (failed || exhausted) settle();
    };
    pump();
  });
}
