import type { Answer } from "../compare/differ.ts";
import type { WireRequest } from "./outgoing.ts";

/**
 * What run.ts needs of a client: both the undici pool and the raw-socket client fit. `send` answers through a
 * callback, not a promise: on the replay's hot path a promise chain per request cost more than the request.
 * Transport failures are answers with `error` set, never exceptions.
 */
export interface SendClient {
  readonly base: URL;
  send(request: WireRequest, done: (answer: Answer) => void): void;
  close(): Promise<void>;
}

/**
 * Plain http targets get the raw-socket client (the load-generator path); https keeps undici. Each is imported only
 * when a target needs it: loading undici for an http replay cost ~0.3 s of start-up and its share of resident memory.
 */
export async function clientFor(base: URL, connections: number, preconnect: number): Promise<SendClient> {
  if (base.protocol !== "http:") {
    const { TargetClient } = await import("./undici-client.ts");
    return new TargetClient(base, connections);
  }
  const { RawClient } = await import("./raw.ts");
  const client = new RawClient(base, connections);
  if (preconnect > 0) await client.preconnect(preconnect);
  return client;
}
