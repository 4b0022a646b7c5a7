/**
 * The gateway's backend agent (reference-gateway/integrations/http-client.ts) loads undici at the first integration
 * request, not at start: requests sent while it loads are all answered, and a gateway that never calls a backend
 * closes without loading it. It keeps one connection pool per origin and drops a pool once its connections close.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { BackendAgent, sendToBackend } from "../../../reference-gateway/integrations/http-client.ts";
import { features } from "../../harness/conformance.ts";

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("backend agent: undici on first use", features(["rest.http-proxy"], { referenceOnly: true }), () => {
  it("answers every request sent while undici loads, through one pool per origin", async () => {
    const server = http.createServer((req, res) => res.end(req.url));
    const other = http.createServer((req, res) => res.end(`other ${req.url}`));
    const origin = await listen(server);
    const otherOrigin = await listen(other);
    const backend = new BackendAgent();
    try {
      expect(backend.pool(origin)).toBeUndefined();
      const send = (to: string, path: string) => sendToBackend(backend, { origin: to, path, method: "GET", headers: [], body: undefined }, 5_000);
      const answers = await Promise.all([send(origin, "/a"), send(origin, "/b"), send(otherOrigin, "/c")]);
      expect(answers.map((answer) => [answer.status, answer.body.toString()])).toEqual([[200, "/a"], [200, "/b"], [200, "other /c"]]);
      const pool = backend.pool(origin);
      expect(pool).toBeDefined();
      expect(backend.pool(otherOrigin)).not.toBe(pool);
      await send(origin, "/d");
      expect(backend.pool(origin)).toBe(pool);
    } finally {
      await backend.destroy();
      server.close();
      other.close();
    }
  });

  it("drops an origin's pool once the backend has closed its connections, and opens a new one for the next request", async () => {
    const server = http.createServer((req, res) => res.end(req.url));
    const origin = await listen(server);
    const backend = new BackendAgent();
    try {
      const send = (path: string) => sendToBackend(backend, { origin, path, method: "GET", headers: [], body: undefined }, 5_000);
      await send("/a");
      const pool = backend.pool(origin)!;
      const disconnected = new Promise((resolve) => pool.once("disconnect", resolve));
      server.closeAllConnections();
      await disconnected;
      expect(backend.pool(origin)).not.toBe(pool);
      expect((await send("/b")).body.toString()).toBe("/b");
    } finally {
      await backend.destroy();
      server.close();
    }
  });

  it("closes without loading undici when no backend was called", async () => {
    const backend = new BackendAgent();
    await backend.destroy();
    expect(backend.pool("http://127.0.0.1:9")).toBeUndefined();
  });
});
