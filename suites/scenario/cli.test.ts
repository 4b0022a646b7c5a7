import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "undici";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import type { ConformanceReport } from "../../src/conformance/report.ts";
import { features } from "../harness/conformance.ts";
import { spawnNode } from "../harness/processes.ts";
import { startReferenceWithBackend, type ReferenceWithBackend } from "../harness/reference.ts";

const BIN = new URL("../../src/gateproof.mjs", import.meta.url).pathname;
const TWO_APIS = new URL("./fixtures/two-apis/template.yaml", import.meta.url).pathname;
const FIXTURE = new URL("../fixture/template.yaml", import.meta.url).pathname;
const WEBSOCKET = new URL("./fixtures/websocket/template.yaml", import.meta.url).pathname;
const BENCH = new URL("../../src/bench/fixture/template.yaml", import.meta.url).pathname;

/** `gateproof <args>` in its own process, its output collected. */
const run = (args: string[]) => collected([BIN, ...args]);

function collected(argv: string[]) {
  const child = spawnNode(argv, ["ignore", "pipe", "pipe"]);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exit, output: () => ({ stdout, stderr }) };
}

async function until<T>(probe: () => T | undefined, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

// README's first command. package.json's start script as it stands (tsx suites/fixture/start.ts --port 3000): the
// fixture's REST API on 3000 and its HTTP API on 3001, the echo backend anywhere else (it sat on 3001 before, and
// serve died with EADDRINUSE). Skipped, saying so, only when something else holds 3000 or 3001.
const startScript = (JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { scripts: { start: string } }).scripts.start;
const startPort = Number(/--port (\d+)/.exec(startScript)![1]);
const portsFree = await Promise.all([startPort, startPort + 1].map((port) => import("node:net").then((net) => new Promise<boolean>((resolve) => {
  const probe = net.createServer().once("error", () => resolve(false));
  probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
}))));

// The CLI contract of shared/design.md: `gateproof serve <template> [--port N] [--parameter-overrides K=V …] [--urls-file F]`.
describe("gateproof serve", features(["tooling.cli"], { referenceOnly: true, timeout: 60_000 }), () => {
  it("serves each API on its own port in template order, writes --urls-file, and stops cleanly on SIGTERM", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gateproof-cli-"));
    const urlsFile = join(dir, "urls.json");
    // Two consecutive free ports, found while both are held; another test may still grab one before serve binds
    // it, so a start that fails with EADDRINUSE is tried again on a new pair. Under a parallel run the port after a
    // free one is often some client socket's (5 pairs in a row were taken in a conformance run), and looking costs
    // a millisecond: up to 100 pairs are tried.
    const freePair = () =>
      import("node:net").then(
        (net) =>
          new Promise<number | undefined>((resolve) => {
            const first = net.createServer().listen(0, "127.0.0.1", () => {
              const port = (first.address() as { port: number }).port;
              const second = net.createServer().once("error", () => first.close(() => resolve(undefined)));
              second.listen(port + 1, "127.0.0.1", () => second.close(() => first.close(() => resolve(port))));
            });
          }),
      );
    let probe = 0;
    let serve: ReturnType<typeof run> | undefined;
    for (let attempt = 0; attempt < 100 && !serve; attempt++) {
      const port = await freePair();
      if (port === undefined) continue;
      const child = run(["serve", TWO_APIS, "--port", String(port), "--parameter-overrides", "Message=hi there", "--urls-file", urlsFile]);
      const started = await until(() => (child.output().stdout.includes("ready in") ? "ready" : child.child.exitCode !== null ? "exited" : undefined));
      if (started === "ready") [probe, serve] = [port, child];
      else if (!child.output().stderr.includes("EADDRINUSE")) throw new Error(`serve exited: ${child.output().stderr}`);
    }
    if (!serve) throw new Error("no free pair of ports for serve");

    const urls = JSON.parse(await readFile(urlsFile, "utf8")) as Array<{ api: string; type: string; stage: string; url: string }>;
    expect(urls).toEqual([
      { api: "FirstApi", type: "REST", stage: "one", url: `http://127.0.0.1:${probe}/one` },
      { api: "ServerlessRestApi", type: "REST", stage: "Prod", url: `http://127.0.0.1:${probe + 1}/Prod` },
    ]);
    for (const entry of urls) expect(serve.output().stdout).toContain(entry.url);

    const first = await request(`${urls[0]!.url}/hello`);
    expect(await first.body.json()).toEqual({ api: "first", message: "hi there" });
    const second = await request(`${urls[1]!.url}/hello`);
    expect(await second.body.json()).toEqual({ api: "second", message: "hi there" });

    serve.child.kill("SIGTERM");
    expect(await serve.exit).toBe(0);
  });

  // Run by a supervisor (this test) over an IPC channel, serve stops when the channel closes: the supervisor is gone,
  // even by SIGKILL, which sends its children nothing (suites/robustness/orphans.test.ts kills one).
  it("started with an IPC channel, stops gracefully (exit 0) when the channel closes", async () => {
    const serve = run(["serve", TWO_APIS, "--port", "0", "--parameter-overrides", "Message=supervised"]);
    await until(() => (serve.output().stdout.includes("ready in") ? true : undefined));
    serve.child.disconnect();
    expect(await serve.exit).toBe(0);
  });

  it("fails at load with file, JSON path and reason, and exit code 1", async () => {
    const serve = run(["serve", TWO_APIS, "--port", "0"]);
    expect(await serve.exit).toBe(1);
    expect(serve.output().stderr).toMatch(/two-apis\/template\.yaml: \$\.Parameters\.Message: .+/);
  });

  // Every security setting is enforced now (load/enforcement.ts); the refusal gate itself is covered by the loader's unit
  // tests (LoadOptions.enforcedSecurity). Here: a secured route read from a file is served secured, never open.
  it("serves a route that requires an API key as secured: without a usable key, 403 Forbidden (spec §8)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gateproof-cli-"));
    const file = join(dir, "secured.yaml");
    await writeFile(
      file,
      [
        'openapi: "3.0.1"',
        "info: { title: secured, version: '1' }",
        "components:",
        "  securitySchemes:",
        "    api_key: { type: apiKey, name: x-api-key, in: header }",
        "paths:",
        "  /secret:",
        "    get:",
        "      security: [{ api_key: [] }]",
        "      x-amazon-apigateway-integration:",
        "        type: mock",
        "        requestTemplates: { application/json: '{\"statusCode\": 200}' }",
        "        responses: { default: { statusCode: '200' } }",
        "",
      ].join("\n"),
    );
    const serve = run(["serve", file, "--port", "0"]);
    const url = await until(() => /(http:\/\/127\.0\.0\.1:\d+\/prod)/.exec(serve.output().stdout)?.[1]);
    const response = await request(`${url}/secret`, { headers: { "x-api-key": "gateproofUnknownKey0123456789" } });
    expect(response.statusCode).toBe(403);
    expect(await response.body.text()).toBe('{"message":"Forbidden"}');
    serve.child.kill("SIGTERM");
    expect(await serve.exit).toBe(0);
  });

  // The command runs a bundle in which packages imported on first use (undici, at the first backend call) are chunks of
  // their own; a CommonJS one's exports must come out of such a chunk as they do from node_modules under tsx.
  it("proxies HTTP_PROXY requests, loading undici at the first backend call", async () => {
    const backend = http.createServer((req, res) => res.end(JSON.stringify({ path: req.url })));
    await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
    const serve = run(["serve", BENCH, "--port", "0", "--parameter-overrides", `BackendUrl=http://127.0.0.1:${(backend.address() as AddressInfo).port}`]);
    try {
      const url = await until(() => /(http:\/\/127\.0\.0\.1:\d+\/bench)/.exec(serve.output().stdout)?.[1]);
      for (let i = 0; i < 2; i++) {
        const response = await request(`${url}/proxy`);
        expect(response.statusCode).toBe(200);
        expect(await response.body.json()).toEqual({ path: "/" });
      }
      serve.child.kill("SIGTERM");
      expect(await serve.exit).toBe(0);
    } finally {
      backend.close();
    }
  });

  it.skipIf(!portsFree.every(Boolean))(`npm start (${startScript}) serves the fixture's REST and HTTP APIs, the echo backend behind /proxy`, async () => {
    const [command, ...args] = startScript.split(" ");
    expect(command).toBe("tsx");
    const tsx = new URL("../../node_modules/tsx/dist/cli.mjs", import.meta.url).pathname;
    const start = collected([tsx, ...args]);
    try {
      const started = await until(() => (start.output().stdout.includes("ready in") ? "ready" : start.child.exitCode !== null ? "exited" : undefined), 45_000);
      expect(started, start.output().stderr).toBe("ready");
      expect(start.output().stdout).toContain(`http://127.0.0.1:${startPort}/test`);
      const proxied = await request(`http://127.0.0.1:${startPort}/test/proxy/hello`);
      expect(proxied.statusCode).toBe(200);
      expect(((await proxied.body.json()) as { url: string }).url).toBe("/hello");
      const httpApi = await request(`http://127.0.0.1:${startPort + 1}/echo`, { method: "POST", body: "{}" });
      expect(httpApi.statusCode).toBe(200);
      await httpApi.body.dump();
    } finally {
      start.child.kill("SIGTERM");
      await start.exit;
    }
  });

  it("rejects unknown options with usage and exit code 2", async () => {
    const serve = run(["serve", TWO_APIS, "--bogus"]);
    expect(await serve.exit).toBe(2);
    expect(serve.output().stderr).toContain("usage: gateproof");
  });
});

