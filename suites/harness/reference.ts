import { afterAll, beforeAll } from "vitest";
import { startGateway, type GatewayOptions, type RunningGateway } from "../../reference-gateway/index.ts";
import { startEchoBackend, type EchoBackend } from "./echo-backend.ts";

export interface ReferenceWithBackend {
  gateway: RunningGateway;
  backend: EchoBackend;
  /** The base URL of the API with this logical id (its first stage). */
  url(api: string): string;
  close(): Promise<void>;
}

/**
 * A second reference gateway on a suite's own template, with an echo backend as its `BackendUrl` parameter: for the
 * tests that need a definition the fixture does not have (they declare `referenceOnly`).
 */
export async function startReferenceWithBackend(template: string, options: Partial<GatewayOptions> = {}): Promise<ReferenceWithBackend> {
  const backend = await startEchoBackend();
  const gateway = await startGateway({ template, port: 0, log: () => {}, ...options, parameterOverrides: { BackendUrl: backend.url, ...options.parameterOverrides } }).catch(async (error: unknown) => {
    await backend.close();
    throw error;
  });
  return {
    gateway,
    backend,
    url: (api) => gateway.urls.find((u) => u.api === api)?.url ?? "",
    close: async () => {
      await gateway.close();
      await backend.close();
    },
  };
}

/**
 * A reference gateway on a suite's own template for the tests of the describe block this is called in (started before
 * them, closed after), every line it logs kept in `lines` in order: for the tests of what the gateway logs.
 */
export function referenceKeepingLog(template: string): { lines: string[]; url(): string } {
  const lines: string[] = [];
  let gateway: RunningGateway | undefined;
  beforeAll(async () => {
    gateway = await startGateway({ template, port: 0, log: (line) => void lines.push(line) });
  });
  afterAll(async () => {
    await gateway?.close();
  });
  return { lines, url: () => gateway!.urls[0]!.url };
}
