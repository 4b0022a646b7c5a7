import type http from "node:http";
import type { AddressInfo } from "node:net";
import { loadDefinition, type LoadOptions } from "./load/index.ts";
import { LambdaRuntime } from "./lambda/index.ts";
import type { GatewayModel } from "./model/index.ts";
import { BackendAgent } from "./integrations/http-client.ts";
import { FunctionDirectory } from "./integrations/lambda-target.ts";
import { missingAwsEndpoints, resolveAwsServiceConfig, type AwsCredentials } from "./integrations/aws-endpoints.ts";
import { compileRestApi } from "./rest/compile.ts";
import { createRestServer, drainServer, type ConnectionLimits } from "./rest/server.ts";
import type { TlsMaterial, TlsOptions } from "./tls.ts";
import type { TemplateEngine } from "./templates/index.ts";
import { vtlEngine } from "./vtl/index.ts";
import { resolveJwksSources } from "./auth/cognito-jwks.ts";
import { resolveIamPrincipals } from "./auth/iam-credentials.ts";
import { AuthorizerCache } from "./auth/authorizer-cache.ts";
// Not state/index.ts: it re-exports the Redis store, whose ioredis only gateways on Redis load (state/create.ts).
import { createStore } from "./state/create.ts";
import { MemoryStore } from "./state/memory-store.ts";
import type { Clock, Store } from "./state/index.ts";
import { planDeployments, registerUsageAdmin, Throttler, type FailMode, type ThrottleLimits } from "./throttle/index.ts";
import { prepareWebSocketFunctions, startWebSocketApis, type WebSocketLimits } from "./websocket/gateway.ts";
import { httpApiServers } from "./http-api/index.ts";
import { OwnEndpoints } from "./auth/own-endpoints.ts";
import { AdminRouter, createAdminServer } from "./admin/index.ts";
import { ResponseCache } from "./cache/response-cache.ts";
import { registerCacheAdmin } from "./cache/admin.ts";
import { Metrics } from "./observe/metrics.ts";
import { registerMetricsAdmin } from "./observe/admin.ts";
import { accessLogSink, type AccessLogDestination } from "./observe/access-log.ts";
import { logTo, standardLines } from "./observe/line-writer.ts";

export interface GatewayOptions extends LoadOptions {
  /** A SAM / CloudFormation template or an OpenAPI file. */
  template?: string;
  /** Or an already-loaded model. */
  model?: GatewayModel;
  /** First port; each further API gets the next one, in template order. 0 = any free port for each. */
  port?: number;
  /** Loopback by default. */
  host?: string;
  /**
   * Gateway and Lambda log lines. Default: stderr, through the process's one line writer for it (observe/line-writer.ts:
   * batched per turn, held while stderr is behind, dropped and counted past 8 MiB held).
   */
  log?: (line: string) => void;
  /** Template engine for mapping templates; API Gateway's Velocity by default. */
  templateEngine?: TemplateEngine;
  /** AWS service integrations: endpoint per service (else `AWS_ENDPOINT_URL_<SERVICE>` / `AWS_ENDPOINT_URL`). */
  awsEndpoints?: Record<string, string>;
  /** Credentials AWS service integrations are signed with (else `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`). */
  awsCredentials?: AwsCredentials;
  /** COGNITO_USER_POOLS: user pool id → its JWKS, a `file:` or loopback `http(s):` URL (auth/cognito-jwks.ts). */
  cognitoJwks?: Record<string, string>;
  /** HTTP API JWT authorizers: issuer → its JWKS, a `file:` or loopback URL (loopback issuers are discovered without it). */
  jwtJwks?: Record<string, string>;
  /** AWS_IAM: the JSON file of principals requests may be signed by (auth/iam-credentials.ts). */
  iamCredentialsFile?: string;
  /**
   * Shared state (token buckets, quotas, authorizer and response caches): a Store, "memory" (one process's, the
   * default) or a `redis://` URL (state/redis-store.ts), so several gateways enforce one limit.
   */
  store?: Store | string;
  /** ms since the epoch for the memory store and quota periods; injectable so tests can move time. Default Date.now. */
  clock?: Clock;
  /** What throttling does when the store does not answer: "open" (default, as AWS) serves, "closed" answers 429. */
  throttleFailMode?: FailMode;
  /** The account-level bucket (spec §3.1: 10,000 rps, 5,000 burst by default); false = none. */
  accountThrottle?: ThrottleLimits | false;
  /** WebSocket APIs: message/frame limits, idle timeout and maximum duration (AWS values by default; tests shorten them). */
  webSocketLimits?: Partial<WebSocketLimits>;
  /**
   * WebSocket APIs on a shared store: how long the connections of a gateway instance that died stay answerable through
   * @connections on the others (websocket/liveness.ts). Default 10000 ms.
   */
  webSocketInstanceTtlMs?: number;
  /**
   * Resource policies: the VPC endpoint (`vpce-…`) and VPC (`vpc-…`) every request is taken to come through, as
   * `aws:SourceVpce` / `aws:SourceVpc`. A local request comes through neither, so by default both keys are absent.
   */
  sourceVpce?: string;
  sourceVpc?: string;
  /**
   * The admin endpoint (admin/): remaining quota, cache flush, metrics — on its own port, never under an API stage.
   * 0 = any free port; undefined = not served (the router is still on RunningGateway.admin).
   */
  adminPort?: number;
  /**
   * Access log lines of stages with an AccessLogSetting: a file (appended to), a function, or stdout (default, `-`; through
   * the process's one line writer for it, as the log's for stderr).
   */
  accessLog?: AccessLogDestination;
  /** Replaces every stage's cache budget (CacheClusterSize × 1024³ bytes, cache/settings.ts), e.g. for tests. */
  cacheBudgetBytes?: number;
  /** HTTPS (HTTP/2 and HTTP/1.1 by ALPN) for REST and HTTP APIs: the given PEM files or a self-signed certificate. */
  tls?: TlsOptions | boolean;
  /** Client-side timeouts of the REST servers (rest/server.ts ConnectionLimits). */
  connectionLimits?: ConnectionLimits;
  /** close(): how long in-flight requests may take to finish before their connections are cut. Default 3000 ms. */
  shutdownGraceMs?: number;
}

