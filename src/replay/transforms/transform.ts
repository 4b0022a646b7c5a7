import type { Exchange } from "../exchange.ts";
import type { OutgoingRequest } from "../send/outgoing.ts";

export interface TransformContext {
  /** The recorded exchange the request comes from. */
  exchange: Exchange;
  /** The target this copy of the request goes to (transforms run once per target). */
  target: URL;
  /** Epoch ms of the replay start and of the first recorded request: their gap is what shift-dates moves by. */
  replayStartedAt: number;
  recordingStartedAt: number;
}

/**
 * A transform rewrites a request before it is sent. Plug-ins are TS/JS modules whose default export is one:
 *   export default (request, context) => ({ ...request, headers: [...request.headers, ["x-replayed", "1"]] });
 */
export type Transform = (request: OutgoingRequest, context: TransformContext) => OutgoingRequest | Promise<OutgoingRequest>;

export const withHeader = (request: OutgoingRequest, name: string, value: string): OutgoingRequest => ({
  ...request,
  headers: [...request.headers.filter(([key]) => key.toLowerCase() !== name.toLowerCase()), [name, value]],
});
