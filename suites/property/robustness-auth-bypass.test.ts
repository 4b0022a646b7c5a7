/**
 * No auth bypass, proven by the backend: for every protected HTTP_PROXY method of the robustness fixture (API key,
 * TOKEN and REQUEST Lambda authorizers, a cached TOKEN authorizer, key + authorizer together) and generated variants
 * of the request — path spellings, case, trailing characters, double encoding, HEAD/OPTIONS, method-override headers,
 * missing, wrong, near-miss and misplaced credentials — the echo backend's request log never shows the request.
 * Status codes alone are not trusted. The methods are enumerated from the loaded model, so a protected route added to
 * the fixture is covered without touching this file.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import type { Resource } from "../../reference-gateway/model/index.ts";
import { startEchoBackend, type EchoBackend } from "../harness/echo-backend.ts";
import { features } from "../harness/conformance.ts";
import { reachesBackend, override, spelling, verb } from "../robustness/bypass.ts";
import { fuzzRuns, fuzzSeed, ROBUSTNESS_SECRETS, ROBUSTNESS_TEMPLATE } from "../robustness/harness.ts";

let gateway: RunningGateway;
let backend: EchoBackend;
let port: number;
let protectedMethods: Array<{ path: string; method: string; needs: string[] }> = [];

beforeAll(async () => {
  backend = await startEchoBackend();
  gateway = await startGateway({ template: ROBUSTNESS_TEMPLATE, port: 0, parameterOverrides: { EchoUrl: backend.url, FaultUrl: backend.url }, log: () => {} });
  port = Number(new URL(gateway.urls[0]!.url).port);
  const api = gateway.model.restApis[0]!;
  const walk = (resource: Resource): void => {
    for (const [verb, method] of Object.entries(resource.methods)) {
      const isProxy = method.integration.type === "HTTP_PROXY" || method.integration.type === "HTTP";
      if (!isProxy || (method.authorizationType === "NONE" && !method.apiKeyRequired)) continue;
      const needs = [method.apiKeyRequired ? "key" : "", method.authorizationType === "CUSTOM" ? api.authorizers[method.authorizerId!]!.name : ""].filter(Boolean);
      protectedMethods.push({ path: resource.path.replace("{proxy+}", "deep/er"), method: verb === "ANY" ? "GET" : verb, needs });
    }
    resource.children.forEach(walk);
  };
  walk(api.root);
});
afterAll(async () => {
  await gateway?.close();
  await backend?.close();
});

/** Sends one request with a unique marker; true when the marker reached the backend. */
const reaches = (method: string, path: string, headers: Array<[string, string]>) => reachesBackend(backend, port, method, `/t${path}`, headers);

/** Credentials that must not be enough: absent, wrong, near misses, in the wrong place, or only half of what is needed. */
const credentials = fc.subarray(
  [
    ["x-api-key", "wrong-key-0123456789abcdef"],
    ["x-api-key", `${ROBUSTNESS_SECRETS.apiKey} `.slice(0, -2)],
    ["x-api-key", ROBUSTNESS_SECRETS.apiKey.toUpperCase()],
    ["x-api-key", ""],
    ["Authorization", "deny-gp-token"],
    ["Authorization", `${ROBUSTNESS_SECRETS.token}x`],
    ["Authorization", `Bearer ${ROBUSTNESS_SECRETS.token}`],
    ["Authorization", ""],
    ["X-Token", "deny-gp-token"],
    ["X-Token", "unknown"],
    ["X-User", "mallory"],
    ["X-User", ""],
    ["X-User", `${ROBUSTNESS_SECRETS.user}x`],
    ["Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00"],
  ] as Array<[string, string]>,
  { maxLength: 3 },
);

describe("no way around authentication, checked by the backend's log", features(["auth.api-key", "auth.lambda-token", "auth.lambda-request", "rest.http-proxy"], { referenceOnly: true }), () => {
  it("the fixture has protected HTTP_PROXY methods, and with the right credentials each one is reached", { timeout: 30_000 }, async () => {
    expect(protectedMethods.length).toBeGreaterThanOrEqual(5);
    for (const { path, method, needs } of protectedMethods) {
      const headers: Array<[string, string]> = [];
      if (needs.includes("key")) headers.push(["x-api-key", ROBUSTNESS_SECRETS.apiKey]);
      if (needs.includes("Token") || needs.includes("CachedToken")) headers.push([needs.includes("CachedToken") ? "X-Token" : "Authorization", ROBUSTNESS_SECRETS.token]);
      if (needs.includes("Request")) headers.push(["X-User", ROBUSTNESS_SECRETS.user]);
      const { reached, answer } = await reaches(method, path, headers);
      expect(reached, `${method} ${path} with ${needs.join("+")}: ${answer}`).toBe(true);
    }
  });

  it("no generated variant without complete valid credentials reaches any protected integration", { timeout: 120_000 }, async () => {
    const variant = fc.constantFrom(...protectedMethods).chain((target) =>
      fc.record({ target: fc.constant(target), path: spelling(target.path), method: verb(target.method), override, credentials }),
    );
    await fc.assert(
      fc.asyncProperty(variant, async ({ target, path, method, override: overrideHeader, credentials: given }) => {
        const headers: Array<[string, string]> = [...given];
        if (overrideHeader) headers.push([overrideHeader, target.method]);
        // Half of what a key+authorizer method needs is still not enough: give the valid key alone there.
        if (target.needs.length > 1) headers.push(["x-api-key", ROBUSTNESS_SECRETS.apiKey]);
        const { reached, answer } = await reaches(method, path, headers);
        expect(reached, `${method} ${path} ${JSON.stringify(headers)} → ${answer}`).toBe(false);
      }),
      { numRuns: fuzzRuns(200), seed: fuzzSeed, interruptAfterTimeLimit: Number(process.env.GATEPROOF_FUZZ_MS ?? 6_000) },
    );
  });
});
