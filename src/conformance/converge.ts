/**
 * Waits for an eventually consistent target (a fresh deployment, a cache that is filling up): `probe` must succeed
 * `successes` times in a row within `timeoutMs`. A failure resets the count. Rejects with the last failure when
 * time runs out, so the error says what was still wrong.
 */
export interface ConvergenceOptions {
  successes?: number;
  timeoutMs?: number;
  intervalMs?: number;
}

export async function awaitConvergence<T>(probe: () => Promise<T>, options: ConvergenceOptions = {}): Promise<T> {
  const successes = options.successes ?? 3;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 200;
  const deadline = Date.now() + timeoutMs;
  let streak = 0;
  let attempts = 0;
  let lastError: unknown;
  for (;;) {
    attempts++;
    try {
      const value = await probe();
      if (++streak >= successes) return value;
    } catch (error) {
      streak = 0;
      lastError = error;
    }
    if (Date.now() + intervalMs > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const why = lastError instanceof Error ? lastError.message : lastError === undefined ? `only ${streak} consecutive successes` : String(lastError);
  throw new Error(`did not converge: ${successes} consecutive successes needed within ${timeoutMs} ms (${attempts} attempts); last: ${why}`);
}
