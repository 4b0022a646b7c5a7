/**
 * HTTPS for the gateway (API Gateway serves HTTPS only; plain HTTP stays the local default). One TLS port per API:
 * REST and HTTP APIs get HTTP/2 and HTTP/1.1 chosen by ALPN (node:http2 secure server with allowHTTP1), the API's own
 * request listener unchanged behind it; WebSocket APIs (an HTTP/1.1 Upgrade, RFC 6455) keep their own node:http
 * server, with TLS put under each of its connections. The certificate is the user's (PEM files) or a self-signed one
 * made at start.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import type http from "node:http";
import http2 from "node:http2";
import type { Socket } from "node:net";
import tls from "node:tls";
import { clientErrorHandler, trackServer, type GatewayListener } from "./rest/server.ts";

export interface TlsMaterial {
  /** PEM certificate (chain), PEM private key. */
  cert: string;
  key: string;
  /** SHA-256 fingerprint of the leaf certificate, colon-separated hex as OpenSSL prints it. */
  fingerprint256: string;
  selfSigned: boolean;
}

export interface TlsOptions {
  /** PEM files; both or neither. Neither: a self-signed certificate for localhost, 127.0.0.1 and ::1. */
  certFile?: string;
  keyFile?: string;
}

/** Loads the user's certificate and key, or makes a self-signed pair. */
export async function tlsMaterial(options: TlsOptions = {}): Promise<TlsMaterial> {
  if (Boolean(options.certFile) !== Boolean(options.keyFile)) throw new Error("TLS needs both a certificate and a key file (or neither, for a self-signed certificate)");
  if (options.certFile && options.keyFile) {
    const [cert, key] = await Promise.all([readFile(options.certFile, "utf8"), readFile(options.keyFile, "utf8")]);
    const x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(key))) throw new Error(`${options.keyFile} is not the private key of ${options.certFile}`);
    return { cert, key, fingerprint256: x509.fingerprint256, selfSigned: false };
  }
  return selfSignedCertificate();
}

// --- A minimal DER writer: node:crypto makes keys and signatures but not certificates; this builds the few
// --- X.509 structures a self-signed server certificate needs (RFC 5280 §4.1), so no dependency is needed.

function der(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, content]);
}
const seq = (...parts: Buffer[]) => der(0x30, Buffer.concat(parts));
const oid = (dotted: string): Buffer => {
  const [a, b, ...rest] = dotted.split(".").map(Number) as [number, number, ...number[]];
  const bytes = [40 * a + b];
  for (const value of rest) {
    const groups = [value & 0x7f];
    for (let v = value >> 7; v > 0; v >>= 7) groups.unshift((v & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return der(0x06, Buffer.from(bytes));
};
const utcTime = (date: Date) => der(0x17, Buffer.from(`${date.toISOString().slice(2, 19).replace(/[-T:]/g, "")}Z`, "ascii"));
const name = (commonName: string) => seq(der(0x31, seq(oid("2.5.4.3"), der(0x0c, Buffer.from(commonName, "utf8")))));

/** A self-signed ECDSA P-256 certificate for localhost, 127.0.0.1 and ::1, valid for 30 days from an hour ago. */
export function selfSignedCertificate(commonName = "gateproof local"): TlsMaterial {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  const ecdsaSha256 = seq(oid("1.2.840.10045.4.3.2"));
  const now = Date.now();
  const altNames = seq(
    der(0x82, Buffer.from("localhost", "ascii")),
    der(0x87, Buffer.from([127, 0, 0, 1])),
    der(0x87, Buffer.concat([Buffer.alloc(15), Buffer.from([1])])),
  );
  const extensions = der(0xa3, seq(
    seq(oid("2.5.29.17"), der(0x04, altNames)),
    // extendedKeyUsage serverAuth
    seq(oid("2.5.29.37"), der(0x04, seq(oid("1.3.6.1.5.5.7.3.1")))),
  ));
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, serial),
    ecdsaSha256,
    name(commonName),
    seq(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 30 * 86_400_000))),
    name(commonName),
    publicKey.export({ type: "spki", format: "der" }),
    extensions,
  );
  const signature = sign("sha256", tbs, privateKey as KeyObject);
  const certificate = seq(tbs, ecdsaSha256, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const cert = `-----BEGIN CERTIFICATE-----\n${certificate.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n?$/, "\n")}-----END CERTIFICATE-----\n`;
  const key = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return { cert, key, fingerprint256: new X509Certificate(cert).fingerprint256, selfSigned: true };
}

/**
 * An HTTPS server answering with the request listener of `plain` (a gateway server from rest/server.ts), over
 * HTTP/2 or HTTP/1.1 as the client's ALPN chooses. It has closeIdleConnections/closeAllConnections like node:http,
 * so graceful shutdown (drainServer) treats both alike.
 */
export function secureGatewayServer(plain: http.Server, material: TlsMaterial): http2.Http2SecureServer {
  const listener = plain.listeners("request")[0] as GatewayListener | undefined;
  if (!listener) throw new Error("secureGatewayServer: the server has no request listener");
  const server = http2.createSecureServer({ key: material.key, cert: material.cert, allowHTTP1: true, minVersion: "TLSv1.2" }, listener as never);
  trackServer(server, listener);
  // Idle sockets and sessions are closed after the plain server's keep-alive timeout (slowloris included).
  server.setTimeout(plain.keepAliveTimeout || 65_000);
  server.on("clientError", clientErrorHandler as never);
  const sessions = new Set<http2.ServerHttp2Session>();
  const sockets = new Set<Socket>();
  server.on("session", (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  server.on("secureConnection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  Object.assign(server, {
    closeIdleConnections: () => {
      // HTTP/2: GOAWAY, open streams finish. HTTP/1.1: answered with Connection: close while draining.
      for (const session of sessions) if (!session.closed) session.close();
    },
    closeAllConnections: () => {
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
    },
  });
  return server;
}

/**
 * Makes a node:http server (a WebSocket API's: upgrades and its @connections requests) serve TLS on the port it
 * listens on: each accepted TCP connection is wrapped in a server-side TLS socket and handed to node:http once the
 * handshake is done, so upgrades, timeouts, address(), close() and closeAllConnections work as before. ALPN offers
 * HTTP/1.1 only: WebSocket over HTTP/2 (RFC 8441) is not what API Gateway or `ws` speak. A handshake that does not
 * finish within the server's headers timeout is cut (slowloris before the first byte of HTTP).
 */
export function serveOverTls(server: http.Server, material: TlsMaterial): http.Server {
  const secureContext = tls.createSecureContext({ key: material.key, cert: material.cert, minVersion: "TLSv1.2" });
  const httpConnection = server.listeners("connection") as Array<(socket: Socket) => void>;
  server.removeAllListeners("connection");
  server.on("connection", (raw: Socket) => {
    const socket = new tls.TLSSocket(raw, { isServer: true, secureContext, ALPNProtocols: ["http/1.1"] });
    const handshake = setTimeout(() => socket.destroy(), server.headersTimeout || 60_000);
    socket.on("error", () => socket.destroy());
    // A client that gives up during the handshake (e.g. it does not trust the certificate) leaves a half-open socket
    // nobody else would close: node:http only takes it over once it is secure.
    const abandoned = () => socket.destroy();
    socket.once("end", abandoned);
    socket.once("close", () => clearTimeout(handshake));
    socket.once("secure", () => {
      clearTimeout(handshake);
      socket.off("end", abandoned);
      for (const listener of httpConnection) listener.call(server, socket);
    });
  });
  return server;
}
