import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { features } from "../harness/conformance.ts";
import { presignWithSmithy, signWithSmithy } from "../harness/sigv4-clients.ts";
import WebSocket from "ws";
import { connect, Inbox, refusedStatus } from "./websocket-harness.ts";

/**
 * Authorizers on WebSocket `$connect` (reference-gateway/websocket/authorize.ts cites the sources):
 *   Lambda REQUEST authorizer — identity sources route.request.header.X / route.request.querystring.X; a missing one
 *   401 without invoking; "Unauthorized" 401; explicit or implicit deny 403; a failure or unusable answer 500; on allow
 *   `requestContext.authorizer` (principalId, integrationLatency, stringified context) on $connect and later messages.
 *   AWS_IAM — the upgrade request's SigV4 (header or presigned URL); anything else refuses the handshake with 403.
 * The handshake refusal is an HTTP status before the 101: the client never gets a socket.
 */
const TEMPLATE = new URL("./fixtures/websocket-auth/template.yaml", import.meta.url).pathname;
const CREDENTIALS = new URL("./fixtures/tokens/iam-credentials.json", import.meta.url).pathname;
const ALICE = { accessKeyId: "AKIAGATEPROOFUSER01", secretAccessKey: "user-secret-0123456789abcdefghijklmnopqrstuv" };

const eventsDir = mkdtempSync(join(tmpdir(), "gateproof-ws-auth-events-"));
const readEvents = new Set<string>();

async function open(url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; inbox: Inbox }> {
  const ws = await connect(url, headers);
  return { ws, inbox: new Inbox(ws) };
}

/** What the $connect function saw of the connection opened last (it runs before the 101 and writes one file). */
function connectEvent(): Record<string, any> {
  const fresh = readdirSync(eventsDir).filter((name) => !readEvents.has(name));
  expect(fresh).toHaveLength(1);
  readEvents.add(fresh[0]!);
  return JSON.parse(readFileSync(join(eventsDir, fresh[0]!), "utf8"));
}

async function refused(url: string, headers: Record<string, string> = {}): Promise<number> {
  if (Object.keys(headers).length === 0) return refusedStatus(url);
  try {
    (await connect(url, headers)).close();
    return 101;
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
}

describe("WebSocket $connect authorizers", features(["websocket.auth", "websocket.connect"], { referenceOnly: true }), () => {
  let gateway: RunningGateway;
  let lambdaUrl: string;
  let iamUrl: string;
  let apiId: string;
  const lines: string[] = [];

  beforeAll(async () => {
    gateway = await startGateway({ template: TEMPLATE, port: 0, iamCredentialsFile: CREDENTIALS, parameterOverrides: { EventsDir: eventsDir }, log: (line) => lines.push(line) });
    lambdaUrl = gateway.urls.find((u) => u.api === "LambdaApi")!.url;
    iamUrl = gateway.urls.find((u) => u.api === "IamApi")!.url;
    apiId = gateway.model.webSocketApis!.find((a) => a.logicalId === "LambdaApi")!.id;
  }, 20_000);
  afterAll(async () => {
    await gateway?.close();
  });

  it("Lambda authorizer allows: requestContext.authorizer on $connect and on later messages; REQUEST event with the $connect methodArn", async () => {
    const { ws, inbox } = await open(`${lambdaUrl}?room=blue`, { Auth: "allow" });
    const connected = connectEvent();
    expect(connected.routeKey).toBe("$connect");
    expect(connected.authorizer).toMatchObject({ principalId: "alice", room: "blue", n: "7", ok: "true", type: "REQUEST", arn: `arn:aws:execute-api:us-east-1:123456789012:${apiId}/prod/$connect`, upgrade: "websocket", route: "$connect", eventType: "CONNECT" });
    expect(Object.keys(connected.authorizer).slice(0, 2)).toEqual(["principalId", "integrationLatency"]);
    ws.send(JSON.stringify({ action: "anything" }));
    const message = JSON.parse(await inbox.next());
    expect(message.routeKey).toBe("$default");
    expect(message.authorizer).toMatchObject({ principalId: "alice", room: "blue" });
    ws.close();
  });

  it("a missing or empty identity source refuses with 401 without invoking the authorizer", async () => {
    const before = lines.length;
    expect(await refused(`${lambdaUrl}`, { Auth: "allow" })).toBe(401);
    expect(await refused(`${lambdaUrl}?room=`, { Auth: "allow" })).toBe(401);
    expect(await refused(`${lambdaUrl}?room=blue`)).toBe(401);
    expect(lines.slice(before).join("\n")).toContain("identity source is missing");
  });

  it.each([
    ["deny", 403],
    ["rest-style", 403],
    ["unauthorized", 401],
    ["status", 500],
    ["crash", 500],
  ])("authorizer outcome %s refuses the handshake with %i", async (token, status) => {
    expect(await refused(`${lambdaUrl}?room=blue`, { Auth: token })).toBe(status);
  });

  it("AWS_IAM: a SigV4-signed upgrade (Authorization header or presigned URL) connects; the caller is requestContext.identity", async () => {
    const signed = await signWithSmithy({ method: "GET", url: iamUrl }, ALICE);
    const { host: _host, ...headers } = signed.headers;
    const { ws } = await open(iamUrl, headers);
    const connected = connectEvent();
    expect(connected.identity).toMatchObject({ accessKey: ALICE.accessKeyId, accountId: "123456789012", userArn: "arn:aws:iam::123456789012:user/alice", sourceIp: "127.0.0.1" });
    ws.close();
    const presigned = await presignWithSmithy({ method: "GET", url: iamUrl }, ALICE);
    const second = await open(`${new URL(iamUrl).origin.replace(/^http/, "ws")}${presigned.path}`);
    expect(connectEvent().identity).toMatchObject({ accessKey: ALICE.accessKeyId });
    second.ws.close();
  });

  it("AWS_IAM: unsigned, wrongly signed or unknown-key upgrades are refused with 403", async () => {
    expect(await refused(iamUrl)).toBe(403);
    const signed = await signWithSmithy({ method: "GET", url: iamUrl }, { ...ALICE, secretAccessKey: "wrong" });
    const { host: _h, ...headers } = signed.headers;
    expect(await refused(iamUrl, headers)).toBe(403);
    const unknown = await signWithSmithy({ method: "GET", url: iamUrl }, { accessKeyId: "AKIANOBODY000000000", secretAccessKey: "x" });
    const { host: _h2, ...unknownHeaders } = unknown.headers;
    expect(await refused(iamUrl, unknownHeaders)).toBe(403);
  });
});
