import { access } from "node:fs/promises";
import { visitDifferences, type Answer } from "./compare/differ.ts";
import type { EndpointOf } from "./compare/endpoints.ts";
import { noiseMatcher, type NoiseRules } from "./compare/noise.ts";
import { Tally, type Thresholds } from "./compare/tally.ts";
import type { Exchange } from "./exchange.ts";
import { curlCommand } from "./report/curl.ts";
import { LagSamples } from "./report/lag.ts";
import type { ReplayReport } from "./report/model.ts";
import type { ProgressState } from "./report/progress.ts";
import { realClock, type Clock } from "./schedule/clock.ts";
import { schedule, type Done, type SendTiming, type Speed } from "./schedule/scheduler.ts";
import { clientFor, type SendClient } from "./send/client.ts";
import { movedAway } from "./send/failure.ts";
import { onTheWire, outgoing, pathPrefix, wireRequest, type OutgoingRequest, type WireRequest } from "./send/outgoing.ts";
import { warmUpTarget } from "./send/warm-up.ts";
import { readExchangeBatches, type BadInput, type BadInputPolicy, type SourceFormat } from "./sources/index.ts";
import { applyTransforms, type Transform } from "./transforms/index.ts";

export interface ReplayOptions {
  source: string;
  format?: SourceFormat;
  onBadInput: BadInputPolicy;
  /** Where requests go. Compared against the recorded responses unless `compare` is given. */
  target: URL;
  /** A second target answering the same requests live: the candidate, with `target` as the baseline. */
  compare?: URL;
  /** Same version as `target`: differences it shows with `target` are noise (Diffy). Needs `compare`. */
  secondary?: URL;
  /** Timing only: send, measure, compare nothing. */
  noCompare?: boolean;
  speed: Speed;
  concurrency: number;
  transforms: Array<{ spec: string; transform: Transform }>;
  noise: NoiseRules;
  thresholds: Thresholds;
  endpointOf: EndpointOf;
  clock?: Clock;
  /**
   * Warm the replay path on a throwaway local server first (default: yes). A timed replay's lag and a `max` replay's
   * achieved rate then measure compiled code, not its first thousand requests in the interpreter.
   */
  warmUp?: boolean;
  /** Called for every skipped record as it is met (the report keeps the first 100). */
  onBadInputReport?: (bad: BadInput) => void;
  progress?: ProgressState;
}

const BAD_INPUT_KEPT = 100;

interface Target {
  client: SendClient;
  origin: string;
  /** pathPrefix(client.base) */
  prefix: string;
}

/** The whole replay path, once, at max speed against a throwaway local server (see warm-up.ts); no user transforms. */
async function warmUp(options: ReplayOptions): Promise<void> {
  const warm = await warmUpTarget();
  try {
    await runReplay({
      ...options,
      source: warm.source,
      format: "jsonl",
      target: warm.base,
      compare: undefined,
      secondary: undefined,
      noCompare: false,
      speed: "max",
      concurrency: 8,
      transforms: [],
      clock: realClock,
      warmUp: false,
      onBadInputReport: undefined,
      progress: undefined,
    });
  } finally {
    await warm.close();
  }
}

