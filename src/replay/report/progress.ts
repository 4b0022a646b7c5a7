/** One status line on a TTY, redrawn a few times a second; nothing at all when stderr is not a TTY or CI is set. */
export interface ProgressState {
  sent: number;
  errors: number;
  /** Requests that differ on a path no rule ignores (noise learned from a secondary is only known at the end). */
  differing: number;
  lastLagMs: number | undefined;
}

export function startProgress(state: ProgressState, stream: NodeJS.WriteStream = process.stderr): () => void {
  if (!stream.isTTY || process.env.CI) return () => {};
  const started = performance.now();
  let lastSent = 0;
  let lastAt = started;
  const draw = () => {
    const now = performance.now();
    const rate = ((state.sent - lastSent) * 1000) / Math.max(1, now - lastAt);
    lastSent = state.sent;
    lastAt = now;
    const lag = state.lastLagMs === undefined ? "" : `  lag ${state.lastLagMs.toFixed(2)} ms`;
    stream.write(`\r\x1b[2K  ${state.sent} sent  ${rate.toFixed(0)} req/s${lag}  ${state.errors} errors  ${state.differing} differing  ${((now - started) / 1000).toFixed(1)} s`);
  };
  const timer = setInterval(draw, 250);
  timer.unref();
  return () => {
    clearInterval(timer);
    draw();
    stream.write("\n");
  };
}
