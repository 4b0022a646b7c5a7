/**
 * The no-auth-bypass property's parts, shared by suites/property/robustness-auth-bypass.test.ts (API key and Lambda
 * authorizers) and suites/property/auth-bypass-iam-cognito-http-api.property.test.ts (IAM, Cognito, HTTP API IAM,
 * JWT and Lambda authorizers): generated variants of a protected request, and a raw-socket sender that says whether the request reached the echo backend.
 * Status codes alone are not trusted: a marker header must never show up in the backend's request log.
 */
import fc from "fast-check";
import type { EchoBackend } from "../harness/echo-backend.ts";
import { rawExchange } from "./harness.ts";

let nonce = 0;

/**
 * Sends one request over a raw socket with a unique marker header; `reached` is true when the marker reached the
 * backend. `path` is the whole request target (stage included), sent as is.
 */
export async function reachesBackend(backend: EchoBackend, port: number, method: string, path: string, headers: Array<[string, string]>, body = "{}"): Promise<{ reached: boolean; answer: string }> {
  const marker = `gp-bypass-${process.pid}-${++nonce}`;
  const lines = [`${method} ${path} HTTP/1.1`, "Host: x", "Connection: close", `X-Marker: ${marker}`, ...headers.map(([n, v]) => `${n}: ${v}`)];
  const withBody = !["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase());
  const text = `${lines.join("\r\n")}\r\n${withBody ? `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}` : "\r\n"}`;
  const { data } = await rawExchange(port, text, { quietMs: 200, firstByteMs: 5_000, maxMs: 5_000 });
  const reached = backend.received.some((r) => r.headers.some(([n, v]) => n.toLowerCase() === "x-marker" && v === marker));
  return { reached, answer: data.toString("latin1").split("\r\n")[0] ?? "" };
}

/** Spellings of a path (stage-relative, starting with "/") that some server somewhere has normalised. */
export const spelling = (path: string) =>
  fc.constantFrom(
    path,
    path.toUpperCase(),
    `${path}/`,
    `/${path}`,
    `/.${path}`,
    path.replace(/^\//, "/./"),
    `/x/..${path}`,
    `/x/%2e%2e${path}`,
    path.replace(/-/g, "%2D"),
    path.replace(/-/g, "%252D"),
    path.replace(/\//g, "%2F"),
    `${path};x=1`,
    `${path}%00`,
    `${path}%20`,
    `${path}?x=1`,
    `${path}#f`,
  );
export const verb = (method: string) => fc.constantFrom(method, method.toLowerCase(), "HEAD", "OPTIONS", "GET", "POST", "DELETE", "PATCH");
export const override = fc.option(fc.constantFrom("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"), { nil: undefined });
