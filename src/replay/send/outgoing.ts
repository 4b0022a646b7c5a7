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
 * any) is put before the recorded path, and the query string is kept byte for byte. `recorded` is request.url
 * parsed, passed in when the caller has it (a replay parses it once for every target and for the endpoint).
 */
export function outgoing(request: RecordedRequest, target: URL, recorded = new URL(request.url)): OutgoingRequest {
  // One parse of the joined string instead of three setter round trips; the recorded pathname never holds ? or #.
  const prefix = target.pathname === "/" ? "" : target.pathname.replace(/\/+$/, "");
  return {
    method: request.method,
    url: new URL(target.origin + prefix + recorded.pathname + recorded.search),
    headers: request.headers.filter(([name]) => !NOT_REPLAYED.has(name.toLowerCase())),
    body: request.body,
  };
}
