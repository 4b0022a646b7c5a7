/**
 * serverless-offline 13.10.1 on serverless 3 as a bench baseline, on the same Lambda-proxy (/lambda) and Lambda
 * custom + VTL (/vtl) routes as the reference, with the same handlers (src/bench/fixture/functions). Installed at run
 * time into a scratch folder ($TMPDIR/gateproof-bench-serverless-offline, reused when already there), never a
 * dependency of gateproof — the same versions the conformance run installs (src/conformance/serverless-offline.ts).
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServerProcess } from "./processes.ts";
import { startOffline as startServerlessOffline } from "../conformance/offline-process.ts";

const here = new URL(".", import.meta.url).pathname;
// The versions src/conformance/serverless-offline.ts installs (not imported: that module is a script).
const SERVERLESS = "serverless@3";
const SERVERLESS_OFFLINE = "serverless-offline@13.10.1";

// The /vtl request template of src/bench/fixture/template.yaml; the default lambda-integration response passes the
// handler's JSON through, which is the same 19 bytes the reference's response template renders.
const SERVERLESS_YML = `service: gateproof-bench
frameworkVersion: "3"
plugins: [serverless-offline]
provider: { name: aws, runtime: nodejs20.x, stage: bench, region: us-east-1 }
functions:
  hello:
    handler: functions/hello.handler
    events:
      - http: { path: /lambda, method: get }
  custom:
    handler: functions/custom.handler
    events:
      - http:
          path: /vtl
          method: get
          integration: lambda
          request:
            template:
              application/json: |
                #set($params = $input.params())
                {"stage":"$context.stage","query":{#foreach($name in $params.querystring.keySet())"$name":"$util.escapeJavaScript($params.querystring.get($name))"#if($foreach.hasNext),#end#end}}
`;

function installedVersion(dir: string, name: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** Installs (or reuses) the scratch service; throws with the reason when it cannot. */
export function prepareOffline(scratch = join(tmpdir(), "gateproof-bench-serverless-offline"), log: (line: string) => void = () => {}): { dir: string; versions: string } {
  const dir = scratch;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "serverless.yml"), SERVERLESS_YML);
  cpSync(join(here, "fixture/functions"), join(dir, "functions"), { recursive: true });
  if (!existsSync(join(dir, "package.json"))) writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: "gateproof-bench-serverless-offline", private: true }, null, 2)}\n`);
  if (installedVersion(dir, "serverless-offline") !== SERVERLESS_OFFLINE.split("@")[1] || !installedVersion(dir, "serverless")?.startsWith("3.")) {
    log(`installing ${SERVERLESS} ${SERVERLESS_OFFLINE} into ${dir} …`);
    const result = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--no-save", SERVERLESS, SERVERLESS_OFFLINE], { cwd: dir, stdio: ["ignore", "ignore", "pipe"], timeout: 240_000 });
    if (result.status !== 0) throw new Error(`npm install ${SERVERLESS} ${SERVERLESS_OFFLINE} failed (${result.error?.message ?? `exit ${result.status}`}): ${String(result.stderr ?? "").trim().split("\n").slice(-2).join(" ")}`);
  }
  return { dir, versions: `serverless ${installedVersion(dir, "serverless")}, serverless-offline ${installedVersion(dir, "serverless-offline")}` };
}


/** `serverless offline start` (pinned like the other servers when `cpus` is given); resolves once /lambda answers. */
export async function startOffline(dir: string, inProcess: boolean, cpus: string | undefined): Promise<ServerProcess & { command: string }> {
  const logFile = join(dir, `offline-${inProcess ? "in-process" : "worker"}.log`);
  return startServerlessOffline({ dir, stage: "bench", readyPath: "/lambda", logFile, inProcess, timeoutMs: 60_000, cpus });
}
