/**
 * One WebSocket API on its own port: the upgrade at `/{stage}` ($connect runs before the 101), messages routed by
 * the API's selection expression, $disconnect when either side closes, and the @connections management API over
 * plain HTTP on the same port (management.ts).
 *
 * AWS behaviour, with sources:
 *   - $connect's integration completes before the upgrade; a Lambda answer with a non-2xx statusCode refuses the
 *     handshake with that status (dherault/serverless-offline#1301: wscat shows "Unexpected server response:
 *     {statusCode}"); a failing function refuses it with 502 (serverless/serverless-websockets-plugin#13 and
 *     mavi888/websockets-chat#1: a crashing $connect handler gives "Unexpected server response: 502").
 *   - A message no route takes, with no $default route, is answered on the socket with
 *     `{"message": "Forbidden", "connectionId":"…", "requestId":"…"}` (wscat/websocat sessions quoted in public
 *     READMEs, spacing as AWS writes it); a failing integration with `{"message": "Internal server error", …}`.
 *   - Two-way routes (RouteResponseSelectionExpression `$default` + a `$default` RouteResponse) send the Lambda
 *     answer's `body` back; one-way routes send nothing (serverless-offline#1301, spec §12.1). `$connect` never sends
 *     its body, route response or not ("$Connect route cannot send a response back to the client", AWS re:Post
 *     "apigateway websocket enable two way communication not work on connect route"; AWS's serverless pattern
 *     apigw-websocket-ack-connect-route greets a new client through @connections from a second function for that
 *     reason; serverless-offline#1301, unmerged, claimed the opposite without a capture); its answer's
 *     Sec-WebSocket-Protocol header names the subprotocol of the 101 (websocket-connect-route-subprotocol.md).
 *   - Route throttling (stage DefaultRouteSettings / RouteSettings by route key, throttle/route-bucket.ts, on the
 *     account bucket every REST, HTTP and WebSocket API shares): a throttled `$connect` refuses the handshake with 429
 *     `{"message":"Too Many Requests"}` before the authorizer and the $connect integration run; a throttled message
 *     never reaches its integration and is answered with `{"message": "Too Many Requests", "connectionId":"…",
 *     "requestId":"…"}`. websocket-api-protect.md: over the limits "Clients may receive 429 Too Many Requests error
 *     responses"; the frame's shape is that of the error frames above (no public capture of a throttled frame was
 *     found: assumed). Messages no route takes are answered Forbidden without touching a bucket.
 *   - Limits (spec §10/§12.2): 128 KB messages and 32 KB frames, closed with 1009; 10 min idle; 2 h per connection.
 *     The close code for idle/maximum-duration closes is 1001 (going away): observed in clients' logs, not documented.
 *   - A binary frame closes the connection with 1003 before routing (websocket-api-develop-binary-media-types.md).
 *   - A message route's integration past its TimeoutInMillis is answered `{"message": "Endpoint request timed out", …}`.
 *   - When the gateway closes a socket, $disconnect reports the gateway's code and reason, not the client's answer.
 */
import http from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { WebSocketApi, WebSocketRoute, WebSocketStage } from "../model/websocket.ts";
import type { LambdaRuntime } from "../lambda/index.ts";
import type { FunctionDirectory } from "../integrations/lambda-target.ts";
import type { IamPrincipal } from "../auth/iam-credentials.ts";
import { clientPort, clientScheme } from "../client-connection.ts";
import { newRequestIds } from "../observe/ids.ts";
import { authorizeConnect } from "./authorize.ts";
import { connectEvent, disconnectEvent, messageEvent, type ConnectionFacts } from "./events.ts";
import { FrameGuard } from "./frame-guard.ts";
import { handleManagement, MANAGEMENT_PATH } from "./management.ts";
import { ConnectionRegistry } from "./registry.ts";
import type { Throttler } from "../throttle/throttler.ts";
import { admitRoute } from "../throttle/route-bucket.ts";
import { withIntegrationTimeout } from "../integrations/timeout.ts";
import { routeSelector } from "./route-selection.ts";

export interface WebSocketLimits {
  /** 131072 (128 KB). */
  maxMessageBytes: number;
  /** 32768 (32 KB). */
  maxFrameBytes: number;
  /** 600000 (10 minutes). */
  idleTimeoutMs: number;
  /** 7200000 (2 hours). */
  maxDurationMs: number;
}

