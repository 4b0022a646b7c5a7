import { Agent, errors as undiciErrors, type Dispatcher } from "undici";
import { GatewayError } from "../errors/index.ts";
import { clientKeyed } from "../rest/request.ts";

/** Responses above this are refused like AWS's 10 MB integration payload limit. */
export const MAX_INTEGRATION_RESPONSE_BYTES = 10 * 1024 * 1024;

export interface BackendResponse {
  status: number;
  /** Names lower-cased (as undici gives them), values in arrival order. */
  headers: Record<string, string[]>;
  body: Buffer;
}

/** One pooled keep-alive agent per gateway: backends see connection reuse, as they do behind AWS. */
export function createBackendAgent(): Agent {
  return new Agent({ keepAliveTimeout: 10_000, connections: 128, headersTimeout: 0, bodyTimeout: 0 });
}

/**
 * Sends one integration request. Network failures (refused, reset, malformed HTTP) become INTEGRATION_FAILURE;
 * the timeout is the caller's (withIntegrationTimeout aborts the signal).
 */
export async function sendToBackend(
  agent: Agent,
  request: { url: URL; method: string; headers: Array<[string, string]>; body: Buffer | undefined; signal: AbortSignal },
): Promise<BackendResponse> {
  let response: Dispatcher.ResponseData;
  try {
    response = await agent.request({
      origin: request.url.origin,
      path: `${request.url.pathname}${request.url.search}`,
      method: request.method as Dispatcher.HttpMethod,
      headers: request.headers.flat(),
      body: request.body && request.body.length > 0 ? request.body : undefined,
      signal: request.signal,
    });
  } catch (error) {
    throw failure(error);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_INTEGRATION_RESPONSE_BYTES) {
        response.body.destroy();
        throw new GatewayError("INTEGRATION_FAILURE", { detail: "integration response larger than 10 MB" });
      }
      chunks.push(chunk);
    }
  } catch (error) {
    throw failure(error);
  }
  const headers = clientKeyed<string[]>();
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value : [value];
  }
  return { status: response.statusCode, headers, body: Buffer.concat(chunks) };
}

function failure(error: unknown): unknown {
  if (error instanceof GatewayError) return error;
  // An abort comes from the integration timeout, which answers the client itself.
  if (error instanceof undiciErrors.RequestAbortedError) return error;
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new GatewayError("INTEGRATION_FAILURE", { detail: `integration request failed: ${detail}`, cause: error });
}