export async function runReplay(options: ReplayOptions): Promise<ReplayReport> {
  const clock = options.clock ?? realClock;
  await access(options.source); // a missing file fails now, not after the warm-up
  if (options.warmUp ?? true) await warmUp(options);
  const startedAt = new Date();
  const mode: ReplayReport["mode"] = options.noCompare ? "none" : options.compare ? (options.secondary ? "diffy" : "live") : "recorded";
  if (options.secondary && !options.compare) throw new Error("a secondary only makes sense with --compare (the candidate)");
  const live = [options.target, ...(options.compare && !options.noCompare ? [options.compare] : []), ...(options.secondary && !options.noCompare ? [options.secondary] : [])];
  // Connecting is not part of the timed replay: open the sockets first (all of them under max, a few otherwise).
  const preconnect = options.speed === "max" ? options.concurrency : Math.min(options.concurrency, 16);
  const clients = await Promise.all(live.map((url) => clientFor(url, options.concurrency, preconnect)));
  /** Each client with what every request to it starts with, worked out once. */
  const targets: Target[] = clients.map((client) => ({ client, origin: client.base.origin, prefix: pathPrefix(client.base) }));
  /** What one target was sent (the origin it was aimed at, the request as it went on the wire) and what it answered. */
  type Sent = { origin: string; request: WireRequest; answer: Answer };
  const curlOf = ({ origin, request }: Sent) => curlCommand(request.method, origin + request.path, request.headers, request.body);
  /** Both sides as cURL, only for the few requests kept as examples. */
  const curlsOf = ({ exchange, sent: [primary, candidate] }: { exchange: Exchange; sent: Sent[] }) => {
    if (mode !== "recorded") return { baseline: curlOf(primary!), candidate: curlOf(candidate!) };
    const { method, url, headers, body } = exchange.request;
    return { baseline: curlCommand(method, url, headers, body), candidate: curlOf(primary!) };
  };
  const tally = new Tally({ hasSecondary: mode === "diffy", ignored: noiseMatcher(options.noise), curl: curlsOf });
  const lag = new LagSamples();
  const progress = options.progress ?? { sent: 0, errors: 0, differing: 0, lastLagMs: undefined };
  const badInput: ReplayReport["badInput"] = { count: 0, first: [] };
  const missing: Record<string, number> = {};
  let transportErrors = 0;
  let recordingStartedAt = 0;
  const replayStartedAt = Date.now();
  const transforms = options.transforms.map((t) => t.transform);

  const batches = readExchangeBatches(options.source, {
    format: options.format,
    onBadInput: options.onBadInput,
    report: (bad) => {
      badInput.count++;
      if (badInput.first.length < BAD_INPUT_KEPT) badInput.first.push(bad);
      options.onBadInputReport?.(bad);
    },
  });

  // Per-request code below passes callbacks inline: tsx names every closure stored in a variable (a defineProperty
  // per closure), which showed in the profile of --speed max.
  const answered = (origin: string, request: WireRequest, answer: Answer, done: (sent: Sent) => void): void => {
    if (answer.error) {
      transportErrors++;
      progress.errors++;
    }
    done({ origin, request, answer });
  };
  /** `origin`: where the request is aimed; a transform may have moved it off the target, and then it is not sent. */
  const sendPrepared = (target: Target, origin: string, request: WireRequest, done: (sent: Sent) => void): void => {
    if (origin !== target.origin) return answered(origin, request, movedAway(origin), done);
    target.client.send(request, (answer) => answered(origin, request, answer, done));
  };
  /** Calls back once: with what was sent and answered, or with the error of a transform (which ends the replay). */
  const sendTo = (target: Target, exchange: Exchange, recorded: URL, done: (sent: Sent | undefined, error?: unknown) => void): void => {
    const base = target.client.base;
    if (transforms.length === 0) {
      let request: WireRequest;
      try {
        request = wireRequest(exchange.request, base, target.prefix, recorded);
      } catch (error) {
        return done(undefined, error);
      }
      return sendPrepared(target, target.origin, request, done);
    }
    let request: OutgoingRequest;
    try {
      request = outgoing(exchange.request, base, recorded);
    } catch (error) {
      return done(undefined, error);
    }
    applyTransforms(transforms, request, { exchange, target: base, replayStartedAt, recordingStartedAt }).then(
      (transformed) => sendPrepared(target, transformed.url.origin, onTheWire(transformed), done),
      (error: unknown) => done(undefined, error),
    );
  };
  const count = (what: string) => (missing[what] = (missing[what] ?? 0) + 1);

  const compare = (exchange: Exchange, recorded: URL, sent: Sent[]) => {
    if (mode === "none") return;
    const [primary, candidate, secondary] = sent;
    if (mode === "recorded" && !exchange.response) return void count("recorded response (nothing to compare)");
    tally.begin(options.endpointOf(exchange.request.method, recorded.pathname), exchange.origin, { exchange, sent });
    visitDifferences(mode === "recorded" ? exchange.response! : primary!.answer, mode === "recorded" ? primary!.answer : candidate!.answer, tally.candidate);
    if (secondary) visitDifferences(primary!.answer, secondary.answer, tally.secondary);
    if (tally.end()) progress.differing++;
  };

  const dispatch = (exchange: Exchange, timing: SendTiming, done: Done) => {
    if (timing.index === 0) recordingStartedAt = exchange.startedAt;
    if (options.speed !== "max") {
      lag.add(timing.actual - timing.intended);
      progress.lastLagMs = timing.actual - timing.intended;
    }
    progress.sent++;
    for (const what of exchange.missing) count(what);
    let recorded: URL;
    try {
      recorded = exchange.request.parsedUrl ?? new URL(exchange.request.url); // once, for every target and for the endpoint
    } catch (error) {
      return done(error);
    }
    const sent: Sent[] = [];
    let waiting = targets.length;
    let failed: unknown;
    for (let i = 0; i < targets.length; i++) {
      sendTo(targets[i]!, exchange, recorded, (one, error) => {
        if (one) sent[i] = one;
        else failed ??= error;
        if (--waiting > 0) return;
        if (failed !== undefined) return done(failed);
        try {
          compare(exchange, recorded, sent);
        } catch (error) {
          return done(error);
        }
        done();
      });
    }
  };

  let result;
  try {
    result = await schedule(batches, (exchange) => exchange.startedAt, { speed: options.speed, concurrency: options.concurrency, clock }, dispatch);
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }

  const endpoints = tally.summarise(options.thresholds);
  const durationMs = result.finished - result.t0;
  const sendSpanMs = result.lastSend - result.t0;
  const recordedRate = result.sent > 1 && result.recordedSpanMs > 0 ? ((result.sent - 1) * 1000) / result.recordedSpanMs : undefined;
  return {
    startedAt: startedAt.toISOString(),
    source: options.source,
    mode,
    sides: {
      baseline: mode === "recorded" ? "recorded responses" : options.target.href,
      candidate: mode === "recorded" ? options.target.href : (options.compare?.href ?? options.target.href),
      ...(mode === "diffy" ? { secondary: options.secondary!.href } : {}),
    },
    options: { speed: options.speed, concurrency: options.concurrency, transforms: options.transforms.map((t) => t.spec), thresholds: options.thresholds },
    timing: {
      requests: result.sent,
      durationS: durationMs / 1000,
      ...(options.speed !== "max" && lag.count > 0 ? { lagMs: { p50: lag.percentile(50)!, p99: lag.percentile(99)!, max: lag.percentile(100)! } } : {}),
      ...(recordedRate !== undefined ? { recordedRate, ...(options.speed !== "max" ? { intendedRate: recordedRate * options.speed } : {}) } : {}),
      achievedRate: result.sent > 1 && sendSpanMs > 0 ? ((result.sent - 1) * 1000) / sendSpanMs : result.sent / Math.max(durationMs / 1000, 1e-9),
    },
    badInput,
    missing,
    noise: options.noise.patterns.map(({ pattern, why }) => ({ path: pattern.text, why })),
    endpoints,
    totals: {
      requests: result.sent,
      differingRequests: endpoints.reduce((sum, e) => sum + e.differingRequests, 0),
      statusMismatches: endpoints.reduce((sum, e) => sum + e.statusMismatches, 0),
      transportErrors,
    },
  };
}
