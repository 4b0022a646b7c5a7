/**
 * `npm run conformance:serverless-offline`: the conformance suites against serverless-offline, the emulator most
 * Node users run, and the reference's own report made the same way, so the two compare feature by feature.
 *
 *   1. installs serverless@3 and serverless-offline@13.10.1 into a scratch folder (not a dependency of gateproof;
 *      reused when already there), with suites/fixture/serverless-offline/serverless.yml and the fixture functions;
 *   2. starts the echo backend the fixture's HTTP_PROXY routes call, then
 *      `SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off serverless offline start --host 127.0.0.1 --httpPort …
 *      --lambdaPort … --websocketPort …` and waits until it answers. Not `--useInProcess` by default: in-process,
 *      the fixture's `shape?shape=exit` handler (process.exit(1)) ends serverless-offline itself and every later
 *      test meets a closed port; `--use-in-process` runs it that way anyway;
 *   3. runs `gateproof conformance` against it with options.json (what serverless.yml cannot express), writes
 *      reports/conformance/serverless-offline/ and stops it;
 *   4. runs `gateproof conformance` against the reference (in-process) into reports/conformance/reference/.
 *
 * Options: --only serverless-offline|reference, --scratch DIR (default $TMPDIR/gateproof-serverless-offline),
 * --seed N (default 1), --reports DIR (default reports/conformance), --use-in-process.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { startEchoBackend } from "../../suites/harness/echo-backend.ts";
import { runConformance, type ConformanceRun } from "./run.ts";
import { startOffline } from "./offline-process.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const FIXTURE = join(ROOT, "suites/fixture");
export const SERVERLESS = "serverless@3";
export const SERVERLESS_OFFLINE = "serverless-offline@13.10.1";


function installedVersion(dir: string, name: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** The scratch service: serverless.yml + functions/ + node_modules with serverless 3 and serverless-offline. */
function prepareService(scratch: string, log: (line: string) => void): { dir: string; versions: { serverless: string; offline: string } } {
  const dir = join(scratch, "service");
  mkdirSync(dir, { recursive: true });
  cpSync(join(FIXTURE, "serverless-offline/serverless.yml"), join(dir, "serverless.yml"));
  cpSync(join(FIXTURE, "functions"), join(dir, "functions"), { recursive: true });
  if (!existsSync(join(dir, "package.json"))) writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: "gateproof-serverless-offline-scratch", private: true }, null, 2)}\n`);
  if (installedVersion(dir, "serverless-offline") !== SERVERLESS_OFFLINE.split("@")[1] || !installedVersion(dir, "serverless")?.startsWith("3.")) {
    log(`installing ${SERVERLESS} ${SERVERLESS_OFFLINE} into ${dir}`);
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const result = spawnSync(npm, ["install", "--no-audit", "--no-fund", "--no-save", SERVERLESS, SERVERLESS_OFFLINE], { cwd: dir, stdio: "inherit" });
    if (result.status !== 0) throw new Error(`npm install ${SERVERLESS} ${SERVERLESS_OFFLINE} failed (exit ${result.status})`);
  }
  return { dir, versions: { serverless: installedVersion(dir, "serverless")!, offline: installedVersion(dir, "serverless-offline")! } };
}

function summaryLines(run: ConformanceRun): string[] {
  const r = run.report!;
  const s = r.summary;
  return [
    `${s.passed} passed, ${s.failed} failed, ${s.notSupported} not supported, ${s.referenceOnly} reference-only${s.skipped ? `, ${s.skipped} skipped` : ""} of ${s.total} tests that declare features; ${s.untagged.passed} passed, ${s.untagged.failed} failed of ${s.untagged.total} that declare none yet; ${(r.durationMs / 1000).toFixed(1)} s.`,
    "",
    "| profile | core | extended |",
    "|---|---|---|",
    ...r.profiles.map((p) => `| ${p.name} | ${p.core.result} (${p.core.statistics.passed}/${p.core.statistics.passed + p.core.statistics.failed} passed) | ${p.extended.result} (${p.extended.statistics.passed}/${p.extended.statistics.passed + p.extended.statistics.failed} passed) |`),
  ];
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { only: { type: "string" }, scratch: { type: "string" }, seed: { type: "string" }, reports: { type: "string" }, "use-in-process": { type: "boolean" } },
    strict: true,
  });
  const only = values.only;
  if (only !== undefined && only !== "serverless-offline" && only !== "reference") throw new Error("--only expects serverless-offline or reference");
  const seed = Number(values.seed ?? 1);
  const reports = values.reports ?? join(ROOT, "reports/conformance");
  const log = (line: string) => void process.stderr.write(`conformance:serverless-offline: ${line}\n`);
  let exitCode = 0;

  if (only !== "reference") {
    const scratch = values.scratch ?? join(tmpdir(), "gateproof-serverless-offline");
    const { dir, versions } = prepareService(scratch, log);
    const backend = await startEchoBackend();
    const logFile = join(scratch, "offline.log");
    const started = Date.now();
    const offline = await startOffline({ dir, stage: "test", readyPath: "/echo", logFile, inProcess: values["use-in-process"] ?? false, timeoutMs: 90_000, env: { GATEPROOF_BACKEND_URL: backend.url } }).catch(async (error: unknown) => {
      await backend.close();
      throw error;
    });
    log(`serverless ${versions.serverless}, serverless-offline ${versions.offline} at ${offline.url} (pid ${offline.pid}, ready in ${Date.now() - started} ms)`);
    let run: ConformanceRun;
    const reportDir = join(reports, "serverless-offline");
    try {
      run = await runConformance({
        target: offline.url,
        // httpApi events: the same port, no stage prefix (FixtureHttpApi's $default stage).
        httpApiUrl: new URL(offline.url).origin,
        name: `serverless-offline ${versions.offline} (serverless ${versions.serverless})`,
        optionsFile: join(FIXTURE, "serverless-offline/options.json"),
        reportDir,
        seed,
        readyPath: "/echo",
      });
    } finally {
      await offline.stop();
      await backend.close();
    }
    if (!run.report || run.exitCode === 2) throw new Error("the suites did not run against serverless-offline");
    writeFileSync(
      join(reportDir, "README.md"),
      [
        `# Conformance: serverless-offline ${versions.offline} (serverless ${versions.serverless})`,
        "",
        `Produced by \`npm run conformance:serverless-offline\` (src/conformance/serverless-offline.ts) on ${run.report.startedAt},`,
        `Node ${process.version}, ${process.platform}/${process.arch}, fast-check seed ${seed}:`,
        "",
        `1. \`npm install --no-save ${SERVERLESS} ${SERVERLESS_OFFLINE}\` in a scratch folder (not a gateproof dependency),`,
        "   with `suites/fixture/serverless-offline/serverless.yml` and `suites/fixture/functions/` copied next to it;",
        "2. the echo backend (`suites/harness/echo-backend.ts`) on a free loopback port, passed as `GATEPROOF_BACKEND_URL`;",
        `3. \`${offline.command.replace(/--(httpPort|lambdaPort|websocketPort) \d+/g, "--$1 <free port>")}\`;`,
        `4. \`gateproof conformance --target http://127.0.0.1:<httpPort>/test --http-api-url http://127.0.0.1:<httpPort> --options suites/fixture/serverless-offline/options.json --seed ${seed} --report-dir reports/conformance/serverless-offline\`.`,
        "",
        "`options.json` declares REST-CORE, HTTP-API (and TOOLING) minus what `serverless.yml` cannot express for serverless-offline, each",
        "with its reason (MOCK and HTTP non-proxy integrations, their mapping templates, stage variables, canary, AWS service integrations;",
        "the HTTP API's HTTP_PROXY routes and parameter mapping, its JWT issuer);",
        "those tests are *not supported*. What serverless.yml can express but serverless-offline ignores or answers differently",
        "(gateway responses, `timeoutInMillis`, AWS's headers and error bodies) stays declared, so it shows up as failures.",
        "Tests that say nothing about serverless-offline are *reference-only* here, each with its reason: suites that start their own",
        "reference gateway, checks of behaviour AWS does not document, and TOOLING tests of gateproof's own recorder and replayer on",
        "servers they start. The replay tests that record and replay the fixture's MOCK routes through the target need `rest.mock`,",
        "so they are *not supported*: no TOOLING test counts as a serverless-offline failure.",
        "",
        "Handlers run in serverless-offline's default worker threads. With `--useInProcess` (`npm run conformance:serverless-offline --",
        "--use-in-process`) the fixture's `shape?shape=exit` handler calls process.exit(1) inside serverless-offline's own process and",
        "ends it, so every later test fails with ECONNREFUSED; that run is not the committed one.",
        "",
        ...summaryLines(run),
        "",
        "Files: `conformance.md` (people), `conformance.json` (machines), `conformance.junit.xml` (CI), `conformance.html` (one page).",
        "Compare with `../reference/`.",
        "",
      ].join("\n"),
    );
    log(`serverless-offline: ${summaryLines(run)[0]}`);
    exitCode = Math.max(exitCode, run.exitCode);
  }

  if (only !== "serverless-offline") {
    const reportDir = join(reports, "reference");
    const run = await runConformance({ name: "gateproof reference gateway (in-process)", reportDir, seed });
    if (!run.report || run.exitCode === 2) throw new Error("the suites did not run against the reference");
    writeFileSync(
      join(reportDir, "README.md"),
      [
        "# Conformance: the gateproof reference gateway",
        "",
        `Produced by \`npm run conformance:serverless-offline\` (src/conformance/serverless-offline.ts, its reference step) on ${run.report.startedAt},`,
        `Node ${process.version}, ${process.platform}/${process.arch}, fast-check seed ${seed}: \`gateproof conformance --seed ${seed} --report-dir reports/conformance/reference\``,
        "(no --target: the suites start the reference in-process on suites/fixture/template.yaml, with the echo backend). Nothing is",
        "declared, so every feature counts as supported; suites that start a second reference gateway run too.",
        "",
        ...summaryLines(run),
        "",
        "Compare with `../serverless-offline/`.",
        "",
      ].join("\n"),
    );
    log(`reference: ${summaryLines(run)[0]}`);
    exitCode = Math.max(exitCode, run.exitCode);
  }
  return exitCode;
}

// Only as a script: other modules import SERVERLESS / SERVERLESS_OFFLINE from here, and an import must not start a
// run (installing serverless and overwriting reports/conformance/ from inside someone else's test or benchmark).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`conformance:serverless-offline: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
