import { GatewayError } from "../errors/index.ts";

/**
 * Runs an integration call under its `timeoutInMillis`: at that moment the signal aborts and the client gets
 * 504 INTEGRATION_TIMEOUT ("Endpoint request timed out"), whatever the backend is still doing.
 */
export async function withIntegrationTimeout<T>(timeoutInMillis: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Settle first: the abort makes the integration reject too, and the timeout must be what the client gets.
      reject(new GatewayError("INTEGRATION_TIMEOUT", { detail: `integration did not answer within ${timeoutInMillis} ms` }));
      controller.abort();
    }, timeoutInMillis);
  });
  try {
    return await Promise.race([run(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
