/**
 * The port and scheme the client connected to, which API Gateway hands to integrations as X-Forwarded-Port and
 * X-Forwarded-Proto (REST and HTTP API requests, WebSocket $connect). AWS serves HTTPS only, so its events say 443 and
 * https; locally the gateway says what this connection is: the TLS port and https under `serve --tls` (tls.ts), the
 * plain port and http otherwise, so the two headers always describe one URL the client could call again.
 */
import type { Socket } from "node:net";

/** The gateway's own port of the connection (a plain or TLS socket; under HTTP/2 the session's, see clientScheme). */
export function clientPort(socket: Socket | null | undefined): number {
  return socket?.localPort ?? 0;
}

/**
 * `https` on a TLS connection, else `http`. node:tls sockets say `encrypted: true`; under HTTP/2 (compat API)
 * req.socket is a proxy that reads properties from the session's TLS socket, so the same read answers there.
 */
export function clientScheme(socket: Socket | null | undefined): "https" | "http" {
  return (socket as { encrypted?: boolean } | null | undefined)?.encrypted === true ? "https" : "http";
}
