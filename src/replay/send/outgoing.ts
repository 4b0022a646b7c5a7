import type { HeaderList, RecordedRequest } from "../exchange.ts";

/** A request as transforms see it: aimed at one target, after rebasing (and after the transforms before it). */
export interface OutgoingRequest {
  method: string;
  url: URL;
  headers: HeaderList;
  body: Buffer | undefined;
}

/** A request as a client puts it on the wire: `path` (pathname and query) is on the client's own origin. */
export interface WireRequest {
  method: string;
  path: string;
  headers: HeaderList;
  body: Buffer | undefined;
}

/** Connection-level headers belong to the recorded connection, not the request; the client frames its own. */
const NOT_REPLAYED = new Set(["host", "connection", "keep-alive", "transfer-encoding", "upgrade", "expect", "content-length", "proxy-connection", "te", "trailer"]);

const replayed = ([name]: [string, string]): boolean => !NOT_REPLAYED.has(name.toLowerCase());

/** What goes before every recorded path on this target: its path without trailing slashes ("" for a bare origin). */
export const pathPrefix = (target: URL): string => (target.pathname === "/" ? "" : target.pathname.replace(/\/+$/, ""));

/**
 * The recorded request aimed at a target: the target's origin replaces the recorded one, the target's path (if
 * any) is put before the recorded path, and the query string is kept byte for byte. `recorded` is request.url
 * parsed, passed in when the caller has it (a replay parses it once for every target and for the endpoint).
 */
export function outgoing(request: RecordedRequest, target: URL, recorded = new URL(request.url)): OutgoingRequest {
  // One parse of the joined string instead of three setter round trips; the recorded pathname never holds ? or #.
  return {
    method: request.method,
    url: new URL(target.origin + pathPrefix(target) + recorded.pathname + recorded.search),
    headers: request.headers.filter(replayed), // a copy: transforms may change it, and it goes to every target
    body: request.body,
  };
}

/** A (transformed) request as its client sends it. */
export const onTheWire = (request: OutgoingRequest): WireRequest => ({ method: request.method, path: request.url.pathname + request.url.search, headers: request.headers, body: request.body });

/**
 * What `onTheWire(outgoing(request, target, recorded))` gives, without building the URL, when no transform needs
 * one. An http(s) recording's pathname and query are already in the form a URL parser gives them, and the target is
 * http(s) too, so parsing their join changes nothing: the path is the join itself. Other schemes parse paths and
 * queries differently (a backslash, a quote), so they take the URL route. `prefix` is pathPrefix(target).
 */
export function wireRequest(request: RecordedRequest, target: URL, prefix: string, recorded: URL): WireRequest {
  if (recorded.protocol !== "http:" && recorded.protocol !== "https:") return onTheWire(outgoing(request, target, recorded));
  // Nothing changes the wire request's headers, so the recorded list itself goes when it has nothing to drop.
  const headers = request.headers.every(replayed) ? request.headers : request.headers.filter(replayed);
  return { method: request.method, path: prefix + recorded.pathname + recorded.search, headers, body: request.body };
}
