import { request } from "undici";
import { describe, expect, it } from "vitest";
import { header, isReference, send, targetUrl } from "../harness/target.ts";

const MiB = 1024 * 1024;
const LIMIT = 10 * MiB; // spec §10: REST payload limit 10 MB (10485760 bytes per the captured 413 text)

async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await run();
  return { result, ms: performance.now() - started };
}

describe("integration timeout (timeoutInMillis 300 on /slow-backend)", () => {
  it("a backend slower than the timeout → 504 INTEGRATION_TIMEOUT at ~300 ms", async () => {
    const { result: response, ms } = await timed(() => send("GET", "/slow-backend?delay=2000"));
    // spec §10: on timeout 504 INTEGRATION_TIMEOUT; body captured with the space after the colon [OBS].
    expect(response.status).toBe(504);
    expect(response.text).toBe('{"message": "Endpoint request timed out"}');
    // spec §2.2 [LS]: INTEGRATION_TIMEOUT → InternalServerErrorException.
    expect(header(response, "x-amzn-errortype")).toBe("InternalServerErrorException");
    expect(header(response, "content-type")).toBe("application/json");
    // Answered when the timeout fires, not when the backend finally answers (2000 ms).
    expect(ms).toBeGreaterThanOrEqual(280);
    expect(ms).toBeLessThan(1500);
  });

  it("a backend faster than the timeout → 200", async () => {
    const response = await send("GET", "/slow-backend?delay=50");
    expect(response.status).toBe(200);
    // The HTTP_PROXY URI is ${BackendUrl}/slow; the client's query string is appended.
    expect(response.json<{ url: string }>().url).toBe("/slow?delay=50");
  });
});

describe("Lambda function timeout (SlowFunction Timeout: 1 s)", () => {
  it("a function running past its timeout → 502 Internal server error at ~1 s; the next call is served", async () => {
    const { result: response, ms } = await timed(() => send("GET", "/slow?ms=3000"));
    // Lambda returns a timeout error instead of a proxy response → 502 (spec §2.3, [KC] malformed-502).
    expect(response.status).toBe(502);
    expect(response.text).toBe('{"message": "Internal server error"}');
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(ms).toBeLessThan(2800);
    if (isReference()) expect(header(response, "x-amzn-errortype")).toBe("InternalServerErrorException");

    const after = await send("GET", "/slow?ms=10");
    expect(after.status).toBe(200);
    expect(after.json()).toEqual({ sleptMs: 10 });
  });
});

describe("payload limit (spec §10: 10 MB → 413 REQUEST_TOO_LARGE)", () => {
  // /mock/strict ignores the body, so the answer is small. (/echo would hit Lambda's 6 MB invoke payload limit,
  // which is a different limit; see the report.)
  const post = (body: Buffer) => request(`${targetUrl()}/mock/strict`, { method: "POST", headers: { "content-type": "application/json" }, body });

  it("exactly 10 MiB is accepted", async () => {
    const response = await post(Buffer.alloc(LIMIT, 0x20));
    expect(response.statusCode).toBe(200);
    expect(await response.body.text()).toBe('{"strict":true}');
  });

  it("10 MiB + 1 byte → 413 with the plain-text body AWS sends", async () => {
    const response = await post(Buffer.alloc(LIMIT + 1, 0x20));
    expect(response.statusCode).toBe(413);
    // Captured from AWS [OBS, spec §2.3]: plain text, not the JSON gateway-response body.
    expect(await response.body.text()).toBe("HTTP content length exceeded 10485760 bytes.");
    expect(String(response.headers["content-type"])).toMatch(/^text/);
    // Not customisable, so the fixture's DEFAULT_4XX headers are absent (spec §2: REQUEST_TOO_LARGE).
    expect(response.headers["x-fixture"]).toBeUndefined();
  });

  it("a chunked upload (no Content-Length) of 11 MiB → 413, and the gateway keeps serving", async () => {
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    async function* body() {
      for (let sent = 0; sent < 11 * MiB; sent += chunk.length) yield chunk;
    }
    const response = await request(`${targetUrl()}/mock/strict`, { method: "POST", headers: { "content-type": "application/json" }, body: body() });
    expect(response.statusCode).toBe(413);
    expect(await response.body.text()).toBe("HTTP content length exceeded 10485760 bytes.");

    const after = await send("GET", "/mock?q=after");
    expect(after.status).toBe(200);
    expect(after.json<{ q: string }>().q).toBe("after");
  });

  it("a 5 MiB body is well within the limit", async () => {
    const response = await post(Buffer.alloc(5 * MiB, 0x20));
    expect(response.statusCode).toBe(200);
    await response.body.text();
  });
});
