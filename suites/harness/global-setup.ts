import type { TestProject } from "vitest/node";
import { startGateway } from "../../reference-gateway/index.ts";
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
  const external = process.env.TARGET_URL;
  if (external) {
    project.provide("targetUrl", external.replace(/\/+$/, ""));
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
