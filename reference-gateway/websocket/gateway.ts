/**
 * What startGateway needs to serve WebSocket APIs: one WebSocketApiServer per API on its own port, and the
 * environment the integration functions get so they can call back through @connections:
 *   - AWS_ENDPOINT_URL_EXECUTE_API = `http://{host}:{port}` of the API (on AWS functions build
 *     `https://{requestContext.domainName}` themselves; user code reads this variable first — README);
 *   - AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN: temporary credentials standing in for the
 *     execution role (Lambda sets these three from the role), accepted by this gateway's @connections SigV4 check.
 *     A function's own values for these variables win.
 */
import { randomBytes } from "node:crypto";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import type { IamPrincipal } from "../auth/iam-credentials.ts";
import type { FunctionDirectory } from "../integrations/lambda-target.ts";
import type { LambdaRuntime } from "../lambda/index.ts";
import type { GatewayModel, LambdaFunction } from "../model/index.ts";
import type { Store } from "../state/index.ts";
import type { Throttler } from "../throttle/throttler.ts";
import { DEFAULT_INSTANCE_TTL_MS } from "./liveness.ts";
import { ConnectionRegistry } from "./registry.ts";
// Types only: the servers (and ws with them) load when a template has a WebSocket API.
import type { WebSocketApiServer, WebSocketLimits } from "./server.ts";

export type { WebSocketLimits };

export interface WebSocketFunctions {
  /** The model's functions, those behind WebSocket integrations with their own (still filling) environment. */
  functions: Record<string, LambdaFunction>;
  principal: IamPrincipal | undefined;
}

function token(bytes: number, alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"): string {
  return Array.from(randomBytes(bytes), (b) => alphabet[b % alphabet.length]).join("");
}

/** Copies the functions the WebSocket APIs call, with the credentials added; the endpoint is added once listening. */
export function prepareWebSocketFunctions(model: GatewayModel): WebSocketFunctions {
  const apis = model.webSocketApis ?? [];
  if (apis.length === 0) return { functions: model.functions, principal: undefined };
  const principal: IamPrincipal = {
    accessKeyId: `ASIA${token(16)}`,
    secretAccessKey: randomBytes(30).toString("base64"),
    sessionToken: randomBytes(48).toString("base64"),
    accountId: model.accountId,
    userArn: `arn:aws:sts::${model.accountId}:assumed-role/gateproof-websocket-functions/gateproof`,
    caller: "AROAGATEPROOFWEBSOCKET:gateproof",
    user: "AROAGATEPROOFWEBSOCKET:gateproof",
  };
  const functions = { ...model.functions };
  for (const api of apis) {
    for (const route of Object.values(api.routes)) {
      const id = route.integration.functionLogicalId;
      if (id === undefined || !functions[id] || functions[id] !== model.functions[id]) continue;
      const fn = model.functions[id]!;
      functions[id] = {
        ...fn,
        environment: {
          AWS_ACCESS_KEY_ID: principal.accessKeyId,
          AWS_SECRET_ACCESS_KEY: principal.secretAccessKey,
          AWS_SESSION_TOKEN: principal.sessionToken!,
          ...fn.environment,
        },
      };
    }
  }
  return { functions, principal };
}

export interface WebSocketStartOptions {
  model: GatewayModel;
  prepared: WebSocketFunctions;
  host: string;
  /** 0 = any free port for each API. */
  firstPort: number;
  lambda: LambdaRuntime;
  directory: FunctionDirectory;
  /** Principals of the IAM credentials file (auth/iam-credentials.ts). */
  principals: ReadonlyMap<string, IamPrincipal>;
  store: Store;
  /** The gateway's throttler (account bucket shared with REST and HTTP APIs); route buckets from the stage's RouteSettings. */
  throttler: Throttler;
  limits?: Partial<WebSocketLimits>;
  /**
   * Distributed mode: how long the connections of an instance that died stay answerable through @connections on the
   * other instances (websocket/liveness.ts). Default 10 s.
   */
  instanceTtlMs?: number;
  log: (line: string) => void;
  listen: (server: http.Server, port: number, host: string) => Promise<number>;
}

export interface StartedWebSocketApi {
  api: string;
  stage: string;
  url: string;
}

/** `close()` closes every socket, then removes this instance's connections from the registry. */
export async function startWebSocketApis(o: WebSocketStartOptions): Promise<{ urls: StartedWebSocketApi[]; servers: WebSocketApiServer[]; close(): Promise<void> }> {
  const instanceTtlMs = o.instanceTtlMs ?? DEFAULT_INSTANCE_TTL_MS;
  if (!(instanceTtlMs >= 100)) throw new TypeError(`webSocketInstanceTtlMs must be at least 100 ms (renewed every third of it), got ${instanceTtlMs}`);
  const apis = o.model.webSocketApis ?? [];
  if (apis.length === 0) return { urls: [], servers: [], close: async () => {} };
  const { AWS_WEBSOCKET_LIMITS, WebSocketApiServer } = await import("./server.ts");
  const limits = { ...AWS_WEBSOCKET_LIMITS, ...o.limits };
  const principals = new Map(o.principals);
  if (o.prepared.principal) principals.set(o.prepared.principal.accessKeyId, o.prepared.principal);
  const registry = new ConnectionRegistry(o.store, { recordTtlMs: limits.maxDurationMs, instanceTtlMs, log: o.log });
  await registry.start();
  const urls: StartedWebSocketApi[] = [];
  const servers: WebSocketApiServer[] = [];
  const host = o.host.includes(":") ? `[${o.host}]` : o.host;
  for (const [index, api] of apis.entries()) {
    const server = new WebSocketApiServer(api, { lambda: o.lambda, functions: o.directory, registry, throttler: o.throttler, principals, region: o.model.region, accountId: o.model.accountId, limits, log: o.log });
    servers.push(server);
    const port = await o.listen(server.server, o.firstPort ? o.firstPort + index : 0, o.host);
    for (const route of Object.values(api.routes)) {
      const fn = route.integration.functionLogicalId === undefined ? undefined : o.prepared.functions[route.integration.functionLogicalId];
      // The first API a function serves is the one its callbacks go to.
      if (fn && fn !== o.model.functions[fn.logicalId]) fn.environment["AWS_ENDPOINT_URL_EXECUTE_API"] ??= `http://${host}:${port}`;
    }
    for (const stage of api.stages) urls.push({ api: api.logicalId, stage: stage.name, url: `ws://${host}:${(server.server.address() as AddressInfo).port}/${stage.name}` });
  }
  const close = async () => {
    await Promise.all(servers.map((server) => server.close()));
    await registry.close();
  };
  return { urls, servers, close };
}
