import type { TestProject } from "vitest/node";
import { startGateway } from "../../reference-gateway/index.ts";
import { request } from "undici";
import { awaitConvergence } from "../../src/conformance/converge.ts";
import { resolveSupport } from "../../src/conformance/support.ts";
import { startEchoBackend } from "./echo-backend.ts";
import { FIXTURE_API_KEY } from "./fixture.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** REST base URL including the stage, e.g. http://127.0.0.1:41234/test. */
    targetUrl: string;
    /** "reference" when the suites started the gateway themselves, else "external". */
    targetKind: "reference" | "external";
    /** The fixture's HTTP API ($default stage, no trailing slash); "" when an external run named none. */
    httpApiUrl: string;
    httpApiKind: "reference" | "external";
  }
}

const FIXTURE = new URL("../fixture/template.yaml", import.meta.url).pathname;

/**
 * Target selection, once per run: TARGET_URL points the suites at any deployment of the fixture; without it the
 * reference gateway is started in-process on a free loopback port, with the echo backend behind it.
 */
/** Three 2xx answers in a row from `url` before any test: a fresh deployment is eventually consistent. */
async function converged(url: string): Promise<void> {
  await awaitConvergence(
    async () => {
      const response = await request(url, { headers: { "x-gateproof-test-id": "gp-ready" } });
      await response.body.dump();
      if (response.statusCode >= 300) throw new Error(`GET ${url} answered ${response.statusCode}`);
    },
    { successes: 3, timeoutMs: Number(process.env.GATEPROOF_READY_TIMEOUT_MS ?? 60_000) },
  );
}

/**
 * Target selection, once per run. TARGET_URL points the REST suites at any deployment of the fixture and
 * TARGET_HTTP_API_URL the HTTP API suites at its FixtureHttpApiUrl; without TARGET_URL the reference gateway is
 * started in-process on free loopback ports, with the echo backend behind it, and serves both (an external
 * TARGET_HTTP_API_URL still wins for the HTTP API suites). An external REST target without an HTTP API URL leaves
 * the HTTP API suites without a target: they are reported not supported (suites/harness/conformance.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The conformance declaration (GATEPROOF_SUPPORTED_FEATURES, …) is read once here so a bad one fails the run
  // before any test, rather than in every worker.
  resolveSupport(process.env);
  const external = process.env.TARGET_URL;
  const externalHttpApi = process.env.TARGET_HTTP_API_URL?.replace(/\/+$/, "");
  if (externalHttpApi) {
    // Any route of the fixture's HTTP API that answers 200 without credentials.
    await converged(`${externalHttpApi}/open`);
    project.provide("httpApiUrl", externalHttpApi);
    project.provide("httpApiKind", "external");
  }
  if (external) {
    const base = external.replace(/\/+$/, "");
    const readyPath = process.env.GATEPROOF_READY_PATH;
    if (readyPath) await converged(base + readyPath);
    project.provide("targetUrl", base);
    project.provide("targetKind", "external");
    if (!externalHttpApi) {
      project.provide("httpApiUrl", "");
      project.provide("httpApiKind", "external");
    }
    return async () => {};
  }
  const backend = await startEchoBackend();
  const gateway = await startGateway({
    template: FIXTURE,
    port: 0,
    // --api-key (TARGET_API_KEY) is the key the suites send; the reference is deployed with it, as a user's stack would be.
    parameterOverrides: { BackendUrl: backend.url, ApiKeyValue: FIXTURE_API_KEY },
    log: (line) => {
      if (process.env.GATEPROOF_LOG) process.stderr.write(line.endsWith("\n") ? line : `${line}\n`);
    },
  });
  const rest = gateway.urls.find((entry) => entry.api === "FixtureApi");
  const httpApi = gateway.urls.find((entry) => entry.api === "FixtureHttpApi");
  if (!rest || !httpApi) throw new Error("fixture has no FixtureApi or FixtureHttpApi");
  project.provide("targetUrl", rest.url);
  project.provide("targetKind", "reference");
  if (!externalHttpApi) {
    project.provide("httpApiUrl", httpApi.url);
    project.provide("httpApiKind", "reference");
  }
  return async () => {
    await gateway.close();
    await backend.close();
  };
}
