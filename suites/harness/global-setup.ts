import type { TestProject } from "vitest/node";
import { startGateway } from "../../reference-gateway/index.ts";
import { request } from "undici";
import { awaitConvergence } from "../../src/conformance/converge.ts";
import { resolveSupport } from "../../src/conformance/support.ts";
import { startEchoBackend } from "./echo-backend.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** REST base URL including the stage, e.g. http://127.0.0.1:41234/test. */
    targetUrl: string;
    /** "reference" when the suites started the gateway themselves, else "external". */
    targetKind: "reference" | "external";
  }
}

const FIXTURE = new URL("../fixture/template.yaml", import.meta.url).pathname;

/**
 * Target selection, once per run: TARGET_URL points the suites at any deployment of the fixture; without it the
 * reference gateway is started in-process on a free loopback port, with the echo backend behind it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The conformance declaration (GATEPROOF_SUPPORTED_FEATURES, …) is read once here so a bad one fails the run
  // before any test, rather than in every worker.
  resolveSupport(process.env);
  const external = process.env.TARGET_URL;
  if (external) {
    const base = external.replace(/\/+$/, "");
    const readyPath = process.env.GATEPROOF_READY_PATH;
    if (readyPath) {
      // A fresh deployment is eventually consistent: wait for three 2xx answers in a row before any test.
      await awaitConvergence(
        async () => {
          const response = await request(base + readyPath, { headers: { "x-gateproof-test-id": "gp-ready" } });
          await response.body.dump();
          if (response.statusCode >= 300) throw new Error(`GET ${base}${readyPath} answered ${response.statusCode}`);
        },
        { successes: 3, timeoutMs: Number(process.env.GATEPROOF_READY_TIMEOUT_MS ?? 60_000) },
      );
    }
    project.provide("targetUrl", base);
    project.provide("targetKind", "external");
    return async () => {};
  }
  const backend = await startEchoBackend();
  const gateway = await startGateway({
    template: FIXTURE,
    port: 0,
    parameterOverrides: { BackendUrl: backend.url },
    log: (line) => {
      if (process.env.GATEPROOF_LOG) process.stderr.write(line.endsWith("\n") ? line : `${line}\n`);
    },
  });
  const rest = gateway.urls.find((entry) => entry.api === "FixtureApi");
  if (!rest) throw new Error("fixture has no FixtureApi");
  project.provide("targetUrl", rest.url);
  project.provide("targetKind", "reference");
  return async () => {
    await gateway.close();
    await backend.close();
  };
}