export const AWS_WEBSOCKET_LIMITS: WebSocketLimits = { maxMessageBytes: 131072, maxFrameBytes: 32768, idleTimeoutMs: 600_000, maxDurationMs: 7_200_000 };

export interface WebSocketDeps {
  lambda: LambdaRuntime;
  functions: FunctionDirectory;
  registry: ConnectionRegistry;
  throttler: Throttler;
  /** Principals @connections requests may be signed by (credentials file + the functions' own). */
  principals: ReadonlyMap<string, IamPrincipal>;
  region: string;
  /** For `$connect` authorizers' methodArn; default 123456789012. */
  accountId?: string;
  limits: WebSocketLimits;
  log: (line: string) => void;
  now?: () => number;
}

interface Live {
  facts: ConnectionFacts;
  ws: WebSocket;
  idle?: NodeJS.Timeout;
  max?: NodeJS.Timeout;
  /** Set when the gateway closes the socket: what $disconnect reports, whatever the client's close frame answers. */
  closedBy?: { code: number; reason: string };
}

const STATUS_TEXT = (status: number) => http.STATUS_CODES[status] ?? "Error";

/** `{"message": "Forbidden", "connectionId":"…", "requestId":"…"}`, byte for byte as AWS sends it (see header). */
export function errorFrame(message: string, connectionId: string, requestId: string): string {
  return `{"message": ${JSON.stringify(message)}, "connectionId":${JSON.stringify(connectionId)}, "requestId":${JSON.stringify(requestId)}}`;
}

function statusOf(payload: unknown): number {
  if (payload !== null && typeof payload === "object" && "statusCode" in payload) {
    const n = Number((payload as { statusCode: unknown }).statusCode);
    if (Number.isInteger(n)) return n;
  }
  return 200;
}

function refuse(socket: Duplex, status: number, body = ""): void {
  if (socket.destroyed) return;
  const head = [`HTTP/1.1 ${status} ${STATUS_TEXT(status)}`, "Connection: close", `Content-Length: ${Buffer.byteLength(body)}`];
  if (body) head.push("Content-Type: application/json");
  socket.end(`${head.join("\r\n")}\r\n\r\n${body}`);
}

function firstIp(value: string | undefined): string {
  return (value ?? "").replace(/^::ffff:/, "");
}

export class WebSocketApiServer {
  readonly server: http.Server;
  private readonly wss: WebSocketServer;
  private readonly live = new Map<string, Live>();
  private readonly select: ReturnType<typeof routeSelector>;
  private readonly stages: Set<string>;
  private readonly now: () => number;
  /**
   * Per upgrade request, the subprotocol the $connect integration chose. API Gateway names no subprotocol of its own:
   * the $connect function returns `headers: {"Sec-WebSocket-Protocol": …}` to accept one ("Set up a $connect route that
   * requires a WebSocket subprotocol", websocket-connect-route-subprotocol.md). Without one, a client that offered
   * subprotocols fails the handshake, as browsers and ws do.
   */
  private readonly selectedProtocol = new WeakMap<http.IncomingMessage, string | undefined>();

