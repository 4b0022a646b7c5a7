import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGateway } from "../../reference-gateway/index.ts";
import { logTo, standardLines } from "../../reference-gateway/observe/line-writer.ts";
import { integerOption, keyValues, parseCommandArgs, UsageError } from "./args.ts";
import { runUntilStopped } from "./until-stopped.ts";

/**
 * `gateproof serve`: the reference gateway in the foreground until Ctrl-C / SIGTERM, or, when a supervisor started it
 * with an IPC channel (Node's `fork`, or `spawn` with an "ipc" stdio), until that channel closes.
 */
export async function serve(args: string[]): Promise<number> {
  const { values, positionals, overrides } = parseCommandArgs(args, {
    port: { type: "string" },
    host: { type: "string" },
    stage: { type: "string" },
    functions: { type: "string" },
    "urls-file": { type: "string" },
    "aws-endpoint": { type: "string", multiple: true },
    "cognito-jwks": { type: "string", multiple: true },
    "iam-credentials": { type: "string" },
    "source-vpce": { type: "string" },
    "source-vpc": { type: "string" },
    tls: { type: "boolean" },
    "tls-cert": { type: "string" },
    "tls-key": { type: "string" },
    "access-log": { type: "string" },
    "admin-port": { type: "string" },
    store: { type: "string" },
    "throttle-fail-mode": { type: "string" },
    "account-rate-limit": { type: "string" },
    "account-burst-limit": { type: "string" },
    "websocket-instance-ttl": { type: "string" },
  });
  const [template, ...extra] = positionals;
  if (!template || extra.length > 0) throw new UsageError("serve takes exactly one template");

  const failMode = values["throttle-fail-mode"];
  if (failMode !== undefined && failMode !== "open" && failMode !== "closed") throw new UsageError("--throttle-fail-mode must be open or closed");
  const accountRate = values["account-rate-limit"] === undefined ? undefined : Number(values["account-rate-limit"]);
  if (accountRate !== undefined && !(accountRate >= 0)) throw new UsageError("--account-rate-limit must be a number ≥ 0");
  const accountBurst = values["account-burst-limit"] === undefined ? undefined : integerOption(values["account-burst-limit"], "account-burst-limit", 5000);

  // Every line of the gateway (its log, the Lambda START/END/REPORT and function output lines, access log lines
  // without --access-log, the URLs) in order, batched per turn, held while stdout is behind, dropped past a bound.
  const out = standardLines("stdout");
  const started = performance.now();
  const gateway = await startGateway({
    template,
    port: integerOption(values.port, "port", 3000),
    host: values.host,
    stage: values.stage,
    functionsDir: values.functions,
    parameterOverrides: overrides,
    awsEndpoints: keyValues(values["aws-endpoint"] ?? [], "aws-endpoint"),
    cognitoJwks: keyValues(values["cognito-jwks"] ?? [], "cognito-jwks"),
    iamCredentialsFile: values["iam-credentials"],
    sourceVpce: values["source-vpce"],
    sourceVpc: values["source-vpc"],
    // HTTPS with the given PEM files (they imply --tls), else a self-signed certificate made now.
    tls: values.tls || values["tls-cert"] || values["tls-key"] ? { certFile: values["tls-cert"], keyFile: values["tls-key"] } : undefined,
    shutdownGraceMs: 10_000,
    // Stages with an AccessLogSetting write one line per request: to this file (appended), else to stdout (`out`).
    accessLog: values["access-log"],
    // The admin endpoint (metrics, cache flush, usage) on its own port; not served unless asked for.
    adminPort: values["admin-port"] === undefined ? undefined : integerOption(values["admin-port"], "admin-port", 0),
    // Token buckets, quotas and caches: this process's memory, or a Redis every gateway instance shares.
    store: values.store,
    throttleFailMode: failMode,
    // With a shared store: ms after which a crashed instance's WebSocket connections are gone for the others.
    ...(values["websocket-instance-ttl"] === undefined ? {} : { webSocketInstanceTtlMs: integerOption(values["websocket-instance-ttl"], "websocket-instance-ttl", 10_000) }),
    ...(accountRate !== undefined || accountBurst !== undefined ? { accountThrottle: { rateLimit: accountRate ?? 10_000, burstLimit: accountBurst ?? 5_000 } } : {}),
    log: logTo(out),
  });
  const width = Math.max(...gateway.urls.map((entry) => entry.api.length));
  for (const entry of gateway.urls) out.write(`${entry.api.padEnd(width)}  ${entry.type}  ${entry.url}\n`);
  // A key the template does not fix is generated at each start; the user needs its value to call the API.
  for (const key of gateway.model.apiKeys) if (key.generated) out.write(`API key ${key.name} (${key.logicalId}): ${key.value}\n`);
  if (gateway.adminUrl) out.write(`admin endpoint ${gateway.adminUrl} (GET /metrics, /metrics/prometheus, /usage/:usagePlanId; DELETE /restapis/:api/stages/:stage/cache/data)\n`);
  if (gateway.tls) {
    out.write(`TLS certificate${gateway.tls.selfSigned ? " (self-signed)" : ""} SHA-256 fingerprint ${gateway.tls.fingerprint256}\n`);
    if (gateway.tls.selfSigned) {
      // Clients (and TARGET_CA_FILE for the suites) trust it by this file.
      const pem = join(tmpdir(), `gateproof-${gateway.tls.fingerprint256.replace(/:/g, "").slice(0, 16).toLowerCase()}.pem`);
      await writeFile(pem, gateway.tls.cert);
      out.write(`TLS certificate PEM: ${pem}\n`);
    }
  }
  if (values["urls-file"]) await writeFile(values["urls-file"], `${JSON.stringify(gateway.urls, null, 2)}\n`);
  out.write(`gateproof: ready in ${Math.round(performance.now() - started)} ms; Ctrl-C stops\n`);

  // Graceful: no new connections, in-flight requests get up to 10 s.
  await runUntilStopped(() => gateway.close());
  return 0;
}
