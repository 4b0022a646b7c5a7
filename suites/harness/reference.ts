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