  constructor(
    readonly api: WebSocketApi,
    private readonly deps: WebSocketDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.select = routeSelector(api.routeSelectionExpression, Object.keys(api.routes));
    this.stages = new Set(api.stages.map((s) => s.name));
    // maxPayload is the whole-message limit; ws closes with 1009 beyond it.
    // handleProtocols: ws would otherwise pick the client's first subprotocol itself (see selectedProtocol).
    this.wss = new WebSocketServer({ noServer: true, maxPayload: deps.limits.maxMessageBytes, perMessageDeflate: false, handleProtocols: (_offered, req) => this.selectedProtocol.get(req) ?? false });
    this.server = http.createServer((req, res) => {
      if (MANAGEMENT_PATH.test(req.url ?? "")) {
        void handleManagement(req, res, { api, stages: this.stages, deps, now: this.now });
        return;
      }
      // Not documented: a plain HTTP request to a WebSocket endpoint gets the REST "no route" answer.
      res.writeHead(403, { "content-type": "application/json", "x-amzn-errortype": "ForbiddenException" }).end('{"message":"Forbidden"}');
    });
    this.server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void this.upgrade(req, socket, head));
  }

  private stageSettings(name: string): WebSocketStage {
    return this.api.stages.find((s) => s.name === name)!;
  }

  private stageOf(url: string): string | undefined {
    const path = url.split("?")[0]!;
    const m = /^\/([^/]+)\/?$/.exec(path);
    const stage = m ? decodeURIComponent(m[1]!) : undefined;
    return stage !== undefined && this.stages.has(stage) ? stage : undefined;
  }

  private async upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on("error", () => {});
    const url = req.url ?? "/";
    const stage = this.stageOf(url);
    if (stage === undefined) return refuse(socket, 403, '{"message":"Forbidden"}');
    // Throttled before the authorizer and $connect run (neither is invoked for a refused handshake).
    if (!(await admitRoute(this.deps.throttler, this.api.id, this.stageSettings(stage), "$connect"))) return refuse(socket, 429, '{"message":"Too Many Requests"}');
    const connectedAt = this.now();
    const ids = newRequestIds(connectedAt);
    const connectionId = newRequestIds(connectedAt).extendedRequestId;
    const headerPairs: Array<[string, string]> = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) headerPairs.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
    const sourceIp = firstIp(req.socket.remoteAddress);
    const host = req.headers.host ?? "";
    const facts: ConnectionFacts = { apiId: this.api.id, stage, connectionId, connectedAt, domainName: host, sourceIp, ...(req.headers["user-agent"] === undefined ? {} : { userAgent: req.headers["user-agent"] }) };
    // AWS adds these before the integration sees the request (captured CONNECT event, events.ts).
    headerPairs.push(["X-Amzn-Trace-Id", ids.traceId], ["X-Forwarded-For", sourceIp], ["X-Forwarded-Port", String(clientPort(req.socket))], ["X-Forwarded-Proto", clientScheme(req.socket)]);
    const query = [...new URLSearchParams(url.includes("?") ? url.slice(url.indexOf("?") + 1) : "").entries()];
    const route = this.api.routes["$connect"];
    if (route && route.authorizationType !== "NONE") {
      // Before the connection exists anywhere: a refused handshake leaves no registry entry (websocket/authorize.ts).
      const q = url.indexOf("?");
      const auth = await authorizeConnect(this.api, route, {
        method: req.method ?? "GET",
        rawPath: q < 0 ? url : url.slice(0, q),
        rawQuery: q < 0 ? undefined : url.slice(q + 1),
        headerPairs: headerPairs.slice(0, -4),
        query,
        stage,
        stageVariables: this.api.stages.find((s) => s.name === stage)?.variables ?? {},
        connectEvent: connectEvent(facts, { headerPairs, query }, ids.extendedRequestId, connectedAt, true),
        sourceIp,
      }, { ...this.deps, accountId: this.deps.accountId ?? "123456789012" });
      if (!auth.ok) {
        this.deps.log(`WebSocket $connect of ${this.api.logicalId} refused: ${auth.status} ${auth.detail}`);
        return refuse(socket, auth.status);
      }
      if (auth.authorizer) facts.authorizer = auth.authorizer;
      if (auth.iamIdentity) facts.iamIdentity = auth.iamIdentity;
    }
    const { registry } = this.deps;
    await registry.put({ connectionId, apiId: this.api.id, stage, connectedAt, lastActiveAt: connectedAt, sourceIp, ...(facts.userAgent === undefined ? {} : { userAgent: facts.userAgent }), state: "connecting", instanceId: registry.instanceId });

    // The subprotocol the 101 names: the Sec-WebSocket-Protocol header of the $connect answer, else none.
    let subprotocol: string | undefined;
    if (route) {
      const event = connectEvent(facts, { headerPairs, query }, ids.extendedRequestId, connectedAt);
      const result = await this.invoke(route, stage, event, ids.requestId);
      if (!result.ok) {
        this.deps.log(`WebSocket $connect of ${this.api.logicalId} failed (502): ${result.error.errorMessage}`);
        await registry.remove(connectionId);
        return refuse(socket, 502);
      }
      const status = statusOf(result.payload);
      if (status < 200 || status > 299) {
        await registry.remove(connectionId);
        return refuse(socket, status);
      }
      subprotocol = headerOf(result.payload, "sec-websocket-protocol");
    }
    if (socket.destroyed) {
      await registry.remove(connectionId);
      return;
    }
    this.selectedProtocol.set(req, subprotocol);
    this.wss.handleUpgrade(req, socket, head, (ws) => void this.open(ws, facts, socket));
  }

  private async open(ws: WebSocket, facts: ConnectionFacts, socket: Duplex): Promise<void> {
    const { connectionId } = facts;
    const live: Live = { facts, ws };
    this.live.set(connectionId, live);
    const { delivery } = this.deps.registry;
    delivery.attach(connectionId, {
      send: (data, binary) => this.sendToClient(live, data, binary),
      // DeleteConnection: the client gets 1000 (undocumented, assumed); $disconnect reports 1000 "Connection Closed
      // Normally", as API Gateway execution logs of a DeleteConnection show (aws/chalice#2060, boto/boto3#3789).
      delete: () => this.closeFromGateway(live, 1000, "", "Connection Closed Normally"),
    });

    const guard = new FrameGuard(this.deps.limits.maxFrameBytes);
    const onData = (chunk: Buffer) => {
      if (guard.push(chunk)) {
        socket.off("data", onData);
        this.closeFromGateway(live, 1009, "Frame too large");
      }
    };
    // Before ws's own listener, so an oversized frame never reaches the message handler.
    socket.prependListener("data", onData);
    this.keepAlive(live);
    live.max = setTimeout(() => this.closeFromGateway(live, 1001, "Going away"), this.deps.limits.maxDurationMs);

    ws.on("message", (data: Buffer, isBinary: boolean) => {
      // websocket-api-develop-binary-media-types.md: binary frames are not supported in incoming messages; "API Gateway
      // rejects it and disconnects the client with code 1003". No route runs; $disconnect does.
      if (isBinary) {
        this.closeFromGateway(live, 1003, "");
        return;
      }
      this.keepAlive(live);
      void this.message(live, data.toString("utf8"));
    });
    ws.on("ping", () => this.keepAlive(live));
    ws.on("error", () => {});
    ws.on("close", (code: number, reason: Buffer) => {
      if (live.idle) clearTimeout(live.idle);
      if (live.max) clearTimeout(live.max);
      this.live.delete(connectionId);
      delivery.detach(connectionId);
      const { code: closeCode, reason: closeReason } = live.closedBy ?? { code, reason: reason.toString("utf8") };
      void this.disconnect(facts, closeCode, closeReason);
    });
    // Only now, with every listener attached: a shared store's write is a network round trip, and a frame the client
    // sends right after the 101 must not arrive before the message listener and the frame guard.
    await this.deps.registry.update(connectionId, { state: "open" });
  }

  /**
   * Closes with `code` and `reason` in the close frame; $disconnect reports `code` and `disconnectReason`. False when
   * the socket is not open (one already closing keeps the code of whoever closed it first).
   */
  private closeFromGateway(live: Live, code: number, reason: string, disconnectReason = reason): boolean {
    if (live.ws.readyState !== live.ws.OPEN) return false;
    live.closedBy ??= { code, reason: disconnectReason };
    live.ws.close(code, reason);
    return true;
  }

  /**
   * (Re)starts the idle timer. A message either way counts, those the client receives included: "If no messages are
   * sent between the server and client for a 10-minute period, API Gateway closes the connection", and @connections
   * messages every 9.5 minutes keep a silent client connected up to the 2-hour limit (hotsock.io/docs/connections/keep-alive,
   * a wscat session against API Gateway).
   */
  private keepAlive(live: Live): void {
    if (live.idle) clearTimeout(live.idle);
    live.idle = setTimeout(() => this.closeFromGateway(live, 1001, "Going away"), this.deps.limits.idleTimeoutMs);
  }

  /** Sends one message to the client; false when the socket is not open or the write failed. */
  private sendToClient(live: Live, data: Buffer | string, binary = false): Promise<boolean> {
    if (live.ws.readyState !== live.ws.OPEN) return Promise.resolve(false);
    this.keepAlive(live);
    return new Promise((resolve) => live.ws.send(data, { binary }, (error) => resolve(error === undefined || error === null)));
  }

  private async message(live: Live, text: string): Promise<void> {
    const { facts } = live;
    const at = this.now();
    const ids = newRequestIds(at);
    const messageId = newRequestIds(at).extendedRequestId;
    await this.deps.registry.update(facts.connectionId, { lastActiveAt: at });
    const routeKey = this.select(text);
    const route = this.api.routes[routeKey];
    if (!route) {
      void this.sendToClient(live, errorFrame("Forbidden", facts.connectionId, ids.extendedRequestId));
      return;
    }
    if (!(await admitRoute(this.deps.throttler, this.api.id, this.stageSettings(facts.stage), routeKey))) {
      void this.sendToClient(live, errorFrame("Too Many Requests", facts.connectionId, ids.extendedRequestId));
      return;
    }
    const event = messageEvent(facts, routeKey, messageId, text, ids.extendedRequestId, at);
    let result: Awaited<ReturnType<typeof this.invoke>>;
    try {
      result = await withIntegrationTimeout(route.integration.timeoutInMillis, () => this.invoke(route, facts.stage, event, ids.requestId));
    } catch {
      // invoke() answers failures as results, so this is the timeout. Past the integration's TimeoutInMillis (29 s at most) the client gets this frame, whatever the function still
      // does: wscat/client logs in Kludex/mangum#128 and aws/chalice#1406 ({"message": "Endpoint request timed out", …}).
      void this.sendToClient(live, errorFrame("Endpoint request timed out", facts.connectionId, ids.extendedRequestId));
      return;
    }
    if (!result.ok) {
      void this.sendToClient(live, errorFrame("Internal server error", facts.connectionId, ids.extendedRequestId));
      return;
    }
    if (!route.twoWay) return;
    const answer = bodyOf(result.payload);
    if (answer !== undefined) void this.sendToClient(live, answer, isBase64(result.payload));
  }

  private async disconnect(facts: ConnectionFacts, code: number, reason: string): Promise<void> {
    await this.deps.registry.remove(facts.connectionId);
    const route = this.api.routes["$disconnect"];
    if (!route) return;
    const at = this.now();
    const ids = newRequestIds(at);
    // Best effort (spec §12.1): failures are logged, never retried.
    const result = await this.invoke(route, facts.stage, disconnectEvent(facts, code, reason, ids.extendedRequestId, at), ids.requestId);
    if (!result.ok) this.deps.log(`$disconnect of ${facts.connectionId} failed: ${result.error.errorMessage}`);
  }

  private async invoke(route: WebSocketRoute, stage: string, event: unknown, requestId: string) {
    const variables = this.api.stages.find((s) => s.name === stage)?.variables ?? {};
    try {
      const fn = this.deps.functions.resolve(route.integration, variables);
      return await this.deps.lambda.invoke(fn, event, { requestId });
    } catch (error) {
      this.deps.log(`WebSocket route ${route.routeKey} of ${this.api.logicalId}: ${String(error)}`);
      return { ok: false as const, kind: "error" as const, error: { errorType: "Error", errorMessage: String(error), trace: [] }, durationMs: 0 };
    }
  }

  async close(): Promise<void> {
    for (const { ws } of this.live.values()) ws.terminate();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

function isBase64(payload: unknown): boolean {
  return payload !== null && typeof payload === "object" && (payload as { isBase64Encoded?: unknown }).isBase64Encoded === true;
}

/** A header of a Lambda proxy answer's `headers`, by case-insensitive name; undefined when absent. */
function headerOf(payload: unknown, lowerName: string): string | undefined {
  if (payload === null || typeof payload !== "object") return undefined;
  const headers = (payload as { headers?: unknown }).headers;
  if (headers === null || typeof headers !== "object") return undefined;
  const found = Object.entries(headers as Record<string, unknown>).find(([name]) => name.toLowerCase() === lowerName);
  return found === undefined || found[1] === undefined || found[1] === null ? undefined : String(found[1]);
}

/** The `body` of a Lambda proxy answer (decoded when isBase64Encoded); undefined when there is none. */
function bodyOf(payload: unknown): Buffer | undefined {
  if (payload === null || typeof payload !== "object") return undefined;
  const body = (payload as { body?: unknown }).body;
  if (body === undefined || body === null) return undefined;
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return isBase64(payload) ? Buffer.from(text, "base64") : Buffer.from(text, "utf8");
}
