import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { httpApiUrl, send, type TargetResponse } from "../harness/target.ts";
import { features } from "../harness/conformance.ts";

/**
 * For any origin / method / header request, the CORS answer of an HTTP API follows its CorsConfiguration (spec §5.2,
 * http-api-cors.md; rules pinned in reference-gateway/http-api/cors.ts). Over real sockets against the fixture's HTTP
 * API (suites/fixture/template.yaml FixtureHttpApi: AllowOrigins [https://app.example, http://*], AllowMethods
 * [GET, POST], AllowHeaders [content-type, x-token], ExposeHeaders [x-one], MaxAge 600, AllowCredentials true), the
 * reference's or a deployment's (TARGET_HTTP_API_URL).
 * Bounded: 60 runs per property, seed from GATEPROOF_SEED.
 */
const seed = process.env.GATEPROOF_SEED ? Number(process.env.GATEPROOF_SEED) : 0xc0125;

const ORIGINS = ["https://app.example", "https://APP.example", "http://localhost:3000", "http://anything.test", "https://evil.example", "https://app.example.evil", "null", "file://x"];
const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "get"];
const HEADERS = ["content-type", "Content-Type", "x-token", "X-Token", "authorization", "x-other"];

/** The documented rules, restated independently of the implementation. */
const allowedOrigin = (origin: string) => origin.toLowerCase() === "https://app.example" || origin.toLowerCase().startsWith("http://");
const allowedMethod = (method: string) => ["GET", "POST"].includes(method.toUpperCase());
const allowedHeader = (name: string) => ["content-type", "x-token"].includes(name.toLowerCase());

const corsHeaders = (response: TargetResponse) => Object.keys(response.headers).filter((name) => name.startsWith("access-control-")).sort();

describe("HTTP API CORS properties", features(["cors.http-api"], { target: "http-api" }), () => {
  let base: string;
  beforeAll(() => {
    base = httpApiUrl();
  });

  it("preflights: 204, no body; allow-* headers exactly when origin, method and every header are allowed", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ORIGINS), fc.constantFrom(...METHODS), fc.subarray(HEADERS), fc.constantFrom("/open", "/jwt", "/x/y"), async (origin, method, headers, path) => {
        const requestHeaders: Record<string, string> = { origin, "access-control-request-method": method };
        if (headers.length > 0) requestHeaders["access-control-request-headers"] = headers.join(", ");
        const response = await send("OPTIONS", path, { base, headers: requestHeaders });
        expect(response.status).toBe(204);
        expect(response.text).toBe("");
        const allowed = allowedOrigin(origin) && allowedMethod(method) && headers.every(allowedHeader);
        if (!allowed) {
          expect(corsHeaders(response)).toEqual([]);
          return;
        }
        expect(corsHeaders(response)).toEqual(["access-control-allow-credentials", "access-control-allow-headers", "access-control-allow-methods", "access-control-allow-origin", "access-control-max-age"]);
        // With credentials, never "*": the request's own origin, and caches told it varies by Origin.
        expect(response.headers["access-control-allow-origin"]).toBe(origin);
        expect(response.headers["vary"]).toBe("Origin");
        expect(response.headers["access-control-allow-credentials"]).toBe("true");
      }),
      { seed, numRuns: 60 },
    );
  });

  it("actual requests: the backend's CORS headers never pass; allowed origins get origin, credentials, expose headers", async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(fc.constantFrom(...ORIGINS), { nil: undefined }), fc.constantFrom("GET", "POST", "PUT"), async (origin, method) => {
        const response = await send(method, "/open", { base, headers: origin === undefined ? {} : { origin } });
        expect(response.status).toBe(200);
        // The function always answers access-control-allow-origin: https://evil.example; it must never show.
        expect(response.headers["access-control-allow-origin"]).not.toBe("https://evil.example");
        if (origin === undefined || !allowedOrigin(origin)) {
          expect(corsHeaders(response)).toEqual([]);
          return;
        }
        expect(response.headers["access-control-allow-origin"]).toBe(origin);
        expect(response.headers["access-control-allow-credentials"]).toBe("true");
        expect(response.headers["access-control-expose-headers"]).toBe("x-one");
      }),
      { seed, numRuns: 60 },
    );
  });
});