// `gateproof conformance` against targets given by URL: a reference gateway this test starts on the fixture (with
// another API key value than the template's default, as a user's deployment may have) and on the WebSocket fixture.
describe("gateproof conformance: --target, --http-api-url, --ws-url, --api-key reach the suites", features(["tooling.cli"], { referenceOnly: true, timeout: 240_000 }), () => {
  const KEY = "cliDeployedKey0123456789abcdef";
  const SUITES = ["suites/scenario/http-api.test.ts", "suites/scenario/api-keys.test.ts", "suites/scenario/websocket-limits.test.ts"];
  const FEATURES = ["--features", "http-api.routing,auth.api-key,websocket.limits"];
  let fixture: ReferenceWithBackend;
  let webSocket: RunningGateway;
  let eventsDir: string;

  beforeAll(async () => {
    fixture = await startReferenceWithBackend(FIXTURE, { parameterOverrides: { ApiKeyValue: KEY } });
    eventsDir = await mkdtemp(join(tmpdir(), "gateproof-cli-ws-"));
    webSocket = await startGateway({ template: WEBSOCKET, port: 0, log: () => {}, parameterOverrides: { EventsDir: eventsDir } });
  });
  afterAll(async () => {
    await fixture?.close();
    await webSocket?.close();
  });

  async function conformanceRun(args: string[], suites = SUITES, selected = FEATURES): Promise<{ code: number | null; report: ConformanceReport; stderr: string }> {
    const reportDir = await mkdtemp(join(tmpdir(), "gateproof-cli-report-"));
    const child = run(["conformance", ...args, ...selected, "--report-dir", reportDir, ...suites]);
    const code = await child.exit;
    return { code, report: JSON.parse(await readFile(join(reportDir, "conformance.json"), "utf8")) as ConformanceReport, stderr: child.output().stderr };
  }
  const statuses = (report: ConformanceReport, file: string) => new Set(report.tests.filter((t) => t.file.endsWith(file)).map((t) => t.status));

  it("with every flag: the HTTP API, WebSocket and API-key tests run against the given URLs and pass", async () => {
    const rest = fixture.url("FixtureApi");
    const httpApi = fixture.url("FixtureHttpApi");
    const ws = webSocket.urls.find((u) => u.api === "ChatApi")!.url;
    const before = fixture.backend.received.length;
    const { code, report, stderr } = await conformanceRun(["--target", rest, "--http-api-url", httpApi, "--ws-url", ws, "--api-key", KEY]);
    expect(code, stderr).toBe(0);
    expect(report.target).toMatchObject({ kind: "external", url: rest, httpApiUrl: httpApi, wsUrl: ws });
    expect(report.summary.failed).toBe(0);
    // The fixture HTTP API's tests passed (its two-API block is reference-only against an external target) …
    expect(statuses(report, "http-api.test.ts")).toEqual(new Set(["passed", "reference-only"]));
    // … on this gateway: its HTTP_PROXY routes reached this test's echo backend.
    expect(fixture.backend.received.slice(before).map((r) => r.url)).toContain("/things/42?keep=1&from=42");
    // The key the fixture was deployed with opened /keyed: the default one would have been refused.
    expect(report.tests.filter((t) => t.file.endsWith("api-keys.test.ts") && t.status === "passed").length).toBe(3);
    // The WebSocket tests connected here: the fixture's $connect handler wrote its events into this directory.
    expect(statuses(report, "websocket-limits.test.ts")).toEqual(new Set(["passed", "reference-only"]));
    expect((await readdir(eventsDir)).some((name) => name.startsWith("CONNECT-"))).toBe(true);
  });

  it("without --http-api-url and --api-key: the HTTP API tests are not supported (no target) and the default key is refused", async () => {
    const { code, report } = await conformanceRun(["--target", fixture.url("FixtureApi")], SUITES.slice(0, 2));
    expect(code).toBe(1);
    const fixtureHttpApi = report.tests.filter((t) => t.file.endsWith("http-api.test.ts") && t.status !== "reference-only");
    expect(fixtureHttpApi.length).toBeGreaterThan(10);
    for (const test of fixtureHttpApi) expect([test.status, test.reason]).toEqual(["not-supported", expect.stringContaining("--http-api-url")]);
    expect(report.tests.filter((t) => t.file.endsWith("api-keys.test.ts") && t.status === "failed").map((t) => t.name)).toEqual([expect.stringContaining("the fixture's key → 200")]);
  });

  it("a reference-only test says why it says nothing about this target", async () => {
    const { code, report } = await conformanceRun(["--target", fixture.url("FixtureApi")], ["suites/scenario/mock.test.ts"], ["--features", "rest.mock"]);
    expect(code).toBe(0);
    const referenceOnly = report.tests.filter((t) => t.status === "reference-only").map((t) => [t.name, t.reason]);
    // Not the usual reason (it starts no gateway of its own): what AWS does with the status it sends is undocumented.
    expect(referenceOnly).toEqual([[expect.stringContaining("whole-string match"), expect.stringMatching(/^AWS documents no answer for a MOCK statusCode that is not an HTTP status \(4000\)/)]]);
    expect(statuses(report, "mock.test.ts")).toEqual(new Set(["passed", "reference-only"]));
  });

  // The TOOLING replay tests under serverless-offline's declaration (no MOCK), here against a reference: none may
  // count for or against the target. Those on the test's own servers are reference-only; those that replay the
  // fixture's MOCK routes through the target are not supported, for the declaration's reason.
  it("replay tests are no target's failures: reference-only when they never call it, else not supported without MOCK", async () => {
    const options = new URL("../fixture/serverless-offline/options.json", import.meta.url).pathname;
    const { code, report } = await conformanceRun(["--target", fixture.url("FixtureApi"), "--options", options], ["suites/scenario/replay.test.ts", "suites/scenario/replay-recorder.test.ts"], ["--features", "tooling.replay"]);
    expect(code).toBe(0);
    expect(report.summary).toMatchObject({ passed: 0, failed: 0 });
    const byStatus = (status: string) => report.tests.filter((t) => t.status === status);
    expect(byStatus("reference-only").length).toBeGreaterThan(5);
    expect(byStatus("reference-only").length + byStatus("not-supported").length).toBe(report.tests.length);
    for (const test of byStatus("reference-only")) expect(test.reason, test.name).toBe("tests gateproof's own recorder/replayer on servers the test starts; it never calls the target");
    expect(byStatus("not-supported").map((t) => t.name).sort()).toEqual([
      "access logs against the reference > compares the status, the only thing an access log keeps",
      "record, then replay against the same target > finds no difference beyond AWS noise",
      "record, then replay against the same target > wrote one redacted HAR entry per exchange",
    ]);
    for (const test of byStatus("not-supported")) expect([test.unsupported, test.reason]).toEqual([["rest.mock"], expect.stringContaining("no MOCK integrations")]);
  });
});
