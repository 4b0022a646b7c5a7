import type { HeaderList, RecordedRequest } from "../exchange.ts";

/** A request as it will be sent to one target, after rebasing and transforms. */
export interface OutgoingRequest {
  method: string;
  url: URL;
  headers: HeaderList;
  body: Buffer | undefined;
}

/** Connection-level headers belong to the recorded connection, not the request; the client frames its own. */
const NOT_REPLAYED = new Set(["host", "connection", "keep-alive", "transfer-encoding", "upgrade", "expect", "content-length", "proxy-connection", "te", "trailer"]);

/**
 * The recorded request aimed at a target: the target's origin replaces the recorded one, the target's path (if
 * any) is put before the recorded path, and the query string is kept byte for byte.
 */
export function outgoing(request: RecordedRequest, target: URL): OutgoingRequest {
  const recorded = new URL(request.url);
  const url = new URL(target.origin);
  url.pathname = target.pathname.replace(/\/+$/, "") + recorded.pathname;
  url.search = recorded.search;
  return {
    method: request.method,
    url,
    headers: request.headers.filter(([name]) => !NOT_REPLAYED.has(name.toLowerCase())),
    body: request.body,
  };
}
