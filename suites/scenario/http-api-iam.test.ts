import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { features } from "../harness/conformance.ts";
import { startReferenceWithBackend, type ReferenceWithBackend } from "../harness/reference.ts";
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
  let reference: ReferenceWithBackend;
  let sam: string;
  let live: string;

  beforeAll(async () => {
    reference = await startReferenceWithBackend(TEMPLATE, { iamCredentialsFile: CREDENTIALS });
    [sam, live] = [reference.url("Sam"), reference.url("Live")];
  }, 20_000);
  afterAll(() => reference?.close());

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

  it("payload 1.0: requestContext.identity names the signer (accessKey, accountId, caller, user, userArn; spec §6.1)", async () => {
    const signed = await signWithSmithy({ method: "GET", url: `${sam}/signed-v1?x=1` }, BOB);
    const response = await send("GET", signed.path, { base: sam, headers: signed.headers });
    expect(response.status).toBe(200);
    const event = JSON.parse(response.text);
    expect(event.version).toBe("1.0");
    expect(event.requestContext.identity).toMatchObject({
      accessKey: BOB.accessKeyId,
      accountId: "123456789012",
      caller: "AROAGATEPROOFREADER1:bob",
      user: "AROAGATEPROOFREADER1:bob",
      userArn: "arn:aws:sts::123456789012:assumed-role/reader/bob",
      cognitoIdentityId: null,
      sourceIp: "127.0.0.1",
    });
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
    const before = reference.backend.received.length;
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
    expect(reference.backend.received.length).toBe(before);
  });
});
