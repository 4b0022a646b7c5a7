import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { startEchoBackend, type EchoBackend } from "../harness/echo-backend.ts";
import { presignWithSmithy, signWithAws4, signWithSmithy, type SignedRequest, type SigningCredentials, type ToSign } from "../harness/sigv4-clients.ts";
import { header, send, type TargetResponse } from "../harness/target.ts";
import { features } from "../harness/conformance.ts";

/**
 * AWS_IAM authorization with requests signed by aws4 and by the AWS SDK's signer (@smithy/signature-v4); outcomes
 * and messages as reference-gateway/auth/iam.ts sources them (knowledge-center 403 table, API Gateway answers
 * quoted in public issues). Principals come from fixtures/tokens/iam-credentials.json.
 */
const USER: SigningCredentials = { accessKeyId: "AKIAGATEPROOFUSER01", secretAccessKey: "user-secret-0123456789abcdefghijklmnopqrstuv" };
const ROLE: SigningCredentials = { accessKeyId: "ASIAGATEPROOFROLE01", secretAccessKey: "role-secret-0123456789abcdefghijklmnopqrstuv", sessionToken: "session-token-for-the-assumed-role" };
const MISMATCH = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

describe("IAM (SigV4) authorization (second reference gateway)", features(["auth.iam"], { referenceOnly: true }), () => {
  let gateway: RunningGateway;
  let backend: EchoBackend;
  let origin: string;
  let stage: string;

  beforeAll(async () => {
    backend = await startEchoBackend();
    gateway = await startGateway({
      template: new URL("./fixtures/tokens/template.yaml", import.meta.url).pathname,
      port: 0,
      parameterOverrides: { BackendUrl: backend.url },
      iamCredentialsFile: new URL("./fixtures/tokens/iam-credentials.json", import.meta.url).pathname,
      cognitoJwks: { "us-east-1_TestPool1": new URL("./fixtures/tokens/unused-jwks.json", import.meta.url).href },
      log: () => {},
    });
    stage = gateway.urls[0]!.url;
    origin = new URL(stage).origin;
  });
  afterAll(async () => {
    await gateway?.close();
    await backend?.close();
  });

  const sendSigned = async (method: string, signed: SignedRequest, body?: string) => {
    const before = backend.received.length;
    const response = await send(method, signed.path, { base: origin, headers: signed.headers, body });
    return { response, reached: backend.received.length > before, echoed: backend.received.at(-1) };
  };
  const expectRefused = (result: { response: TargetResponse; reached: boolean }, status: number, errorType: string) => {
    expect(result.response.status).toBe(status);
    expect(header(result.response, "x-amzn-ErrorType")).toBe(errorType);
    expect(result.reached).toBe(false);
  };
  const request = (overrides: Partial<ToSign> = {}): ToSign => ({ method: "POST", url: `${stage}/iam/items/a%20b?z=1&a=2&a=1`, body: '{"n":1}', headers: { "Content-Type": "application/json" }, ...overrides });

  const signers = {
    aws4: async (r: ToSign, c: SigningCredentials) => signWithAws4(r, c),
    smithy: signWithSmithy,
  };

  for (const [name, sign] of Object.entries(signers)) {
    it(`${name}: a signed request reaches the integration without its SigV4 Authorization header`, async () => {
      const result = await sendSigned("POST", await sign(request(), USER), '{"n":1}');
      expect(result.response.status).toBe(200);
      expect(result.reached).toBe(true);
      expect(result.echoed!.headers.some(([h]) => h.toLowerCase() === "authorization")).toBe(false);
    });

    it(`${name}: temporary credentials need their session token`, async () => {
      expect((await sendSigned("POST", await sign(request(), ROLE), '{"n":1}')).response.status).toBe(200);
      const withoutToken = await sendSigned("POST", await sign(request(), { ...ROLE, sessionToken: undefined }), '{"n":1}');
      expectRefused(withoutToken, 403, "AccessDeniedException");
      expect(withoutToken.response.text).toContain("The security token included in the request is invalid.");
    });
  }

  it("$context.identity carries the principal of the credentials file", async () => {
    const { response } = await sendSigned("GET", signWithAws4({ method: "GET", url: `${stage}/whoami` }, ROLE));
    expect(response.json()).toEqual({
      accessKey: "ASIAGATEPROOFROLE01",
      accountId: "123456789012",
      caller: "AROAGATEPROOFREADER1:bob",
      user: "AROAGATEPROOFREADER1:bob",
      userArn: "arn:aws:sts::123456789012:assumed-role/reader/bob",
    });
  });

  it("query-string signing (presigned URL) is accepted until X-Amz-Expires", async () => {
    const fresh = await presignWithSmithy({ method: "GET", url: `${stage}/iam/presigned?x=1` }, USER, 60);
    expect((await sendSigned("GET", fresh)).response.status).toBe(200);
    const stale = await presignWithSmithy({ method: "GET", url: `${stage}/iam/presigned?x=1`, signedAt: Date.now() - 120_000 }, USER, 60);
    expectRefused(await sendSigned("GET", stale), 403, "InvalidSignatureException");
  });

  it("no signature → 403 Missing Authentication Token", async () => {
    const result = await sendSigned("GET", { path: new URL(`${stage}/iam/x`).pathname, headers: {} });
    expectRefused(result, 403, "MissingAuthenticationTokenException");
    expect(result.response.text).toBe('{"message":"Missing Authentication Token"}');
  });

  // A non-SigV4 Authorization header on an AWS_IAM method, as captured from REST APIs: 403 with
  // x-amzn-ErrorType IncompleteSignatureException (github.com/aws-amplify/amplify-flutter/issues/1539,
  // github.com/aws-amplify/amplify-cli/issues/8414) and the header echoed after the sentences
  // (github.com/aws/chalice/issues/828 "… Authorization=eyJ0eXAi…", github.com/svdgraaf/serverless-basic-authentication/issues/3).
  it("an Authorization header that is not SigV4 → 403 IncompleteSignatureException naming each missing part and the header", async () => {
    const path = new URL(`${stage}/iam/x`).pathname;
    // A bare token, and a scheme whose pieces are all key=value (base64 padding): the missing-parts sentences.
    for (const authorization of ["eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "Basic dXNlcjpwYXNzMQ=="]) {
      const result = await sendSigned("GET", { path, headers: { Authorization: authorization } });
      expectRefused(result, 403, "IncompleteSignatureException");
      expect(result.response.json<{ message: string }>().message).toBe(
        "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
          "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
          `Authorization=${authorization}`,
      );
    }
  });

  // A piece after the scheme without "=" (Bearer <token>, Basic <token without padding>): the key=value answer, the
  // header hashed as API Gateway has sent it since 2025 (awslabs/time-addressable-media-store#8; earlier it quoted
  // it: serverless/serverless#3205 "'sometoken' not a valid key=value pair …", cowinapi/developer.cowin#129 for Basic).
  it("a scheme followed by a bare token → 403 IncompleteSignatureException 'Invalid key=value pair', the header hashed", async () => {
    const path = new URL(`${stage}/iam/x`).pathname;
    for (const authorization of ["Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "Basic dXNlcjpwYXNz"]) {
      const result = await sendSigned("GET", { path, headers: { Authorization: authorization } });
      expectRefused(result, 403, "IncompleteSignatureException");
      const hash = createHash("sha256").update(authorization).digest("base64");
      expect(result.response.json<{ message: string }>().message).toBe(`Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '${hash}'.`);
    }
  });

  it("a date more than 5 minutes off → 403 Signature expired / not yet current", async () => {
    const old = await sendSigned("POST", await signWithSmithy(request({ signedAt: Date.now() - 6 * 60_000 }), USER), '{"n":1}');
    expectRefused(old, 403, "InvalidSignatureException");
    expect(old.response.json<{ message: string }>().message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
    const future = await sendSigned("POST", await signWithSmithy(request({ signedAt: Date.now() + 6 * 60_000 }), USER), '{"n":1}');
    expect(future.response.json<{ message: string }>().message).toMatch(/^Signature not yet current: /);
  });

  it("an unknown access key → 403 AccessDeniedException; a wrong secret → 403 with the expected canonical request", async () => {
    expectRefused(await sendSigned("POST", await signWithSmithy(request(), { ...USER, accessKeyId: "AKIAUNKNOWN0000000" }), '{"n":1}'), 403, "AccessDeniedException");
    const wrong = await sendSigned("POST", await signWithSmithy(request(), { ...USER, secretAccessKey: "not-the-secret" }), '{"n":1}');
    expectRefused(wrong, 403, "InvalidSignatureException");
    const message = wrong.response.json<{ message: string }>().message;
    expect(message.startsWith(`${MISMATCH}\n\nThe Canonical String for this request should have been\n'POST\n/test/iam/items/a%2520b\na=1&a=2&z=1\n`)).toBe(true);
    expect(message).toMatch(/\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}\/us-east-1\/execute-api\/aws4_request\n[0-9a-f]{64}'\n$/);
  });

  const withoutContentType = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== "content-type"));

  it("tampering with the path, query, a signed header or the body after signing → 403 INVALID_SIGNATURE", async () => {
    const signed = await signWithSmithy(request(), USER);
    const tampered: Array<[SignedRequest, string]> = [
      [{ ...signed, path: signed.path.replace("/items/", "/itemz/") }, '{"n":1}'],
      [{ ...signed, path: signed.path.replace("z=1", "z=2") }, '{"n":1}'],
      [{ ...signed, headers: { ...withoutContentType(signed.headers), "Content-Type": "text/plain" } }, '{"n":1}'],
      [signed, '{"n":2}'],
    ];
    for (const [req, body] of tampered) expectRefused(await sendSigned("POST", req, body), 403, "InvalidSignatureException");
  });

  it("a credential scoped to another region → 403", async () => {
    const result = await sendSigned("POST", await signWithSmithy(request({ region: "eu-west-1" }), USER), '{"n":1}');
    expectRefused(result, 403, "InvalidSignatureException");
    expect(result.response.json<{ message: string }>().message).toBe("Credential should be scoped to a valid region, not 'eu-west-1'. ");
  });
});
