/**
 * The gateway's backend agent (reference-gateway/integrations/http-client.ts) loads undici at the first integration
 * request, not at start: requests sent while it loads are all answered, and a gateway that never calls a backend
 * closes without loading it.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { BackendAgent, sendToBackend } from "../../../reference-gateway/integrations/http-client.ts";
import { features } from "../../harness/conformance.ts";

describe("backend agent: undici on first use", features(["rest.http-proxy"], { referenceOnly: true }), () => {
  it("answers every request sent while undici loads, through one pool", async () => {
    const server = http.createServer((req, res) => res.end(req.url));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const backend = new BackendAgent();
    try {
      expect(backend.loaded).toBeUndefined();
      const send = (path: string) => sendToBackend(backend, { origin, path, method: "GET", headers: [], body: undefined }, 5_000);
      const answers = await Promise.all([send("/a"), send("/b"), send("/c")]);
      expect(answers.map((answer) => [answer.status, answer.body.toString()])).toEqual([[200, "/a"], [200, "/b"], [200, "/c"]]);
      const pool = backend.loaded;
      expect(pool).toBeDefined();
      await send("/d");
      expect(backend.loaded).toBe(pool);
    } finally {
      await backend.destroy();
      server.close();
    }
  });

  it("closes without loading undici when no backend was called", async () => {
    const backend = new BackendAgent();
    await backend.destroy();
    expect(backend.loaded).toBeUndefined();
  });
});
