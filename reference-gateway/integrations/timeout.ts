import { GatewayError } from "../errors/index.ts";

/** What the client gets once an integration outlives its `timeoutInMillis`: 504 "Endpoint request timed out". */
export function integrationTimeout(timeoutInMillis: number): GatewayError {
  return new GatewayError("INTEGRATION_TIMEOUT", { detail: `integration did not answer within ${timeoutInMillis} ms` });
}

/**
 * Runs an integration call under its `timeoutInMillis`: at that moment the client gets INTEGRATION_TIMEOUT, whatever
 * the integration is still doing. HTTP integrations time out inside sendToBackend (http-client.ts), which also
 * aborts the backend request.
 */
export async function withIntegrationTimeout<T>(timeoutInMillis: number, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(integrationTimeout(timeoutInMillis)), timeoutInMillis);
  });
  try {
    return await Promise.race([run(), expired]);
  } finally {
    clearTimeout(timer);
  }
}
