import { GatewayError } from "../errors/index.ts";

/** What the client gets once an integration outlives its `timeoutInMillis`: 504 "Endpoint request timed out". */
export function integrationTimeout(timeoutInMillis: number): GatewayError {
  return new GatewayError("INTEGRATION_TIMEOUT", { detail: `integration did not answer within ${timeoutInMillis} ms` });
}

/**
 * Runs an integration call under its `timeoutInMillis`: at that moment the client gets INTEGRATION_TIMEOUT, whatever
 * the integration is still doing. HTTP integrations time out inside sendToBackend (http-client.ts), which also
 * aborts the backend request. One promise settled by whichever comes first: an async function around Promise.race
 * cost three more promises per request.
 */
export function withIntegrationTimeout<T>(timeoutInMillis: number, run: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // Started before the timer, so a call that throws at once leaves no timer behind.
    const call = run();
    const timer = setTimeout(() => reject(integrationTimeout(timeoutInMillis)), timeoutInMillis);
    call.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
