/**
 * WebSocket APIs over real sockets: $connect during the upgrade, routing, Lambda proxy events, two-way routes,
 * $disconnect, and the @connections API through the real AWS SDK client. Against the reference by default
 * (fixture suites/scenario/fixtures/websocket/template.yaml); TARGET_WS_URL (the ChatApi stage URL of a deployment
 * of that fixture) and TARGET_WS_SERVICE_URL (ServiceApi) point the socket-level tests at AWS; tests that read the
 * events the functions wrote, or need local credentials, run against the reference only.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiGatewayManagementApiClient, DeleteConnectionCommand, GetConnectionCommand, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { connect, Inbox, refusedStatus } from "./websocket-harness.ts";
import { features } from "../harness/conformance.ts";

const TEMPLATE = new URL("./fixtures/websocket/template.yaml", import.meta.url).pathname;
const remote = process.env.TARGET_WS_URL;
const CREDENTIALS = { accessKeyId: "AKIAGATEPROOFWSTEST1", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/gateproofWebSocketKey" };

let gateway: RunningGateway | undefined;
let chatUrl = remote ?? "";
let serviceUrl = process.env.TARGET_WS_SERVICE_URL ?? "";
let eventsDir = "";
let chatApiId = "";

function eventFile(prefix: string): Record<string, any> | undefined {
  const name = readdirSync(eventsDir).find((f) => f.startsWith(prefix));
  return name === undefined ? undefined : JSON.parse(readFileSync(join(eventsDir, name), "utf8"));
}

async function waitFor<T>(probe: () => T | undefined, ms = 5000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() - started > ms) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function management(): ApiGatewayManagementApiClient {
  // The management endpoint is the stage URL over HTTP(S) (spec §12.3), here http://127.0.0.1:port/prod.
  return new ApiGatewayManagementApiClient({ endpoint: chatUrl.replace(/^ws/, "http"), region: "us-east-1", credentials: CREDENTIALS });
}

async function echo(inbox: Inbox, extra: Record<string, unknown> = {}): Promise<Record<string, any>> {
  inbox.ws.send(JSON.stringify({ action: "echo", ...extra }));
  return JSON.parse(await inbox.next());
}

beforeAll(async () => {
  if (remote) return;
  eventsDir = mkdtempSync(join(tmpdir(), "gateproof-ws-events-"));
  const credentialsFile = join(eventsDir, "iam.json");
  writeFileSync(credentialsFile, JSON.stringify([{ ...CREDENTIALS, accountId: "123456789012", userArn: "arn:aws:iam::123456789012:user/ws", caller: "AIDAWSTEST", user: "AIDAWSTEST" }]));
  gateway = await startGateway({ template: TEMPLATE, port: 0, log: () => {}, parameterOverrides: { EventsDir: eventsDir }, iamCredentialsFile: credentialsFile });
  const ws = gateway.urls.filter((u) => u.type === "WEBSOCKET");
  chatUrl = ws.find((u) => u.api === "ChatApi")!.url;
  serviceUrl = ws.find((u) => u.api === "ServiceApi")!.url;
  chatApiId = gateway.model.webSocketApis!.find((a) => a.logicalId === "ChatApi")!.id;
});
afterAll(() => gateway?.close());

/**
 * Tests that need the reference this file starts (its URLs, the events its functions write, its credentials): skipped,
 * and reported so, against TARGET_WS_URL, rather than passed with nothing checked.
 */
const onReference = it.skipIf(remote !== undefined);

