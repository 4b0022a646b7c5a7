import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { features } from "../harness/conformance.ts";
import { startEchoBackend, type EchoBackend } from "../harness/echo-backend.ts";
import { presignWithSmithy, signWithAws4, signWithSmithy } from "../harness/sigv4-clients.ts";
import { send } from "../harness/target.ts";

/**
 * AWS_IAM on HTTP API routes (reference-gateway/http-api/authorize.ts cites the sources): requests signed by real
 * signers (aws4, @smithy/signature-v4) pass; unsigned → 403 `{"message":"Forbidden"}`; a bad signature or an unknown
 * key → 403 with execute-api's message; a refused request never reaches the integration; payload 2.0 carries the
 * caller as `requestContext.authorizer.iam`.
 */
const TEMPLATE = new URL("./fixtures/http-api-iam/template.yaml", import.meta.url).pathname;
const CREDENTIALS = new URL("./fixtures/tokens/iam-credentials.json", import.meta.url).pathname;
const ALICE = { accessKeyId: "AKIAGATEPROOFUSER01", secretAccessKey: "user-secret-0123456789abcdefghijklmnopqrstuv" };
const BOB = { accessKeyId: "ASIAGATEPROOFROLE01", secretAccessKey: "role-secret-0123456789abcdefghijklmnopqrstuv", sessionToken: "session-token-for-the-assumed-role" };

describe("HTTP API AWS_IAM routes", features(["http-api.iam"], { referenceOnly: true }), () => {
  let gateway: RunningGateway;
  let backend: EchoBackend;
  let sam: string;
  let live: string;

  beforeAll(async () => {
    backend = await startEchoBackend();
    gateway = await startGateway({ template: TEMPLATE, port: 0, iamCredentialsFile: CREDENTIALS, parameterOverrides: { BackendUrl: backend.url }, log: () => {} });
    sam = gateway.urls.find((u) => u.api === "Sam")!.url;
    live = gateway.urls.find((u) => u.api === "Live")!.url;
  }, 20_000);
  afterAll(async () => {
    await gateway?.close();
    await backend?.close();
  });

  it("a signed POST reaches the Lambda; payload 2.0 requestContext.authorizer.iam names the caller", async () => {
    const body = '{"n":1}';
    const signed = await signWithSmithy({ method: "POST", url: `${sam}/signed?b=2&a=1`, body, headers: { "content-type": "application/json" } }, ALICE);
    const response = await send("POST", signed.path, { base: sam, headers: signed.headers, body });
    expect(response.status).toBe(200);
    const event = JSON.parse(response.text);
    expect(event.requestContext.authorizer).toEqual({
      iam: { accessKey: ALICE.accessKeyId, accountId: "123456789012", callerId: "AIDAGATEPROOFALICE01", cognitoIdentity: null, principalOrgId: null, userArn: "arn:aws:iam::123456789012:user/alice", userId: "AIDAGATEPROOFALICE01" },
    });
    expect((await send("GET", "/open", { base: sam })).status).toBe(200);
  });

  it("aws4 headers, a session token and a presigned URL are accepted on a named stage", async () => {
    const url = `${live}/items/a%20b`;
    const a = signWithAws4({ method: "GET", url }, BOB);
    expect((await send("GET", a.path, { base: new URL(live).origin, headers: a.headers })).status).toBe(200);
    const p = await presignWithSmithy({ method: "GET", url }, ALICE);
    expect((await send("GET", p.path, { base: new URL(live).origin, headers: p.headers })).status).toBe(200);
  });

  it("unsigned, wrongly signed, unknown-key and tampered requests get 403 and never reach the integration", async () => {
    const origin = new URL(live).origin;
    const before = backend.received.length;
    const unsigned = await send("GET", "/items/1", { base: live });
    expect(unsigned.status).toBe(403);
    expect(unsigned.text).toBe('{"message":"Forbidden"}');
    const wrong = await signWithSmithy({ method: "GET", url: `${live}/items/1` }, { ...ALICE, secretAccessKey: "wrong" });
    const mismatch = await send("GET", wrong.path, { base: origin, headers: wrong.headers });
    expect(mismatch.status).toBe(403);
    expect(JSON.parse(mismatch.text).message).toMatch(/^The request signature we calculated does not match/);
    const nobody = await signWithSmithy({ method: "GET", url: `${live}/items/1` }, { accessKeyId: "AKIANOBODY000000000", secretAccessKey: "x" });
    const unknown = await send("GET", nobody.path, { base: origin, headers: nobody.headers });
    expect(unknown.status).toBe(403);
    expect(unknown.text).toBe('{"message":"The security token included in the request is invalid."}');
    const good = await signWithSmithy({ method: "GET", url: `${live}/items/1` }, ALICE);
    expect((await send("GET", good.path.replace("/items/1", "/items/2"), { base: origin, headers: good.headers })).status).toBe(403);
    expect(backend.received.length).toBe(before);
  });
});
