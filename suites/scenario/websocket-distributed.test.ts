/**
 * WebSocket APIs in distributed mode: two reference gateway processes on one real redis-server (`store: redis://…`).
 * A `ws` client holds a connection on instance A; the real @aws-sdk/client-apigatewaymanagementapi client talks to
 * instance B. B must describe, reach and close A's connection (Redis pub/sub), and must stop answering for it once A
 * is gone: at once when A stops gracefully, within the configured liveness TTL when A is killed (SIGKILL, no shutdown
 * code runs). Redis down: both keep running, @connections answers 500, A's connections are registered again when
 * Redis returns (websocket/registry.ts, websocket/liveness.ts).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { ApiGatewayManagementApiClient, DeleteConnectionCommand, GetConnectionCommand, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { startGateway } from "../../reference-gateway/index.ts";
import { MemoryStore, type Store } from "../../reference-gateway/state/index.ts";
import { features } from "../harness/conformance.ts";
import { startGatewayProcess, type GatewayProcess } from "../harness/gateway-process.ts";
import { redisAvailable, startRedis, type RedisServer } from "../harness/redis.ts";
import { connect, Inbox } from "./websocket-harness.ts";

const TEMPLATE = new URL("./fixtures/websocket/template.yaml", import.meta.url).pathname;
const CREDENTIALS = { accessKeyId: "AKIAGATEPROOFWSDIST01", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/gateproofDistributedKey" };
/** Short, so the crash test is quick; the default is 10 s. */
const INSTANCE_TTL_MS = 1500;
// Each test starts its own gateway processes (tsx compiles the gateway in each): 10–45 s on a loaded 2-core machine.

