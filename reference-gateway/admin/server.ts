import http from "node:http";
import type { AdminResponse, AdminRouter } from "./router.ts";

const MAX_BODY = 1024 * 1024;

function decodeSegments(path: string): string {
  return path.split("/").map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  }).join("/");
}

function send(res: http.ServerResponse, response: AdminResponse): void {
  const body = response.json !== undefined ? `${JSON.stringify(response.json, null, 2)}\n` : (response.text ?? "");
  const headers: Record<string, string> = {
    ...(response.json !== undefined ? { "Content-Type": "application/json" } : { "Content-Type": "text/plain; charset=utf-8" }),
    ...response.headers,
    "Content-Length": String(Buffer.byteLength(body)),
  };
  res.writeHead(response.status, headers);
  res.end(body);
}

/** The node:http face of the admin router: its own port, loopback by default, never an API stage. */
export function createAdminServer(router: AdminRouter, log: (line: string) => void): http.Server {
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > MAX_BODY) return send(res, { status: 413, json: { message: "admin request body over 1 MB" } });
      const url = new URL(req.url ?? "/", "http://admin");
      router
        .handle({ method: req.method ?? "GET", path: decodeSegments(url.pathname), query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks) })
        .then((response) => send(res, response))
        .catch((error: unknown) => {
          log(`admin ${req.method} ${req.url} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          if (!res.headersSent) send(res, { status: 500, json: { message: error instanceof Error ? error.message : String(error) } });
        });
    });
  });
}
