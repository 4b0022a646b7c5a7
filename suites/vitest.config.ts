import { defineConfig } from "vitest/config";

// Lives under suites/ because the top level of the repo is fixed; package.json points vitest here.
export default defineConfig({
  test: {
    root: new URL("..", import.meta.url).pathname,
    include: ["suites/**/*.test.ts"],
    globalSetup: ["suites/harness/global-setup.ts"],
    // No process a test file started outlives the file (suites/harness/processes.ts).
    setupFiles: ["suites/harness/setup-processes.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Test files share their worker's module cache: importing the gateway once per worker, not once per file, halves
    // the run. Files keep their own gateways and state; nothing in the suites relies on fresh module state.
    isolate: false,
    // .ci/run reads the JSON report for its closing "N passed, N failed" line.
    reporters: process.env.GATEPROOF_TEST_RESULTS ? ["default", "json"] : ["default"],
    outputFile: process.env.GATEPROOF_TEST_RESULTS ? { json: process.env.GATEPROOF_TEST_RESULTS } : undefined,
  },
});