describe("WebSocket APIs", features("websocket.routing", "websocket.lambda-proxy"), () => {
  onReference("serves each WebSocket API on its own port, in template order, as ws://host:port/stage", () => {
    const ws = gateway!.urls.filter((u) => u.type === "WEBSOCKET");
    expect(ws.map((u) => [u.api, u.stage])).toEqual([["ChatApi", "prod"], ["ServiceApi", "v1"]]);
    expect(ws[0]!.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/prod$/);
    expect(new URL(ws[0]!.url).port).not.toBe(new URL(ws[1]!.url).port);
  });

  it("a MESSAGE event is built as AWS builds it (aws-lambda-go apigw-websocket-request-send-message.json)", features("websocket.route-responses"), async () => {
    const inbox = new Inbox(await connect(chatUrl, { "User-Agent": "gateproof-suite/1" }));
    const event = await echo(inbox, { n: 1 });
    expect(Object.keys(event)).toEqual(["requestContext", "body", "isBase64Encoded"]);
    expect(Object.keys(event.requestContext)).toEqual(["routeKey", "messageId", "eventType", "extendedRequestId", "requestTime", "messageDirection", "stage", "connectedAt", "requestTimeEpoch", "identity", "requestId", "domainName", "connectionId", "apiId"]);
    const rc = event.requestContext;
    expect(rc).toMatchObject({ routeKey: "echo", eventType: "MESSAGE", messageDirection: "IN", stage: "prod" });
    expect(event.body).toBe('{"action":"echo","n":1}');
    expect(event.isBase64Encoded).toBe(false);
    expect(rc.requestId).toBe(rc.extendedRequestId); // spec §12.2
    expect(rc.connectionId).toMatch(/^[A-Za-z0-9_-]{15}=$/); // e.g. "R1kmxc2VNjMCFIA=" in the capture
    expect(rc.messageId).toMatch(/^[A-Za-z0-9_-]{15}=$/);
    expect(rc.requestTime).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    expect(rc.requestTimeEpoch).toBeGreaterThanOrEqual(rc.connectedAt);
    expect(rc.identity).toEqual({ userAgent: "gateproof-suite/1", sourceIp: expect.any(String) });
    if (gateway) {
      expect(rc.apiId).toBe(chatApiId);
      expect(rc.domainName).toBe(new URL(chatUrl).host);
    }
    // A second message on the same connection: same connection, new message and request ids.
    const second = await echo(inbox);
    expect(second.requestContext.connectionId).toBe(rc.connectionId);
    expect(second.requestContext.messageId).not.toBe(rc.messageId);
    expect(second.requestContext.connectedAt).toBe(rc.connectedAt);
    inbox.ws.close();
  });

  // "Binary media types for WebSocket APIs in API Gateway" (websocket-api-develop-binary-media-types.html): binary
  // frames in incoming messages are not supported; "API Gateway rejects it and disconnects the client with code 1003".
  it("a binary frame closes the connection with 1003 and reaches no route", features("websocket.routing", "websocket.route-responses"), async () => {
    const inbox = new Inbox(await connect(chatUrl));
    const { requestContext } = await echo(inbox);
    inbox.ws.send(Buffer.from([0, 1, 2, 250]), { binary: true });
    expect((await inbox.closed).code).toBe(1003);
    expect(await inbox.quiet(0)).toBe(true);
    if (!gateway) return;
    const event = await waitFor(() => eventFile(`DISCONNECT-${requestContext.connectionId}`));
    expect(event.requestContext.disconnectStatusCode).toBe(1003);
    expect(readdirSync(eventsDir).filter((f) => f.startsWith(`MESSAGE-${requestContext.connectionId}`))).toHaveLength(1);
  });

  it.each([
    ["a non-JSON message", "hello there"],
    ["JSON without the selected key", '{"other":"x"}'],
    ["a key no route has", '{"action":"nobody"}'],
    ["a route key differing in case only (matching is exact)", '{"action":"ECHO"}'],
  ])("%s goes to $default (spec §12.1)", features("websocket.route-responses"), async (_label, message) => {
    const inbox = new Inbox(await connect(chatUrl));
    inbox.ws.send(message);
    expect(JSON.parse(await inbox.next())).toEqual({ route: "$default", body: message, isBase64Encoded: false });
    inbox.ws.close();
  });

  it("a one-way route runs its integration and sends nothing back", features("websocket.route-responses"), async () => {
    const inbox = new Inbox(await connect(chatUrl));
    const { requestContext } = await echo(inbox);
    inbox.ws.send('{"action":"silent"}');
    if (gateway) await waitFor(() => readdirSync(eventsDir).some((f) => f.startsWith(`MESSAGE-${requestContext.connectionId}`) && JSON.parse(readFileSync(join(eventsDir, f), "utf8")).requestContext.routeKey === "silent") || undefined);
    expect(await inbox.quiet(300)).toBe(true);
    inbox.ws.close();
  });

  it('a failing integration answers {"message": "Internal server error", "connectionId":…, "requestId":…}', features("websocket.route-responses"), async () => {
    const inbox = new Inbox(await connect(chatUrl));
    const { requestContext } = await echo(inbox);
    inbox.ws.send('{"action":"fail"}');
    const frame = await inbox.next();
    expect(frame).toMatch(new RegExp(`^\\{"message": "Internal server error", "connectionId":"${requestContext.connectionId}", "requestId":"[A-Za-z0-9_-]{15}="\\}$`));
    inbox.ws.close();
  });

  // Client logs of API Gateway past the integration timeout: {"message": "Endpoint request timed out", "connectionId":…,
  // "requestId":…} (github.com/Kludex/mangum/issues/128, github.com/aws/chalice/issues/1406); the fixture's slow route has
  // TimeoutInMillis 300 and a function answering after 1 s.
  it('an integration past its TimeoutInMillis answers {"message": "Endpoint request timed out", …} and nothing later', features("websocket.route-responses"), async () => {
    const inbox = new Inbox(await connect(chatUrl));
    const { requestContext } = await echo(inbox);
    const sent = Date.now();
    inbox.ws.send('{"action":"slow"}');
    expect(await inbox.next()).toMatch(new RegExp(`^\\{"message": "Endpoint request timed out", "connectionId":"${requestContext.connectionId}", "requestId":"[A-Za-z0-9_-]{15}="\\}$`));
    expect(Date.now() - sent).toBeLessThan(1000);
    expect(await inbox.quiet(1000)).toBe(true);
    inbox.ws.close();
  });

  it("a template selection expression joins its parts; no route and no $default answers Forbidden", features("websocket.route-responses"), async () => {
    const inbox = new Inbox(await connect(serviceUrl));
    inbox.ws.send(JSON.stringify({ service: "chat", action: "join" }));
    const event = JSON.parse(await inbox.next());
    expect(event.requestContext.routeKey).toBe("chat/join");
    inbox.ws.send(JSON.stringify({ service: "chat", action: "leave" }));
    // Byte for byte as wscat sessions against AWS show it (websocket/server.ts).
    expect(await inbox.next()).toMatch(new RegExp(`^\\{"message": "Forbidden", "connectionId":"${event.requestContext.connectionId}", "requestId":"[A-Za-z0-9_-]{15}="\\}$`));
    inbox.ws.send("not json at all");
    expect(await inbox.next()).toMatch(/^\{"message": "Forbidden", "connectionId":/);
    inbox.ws.close();
  });

  it("$connect refusing with a non-2xx statusCode refuses the handshake with that status; a failing function with 502", features("websocket.connect"), async () => {
    expect(await refusedStatus(`${chatUrl}?status=403`)).toBe(403);
    expect(await refusedStatus(`${chatUrl}?status=401`)).toBe(401);
    expect(await refusedStatus(`${chatUrl}?throw=1`)).toBe(502);
    expect(await refusedStatus(`${chatUrl}?status=204`)).toBe(101);
  });

  // "Set up a $connect route that requires a WebSocket subprotocol" (websocket-connect-route-subprotocol.html): the
  // $connect function accepts a subprotocol by returning headers {"Sec-WebSocket-Protocol": …}; API Gateway picks none
  // itself. AWS re:Post "apigateway websocket enable two way communication not work on connect route": "$Connect route
  // cannot send a response back to the client", even with a route response (the fixture's $connect has one).
  it("the subprotocol is the one the $connect answer names, none otherwise; the $connect body is never sent", features("websocket.connect"), async () => {
    const chosen = new Inbox(await connect(`${chatUrl}?subprotocol=second`, {}, ["first", "second"]));
    expect(chosen.ws.protocol).toBe("second");
    expect(await chosen.quiet(300)).toBe(true);
    chosen.ws.close();
    const refused = await connect(chatUrl, {}, ["first", "second"]).then((ws) => (ws.close(), "connected"), (error: Error) => error.message);
    expect(refused).toBe("Server sent no subprotocol");
  });

  onReference("the CONNECT event carries the handshake's headers and query, without hop-by-hop headers (captured $connect event)", features("websocket.connect", "websocket.route-responses"), async () => {
    const inbox = new Inbox(await connect(`${chatUrl}?room=a&room=b&x=1`, { "X-Custom": "v" }));
    const { requestContext } = await echo(inbox);
    const event = eventFile(`CONNECT-${requestContext.connectionId}`)!;
    expect(Object.keys(event)).toEqual(["headers", "multiValueHeaders", "queryStringParameters", "multiValueQueryStringParameters", "requestContext", "isBase64Encoded"]);
    expect(Object.keys(event.requestContext)).toEqual(["routeKey", "eventType", "extendedRequestId", "requestTime", "messageDirection", "stage", "connectedAt", "requestTimeEpoch", "identity", "requestId", "domainName", "connectionId", "apiId"]);
    expect(event.requestContext).toMatchObject({ routeKey: "$connect", eventType: "CONNECT", connectionId: requestContext.connectionId, connectedAt: requestContext.connectedAt, apiId: chatApiId });
    expect(event.requestContext).not.toHaveProperty("messageId");
    expect(event.queryStringParameters).toEqual({ room: "b", x: "1" });
    expect(event.multiValueQueryStringParameters).toEqual({ room: ["a", "b"], x: ["1"] });
    const names = Object.keys(event.headers);
    expect(names).toEqual([...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    expect(names.map((n) => n.toLowerCase())).not.toContain("connection");
    expect(names.map((n) => n.toLowerCase())).not.toContain("upgrade");
    expect(event.headers).toMatchObject({ "Sec-WebSocket-Version": "13", "X-Custom": "v", "X-Forwarded-Proto": "http" });
    expect(event.headers["X-Amzn-Trace-Id"]).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(event.multiValueHeaders["X-Custom"]).toEqual(["v"]);
    inbox.ws.close();
  });

  onReference("$disconnect runs when the client closes, with its code and reason (aws-lambda-go apigw-websocket-request-disconnect.json)", features("websocket.connect", "websocket.route-responses"), async () => {
    const inbox = new Inbox(await connect(chatUrl));
    const { requestContext } = await echo(inbox);
    inbox.ws.close(4001, "bye");
    const event = await waitFor(() => eventFile(`DISCONNECT-${requestContext.connectionId}`));
    expect(Object.keys(event)).toEqual(["headers", "multiValueHeaders", "requestContext", "isBase64Encoded"]);
    expect(Object.keys(event.headers)).toEqual(["Host", "x-api-key", "X-Forwarded-For", "x-restapi"]);
    expect(Object.keys(event.requestContext)).toEqual(["routeKey", "disconnectStatusCode", "eventType", "extendedRequestId", "requestTime", "messageDirection", "disconnectReason", "stage", "connectedAt", "requestTimeEpoch", "identity", "requestId", "domainName", "connectionId", "apiId"]);
    expect(event.requestContext).toMatchObject({ routeKey: "$disconnect", eventType: "DISCONNECT", disconnectStatusCode: 4001, disconnectReason: "bye", connectionId: requestContext.connectionId });
  });
});

describe("@connections through the AWS SDK (@aws-sdk/client-apigatewaymanagementapi)", features("websocket.connections"), () => {
  onReference("PostToConnection reaches the client; GetConnection describes it; DeleteConnection closes it; then GoneException", features("websocket.route-responses"), async () => {
    const inbox = new Inbox(await connect(chatUrl, { "User-Agent": "sdk-suite" }));
    const { requestContext } = await echo(inbox);
    const id = requestContext.connectionId as string;
    const client = management();
    await client.send(new PostToConnectionCommand({ ConnectionId: id, Data: "pushed from outside" }));
    expect(await inbox.next()).toBe("pushed from outside");
    const info = await client.send(new GetConnectionCommand({ ConnectionId: id }));
    expect(info.ConnectedAt?.getTime()).toBe(requestContext.connectedAt);
    expect(info.Identity).toEqual({ SourceIp: requestContext.identity.sourceIp, UserAgent: "sdk-suite" });
    expect(info.LastActiveAt!.getTime()).toBeGreaterThanOrEqual(requestContext.connectedAt);
    await client.send(new DeleteConnectionCommand({ ConnectionId: id }));
    expect((await inbox.closed).code).toBe(1000);
    const gone = await client.send(new PostToConnectionCommand({ ConnectionId: id, Data: "late" })).catch((e: unknown) => e);
    expect(gone).toMatchObject({ name: "GoneException", $metadata: { httpStatusCode: 410 } });
  });

  // API Gateway execution logs of a DeleteConnection's $disconnect: "disconnectStatusCode": 1000, "disconnectReason":
  // "Connection Closed Normally" (github.com/aws/chalice/issues/2060, github.com/boto/boto3/issues/3789).
  onReference("DeleteConnection's $disconnect event reports 1000 \"Connection Closed Normally\"", async () => {
    const inbox = new Inbox(await connect(chatUrl));
    const { requestContext } = await echo(inbox);
    await management().send(new DeleteConnectionCommand({ ConnectionId: requestContext.connectionId }));
    await inbox.closed;
    const event = await waitFor(() => eventFile(`DISCONNECT-${requestContext.connectionId}`));
    expect(event.requestContext).toMatchObject({ disconnectStatusCode: 1000, disconnectReason: "Connection Closed Normally" });
  });

  onReference("an unknown connection is GoneException for POST, GET and DELETE", async () => {
    const client = management();
    for (const command of [new PostToConnectionCommand({ ConnectionId: "AAAAAAAAAAAAAAA=", Data: "x" }), new GetConnectionCommand({ ConnectionId: "AAAAAAAAAAAAAAA=" }), new DeleteConnectionCommand({ ConnectionId: "AAAAAAAAAAAAAAA=" })]) {
      const error = await client.send(command as never).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: "GoneException", $metadata: { httpStatusCode: 410 } });
    }
  });

  onReference("Data of 131072 bytes is sent; 131073 bytes is PayloadTooLargeException 413", features("websocket.limits", "websocket.route-responses"), async () => {
    const inbox = new Inbox(await connect(chatUrl));
    const { requestContext } = await echo(inbox);
    const client = management();
    await client.send(new PostToConnectionCommand({ ConnectionId: requestContext.connectionId, Data: "a".repeat(131072) }));
    expect((await inbox.next()).length).toBe(131072);
    const error = await client.send(new PostToConnectionCommand({ ConnectionId: requestContext.connectionId, Data: "a".repeat(131073) })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "PayloadTooLargeException", $metadata: { httpStatusCode: 413 } });
    inbox.ws.close();
  });

  onReference("requests signed with unknown credentials are refused with 403 and nothing is delivered", features("websocket.route-responses"), async () => {
    const inbox = new Inbox(await connect(chatUrl));
    const { requestContext } = await echo(inbox);
    const stranger = new ApiGatewayManagementApiClient({ endpoint: chatUrl.replace(/^ws/, "http"), region: "us-east-1", credentials: { accessKeyId: "AKIANOBODY", secretAccessKey: "nope" } });
    const error = await stranger.send(new PostToConnectionCommand({ ConnectionId: requestContext.connectionId, Data: "x" })).catch((e: unknown) => e);
    expect(error).toMatchObject({ $metadata: { httpStatusCode: 403 } });
    expect(await inbox.quiet(200)).toBe(true);
    inbox.ws.close();
  });

  onReference("a POST while $connect is still running is GoneException (spec §12.3)", async () => {
    const pending = connect(`${chatUrl}?delay=700`);
    const event = await waitFor(() => {
      const name = readdirSync(eventsDir).find((f) => f.startsWith("CONNECT-") && JSON.parse(readFileSync(join(eventsDir, f), "utf8")).queryStringParameters?.delay === "700");
      return name === undefined ? undefined : JSON.parse(readFileSync(join(eventsDir, name), "utf8"));
    });
    const error = await management().send(new PostToConnectionCommand({ ConnectionId: event.requestContext.connectionId, Data: "too early" })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "GoneException" });
    const inbox = new Inbox(await pending);
    await management().send(new PostToConnectionCommand({ ConnectionId: event.requestContext.connectionId, Data: "now" }));
    expect(await inbox.next()).toBe("now");
    inbox.ws.close();
  });

  it("a function calls back through @connections with the SDK (AWS_ENDPOINT_URL_EXECUTE_API and role credentials from the gateway)", features("websocket.connections"), async () => {
    const inbox = new Inbox(await connect(chatUrl));
    inbox.ws.send(JSON.stringify({ action: "callback", text: "hi" }));
    const answer = JSON.parse(await inbox.next(8000));
    expect(answer).toEqual({ callback: "hi", sourceIp: expect.any(String) });
    inbox.ws.close();
  });
});