export interface GatewayUrl {
  /** Logical id of the API in the template. */
  api: string;
  type: "REST" | "HTTP" | "WEBSOCKET";
  stage: string;
  url: string;
}

export interface RunningGateway {
  urls: GatewayUrl[];
  model: GatewayModel;
  /** The admin routes (admin/router.ts); served at adminUrl when `adminPort` was given. */
  admin: AdminRouter;
  adminUrl?: string;
  /** With `tls`: the certificate served (its fingerprint is worth printing when it is self-signed). */
  tls?: TlsMaterial;
  /** Stops accepting, refuses requests on open connections (503), lets in-flight ones finish, then closes. */
  close(): Promise<void>;
}

function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

function listen(server: http.Server | import("node:net").Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** HTTPS for every API, when asked for: tls.ts, and node:http2 and node:tls with it, load only then. */
async function httpsServing(options: TlsOptions | true) {
  const { secureGatewayServer, serveOverTls, tlsMaterial } = await import("./tls.ts");
  const material = await tlsMaterial(options === true ? {} : options);
  return { material, secure: (server: http.Server) => secureGatewayServer(server, material), overTls: (server: http.Server) => serveOverTls(server, material) };
}

/**
 * Loads a definition and serves every API in it: one port per API, every stage under `/<stage>/`.
 * Everything that can fail on the definition fails here, before the first port opens.
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const host = options.host ?? "127.0.0.1";
  const log = options.log ?? logTo(standardLines("stderr"));
  const model = options.model ?? (options.template ? await loadDefinition(options.template, options) : undefined);
  if (!model) throw new TypeError("startGateway needs a template or a model");
  const engine = options.templateEngine ?? vtlEngine;
  const compiled = await Promise.all(model.restApis.map((api) => compileRestApi(api, engine, model)));
  const aws = resolveAwsServiceConfig(options.awsEndpoints, options.awsCredentials);
  const missing = missingAwsEndpoints(model, aws);
  if (missing.length > 0) throw new Error(`AWS service integrations without an endpoint: ${missing.join("; ")}`);
  const iam = { principals: await resolveIamPrincipals(model, options.iamCredentialsFile), region: model.region };
  const cognito = { sources: await resolveJwksSources(model, options.cognitoJwks ?? {}, options.template) };

  const webSocketFunctions = prepareWebSocketFunctions(model);
  const lambda = new LambdaRuntime(webSocketFunctions.functions, { region: model.region, accountId: model.accountId, log });
  const agent = new BackendAgent();
  const clock = options.clock ?? Date.now;
  const { store, owned: ownsStore } = await createStore(options.store, { clock, log });
  const throttler = new Throttler(store, { failMode: options.throttleFailMode, account: options.accountThrottle, log });
  if (typeof options.store === "string" && options.store !== "memory") log(`throttle: fail mode ${throttler.failMode} (when the store does not answer, requests are ${throttler.failMode === "open" ? "served unthrottled" : "refused with 429"})`);
  const deployments = await planDeployments(model, store, clock, log);
  const admin = new AdminRouter();
  let adminUrl: string | undefined;
  const responseCache = new ResponseCache(store, { budgetBytes: options.cacheBudgetBytes, log });
  const metrics = new Metrics();
  const accessLog = accessLogSink(options.accessLog);
  registerCacheAdmin(admin, compiled, responseCache);
  registerMetricsAdmin(admin, metrics);
  registerUsageAdmin(admin, model, store, deployments);
  const deps = { throttle: { throttler, deployments }, throttler, responseCache, metrics, accessLog, lambda, functions: new FunctionDirectory(model.functions), agent, aws, gateway: { region: model.region, accountId: model.accountId }, log, iam, cognito, authorizerCache: new AuthorizerCache(store), origin: { sourceVpce: options.sourceVpce, sourceVpc: options.sourceVpc } };
  const https = options.tls ? await httpsServing(options.tls) : undefined;
  const tls = https?.material;
  const scheme = tls ? "https" : "http";
  /** The server that listens: the API's own, or the HTTPS one in front of its request listener. */
  const exposed = (server: http.Server) => (https ? https.secure(server) : server);
  // JWT issuers on the gateway's own APIs are fetched from where they are served (auth/own-endpoints.ts).
  const ownEndpoints = new OwnEndpoints(new Set([...model.restApis.map((a) => a.id), ...(model.httpApis ?? []).map((a) => a.id)]));
  const servers: Array<http.Server | import("node:net").Server> = [];
  const urls: GatewayUrl[] = [];
  const closeWebSockets: Array<() => Promise<void>> = [];
  const close = async () => {
    await Promise.all(closeWebSockets.map((closeOne) => closeOne()));
    await Promise.all(servers.map((server) => drainServer(server, options.shutdownGraceMs ?? 3_000)));
    if (ownsStore) await store.close?.();
    // After the drain, a backend call still running belongs to a client already cut: it is aborted, not awaited.
    await Promise.all([lambda.close(), agent.destroy(), accessLog.close()]);
  };
  try {
    for (const [index, api] of compiled.entries()) {
      const server = exposed(createRestServer(api, deps, options.connectionLimits));
      servers.push(server);
      const port = await listen(server, options.port ? options.port + index : 0, host);
      for (const stage of api.api.stages) urls.push({ api: api.api.logicalId, type: "REST", stage: stage.name, url: `${scheme}://${urlHost(host)}:${port}/${stage.name}` });
      ownEndpoints.serve(api.api.id, `${scheme}://${urlHost(host)}:${port}`);
    }
    // WebSocket APIs (websocket/): their own ports after the REST APIs, ws://host:port/stage (wss:// with TLS, the
    // @connections API on the same port then https://).
    const listenWebSocket = https ? (server: http.Server, port: number, h: string) => listen(https.overTls(server), port, h) : listen;
    const ws = await startWebSocketApis({ model, prepared: webSocketFunctions, host, firstPort: options.port ? options.port + compiled.length + (model.httpApis?.length ?? 0) : 0, lambda, directory: deps.functions, principals: iam.principals, store: options.store === undefined ? new MemoryStore() : store, limits: options.webSocketLimits, instanceTtlMs: options.webSocketInstanceTtlMs, throttler, log, listen: listenWebSocket });
    closeWebSockets.push(ws.close);
    const secure = (url: string) => (tls ? url.replace(/^ws:/, "wss:").replace(/^http:/, "https:") : url);
    for (const u of ws.urls) urls.push({ ...u, url: secure(u.url), type: "WEBSOCKET" });
    // The functions' @connections endpoint, set to http://host:port of their API while listening, is on that TLS port.
    const plainOrigins = new Set(ws.urls.map((u) => new URL(u.url.replace(/^ws:/, "http:")).origin));
    for (const fn of Object.values(webSocketFunctions.functions)) {
      const endpoint = fn.environment["AWS_ENDPOINT_URL_EXECUTE_API"];
      if (endpoint !== undefined && plainOrigins.has(endpoint)) fn.environment["AWS_ENDPOINT_URL_EXECUTE_API"] = secure(endpoint);
    }
    // HTTP APIs: each on its own port after the REST APIs, in template order; `$default` stages have no prefix.
    for (const [index, entry] of httpApiServers(model, { ...deps, store }, { ...options, ownEndpoints }).entries()) {
      const server = exposed(entry.server);
      servers.push(server);
      const port = await listen(server, options.port ? options.port + compiled.length + index : 0, host);
      for (const stage of entry.api.stages) urls.push({ api: entry.api.logicalId, type: "HTTP", stage: stage.name, url: `${scheme}://${urlHost(host)}:${port}${stage.name === "$default" ? "" : `/${stage.name}`}` });
      ownEndpoints.serve(entry.api.id, `${scheme}://${urlHost(host)}:${port}`);
    }
    if (options.adminPort !== undefined) {
      const adminServer = createAdminServer(admin, log);
      servers.push(adminServer);
      adminUrl = `http://${urlHost(host)}:${await listen(adminServer, options.adminPort, host)}`;
    }
  } catch (error) {
    await close();
    throw error;
  }
  // No Lambda environment is started before its function's first invocation: Lambda has no pre-warm (the first call
  // is a cold start), and an idle environment holds ~9 MB of the gateway's memory.
  return { urls, model, admin, ...(adminUrl ? { adminUrl } : {}), close, ...(tls ? { tls } : {}) };
}