describe.skipIf(!redisAvailable())("WebSocket @connections across gateway instances on one Redis", features(["websocket.connections", "websocket.route-responses"], { referenceOnly: true, timeout: 120_000 }), () => {
  let redis: RedisServer;
  let credentialsFile = "";
  const running: GatewayProcess[] = [];

  const start = async () => {
    const gateway = await startGatewayProcess({ template: TEMPLATE, port: 0, store: redis.url, iamCredentialsFile: credentialsFile, webSocketInstanceTtlMs: INSTANCE_TTL_MS });
    running.push(gateway);
    onTestFailed(() => console.error(`gateway process ${gateway.pid} logged:\n${gateway.log()}`));
    return gateway;
  };
  const chatUrl = (gateway: GatewayProcess) => gateway.urls.find((u) => u.api === "ChatApi")!.url;
  const management = (gateway: GatewayProcess) => new ApiGatewayManagementApiClient({ endpoint: chatUrl(gateway).replace(/^ws/, "http"), region: "us-east-1", credentials: CREDENTIALS, maxAttempts: 1 });
  /** Connects to the instance and learns the connection id from the echo route's event. */
  const connectTo = async (gateway: GatewayProcess) => {
    const inbox = new Inbox(await connect(chatUrl(gateway)));
    inbox.ws.send(JSON.stringify({ action: "echo" }));
    // A generous wait: the instance's first invocation starts the function's worker, slow on a loaded machine.
    const id = (JSON.parse(await inbox.next(15_000)) as { requestContext: { connectionId: string } }).requestContext.connectionId;
    return { inbox, id };
  };
  const describeConnection = (client: ApiGatewayManagementApiClient, id: string) => client.send(new GetConnectionCommand({ ConnectionId: id })).catch((error: { name: string; $metadata?: { httpStatusCode?: number } }) => error);

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "gateproof-ws-dist-"));
    credentialsFile = join(dir, "iam.json");
    writeFileSync(credentialsFile, JSON.stringify([{ ...CREDENTIALS, accountId: "123456789012", userArn: "arn:aws:iam::123456789012:user/ws", caller: "AIDAWSDIST", user: "AIDAWSDIST" }]));
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(running.map((gateway) => gateway.kill()));
    await redis?.stop();
  });

  it("B describes, reaches and closes a connection held by A; then GoneException on B", async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const { inbox, id } = await connectTo(a);
    const client = management(b);

    const info = await client.send(new GetConnectionCommand({ ConnectionId: id }));
    expect(info.Identity?.SourceIp).toBe("127.0.0.1");
    expect(info.ConnectedAt).toBeInstanceOf(Date);

    await client.send(new PostToConnectionCommand({ ConnectionId: id, Data: "from instance B" }));
    expect(await inbox.next()).toBe("from instance B");

    await client.send(new DeleteConnectionCommand({ ConnectionId: id }));
    expect((await inbox.closed).code).toBe(1000);
    // The record goes when A sees the close ($disconnect path), a moment after the 204.
    const deadline = Date.now() + 2000;
    let gone = await describeConnection(client, id);
    while (!("name" in gone && gone.name === "GoneException") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      gone = await describeConnection(client, id);
    }
    expect(gone).toMatchObject({ name: "GoneException", $metadata: { httpStatusCode: 410 } });
    const post = await client.send(new PostToConnectionCommand({ ConnectionId: id, Data: "late" })).catch((error: unknown) => error);
    expect(post).toMatchObject({ name: "GoneException", $metadata: { httpStatusCode: 410 } });
    await Promise.all([a.stop(), b.stop()]);
  });

  it("A killed (SIGKILL) with a client connected: B's POST is GoneException at once, B's GET within the liveness TTL; a restarted A serves new connections B reaches, never the dead one", async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const { inbox, id } = await connectTo(a);
    const client = management(b);
    expect(await describeConnection(client, id)).toMatchObject({ Identity: { SourceIp: "127.0.0.1" } });

    await a.kill();
    const killedAt = Date.now();
    await inbox.closed;
    // Redis dropped A's subscription with its socket: a POST reaches nobody.
    const post = await client.send(new PostToConnectionCommand({ ConnectionId: id, Data: "to a dead instance" })).catch((error: unknown) => error);
    expect(post).toMatchObject({ name: "GoneException", $metadata: { httpStatusCode: 410 } });
    let info = await describeConnection(client, id);
    while (!("name" in info && info.name === "GoneException") && Date.now() - killedAt < INSTANCE_TTL_MS + 5000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      info = await describeConnection(client, id);
    }
    expect(info).toMatchObject({ name: "GoneException", $metadata: { httpStatusCode: 410 } });
    // Bounded by the TTL A last renewed its key with (+ scheduling slack on a loaded machine; without liveness the
    // record would answer 200 for its 2 h TTL).
    expect(Date.now() - killedAt).toBeLessThanOrEqual(INSTANCE_TTL_MS + 2000);

    const restarted = await start();
    const fresh = await connectTo(restarted);
    await client.send(new PostToConnectionCommand({ ConnectionId: fresh.id, Data: "to the restarted instance" }));
    expect(await fresh.inbox.next()).toBe("to the restarted instance");
    expect(await describeConnection(management(restarted), id)).toMatchObject({ name: "GoneException" });

    // A graceful stop removes its connections at once: no waiting for the TTL.
    const stopped = restarted.stop();
    await fresh.inbox.closed;
    expect(await stopped).toBe(0);
    expect(await describeConnection(client, fresh.id)).toMatchObject({ name: "GoneException", $metadata: { httpStatusCode: 410 } });
    await b.stop();
  });

  it("Redis killed: connections keep working, @connections answers 500 without a crash; Redis back: A registers its connections again and B reaches them", async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const { inbox, id } = await connectTo(a);
    const client = management(b);
    await redis.kill();

    inbox.ws.send(JSON.stringify({ action: "echo" }));
    expect(JSON.parse(await inbox.next())).toMatchObject({ requestContext: { connectionId: id } });
    const down = await describeConnection(client, id);
    expect(down).toMatchObject({ $metadata: { httpStatusCode: 500 } });

    await redis.restart();
    // The restarted Redis is empty; A notices its liveness key is missing at its next renewal (TTL/3) and writes
    // its open connections again.
    const deadline = Date.now() + 10_000;
    let info = await describeConnection(client, id);
    while ("name" in info && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      info = await describeConnection(client, id);
    }
    expect(info).toMatchObject({ Identity: { SourceIp: "127.0.0.1" } });
    await client.send(new PostToConnectionCommand({ ConnectionId: id, Data: "after the outage" }));
    expect(await inbox.next()).toBe("after the outage");
    expect(a.log()).toContain("the connection registry is written again");
    inbox.ws.close();
    expect(await Promise.all([a.stop(), b.stop()])).toEqual([0, 0]);
  });
});

describe("WebSocket on a shared store whose writes take a round trip", features(["websocket.routing"], { referenceOnly: true }), () => {
  it("a message sent right after the 101 is routed (listeners are attached before the registry write completes)", async () => {
    const memory = new MemoryStore();
    // Every write 200 ms late, as a distant Redis would be.
    const slow: Store = Object.assign(Object.create(memory) as Store, {
      set: (key: string, value: string, ttl: number) => new Promise<void>((resolve) => setTimeout(() => resolve(memory.set(key, value, ttl)), 200)),
    });
    const gateway = await startGateway({ template: TEMPLATE, port: 0, store: slow, log: () => {} });
    try {
      const inbox = new Inbox(await connect(gateway.urls.find((u) => u.api === "ChatApi")!.url));
      inbox.ws.send(JSON.stringify({ action: "echo" }));
      expect(JSON.parse(await inbox.next(10_000))).toMatchObject({ requestContext: { routeKey: "echo", eventType: "MESSAGE" } });
      inbox.ws.close();
    } finally {
      await gateway.close();
    }
  });
});
