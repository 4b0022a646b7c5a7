import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type CryptoKey } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { startEchoBackend, type EchoBackend } from "../harness/echo-backend.ts";
import { header, send } from "../harness/target.ts";
import { features } from "../harness/conformance.ts";

/**
 * COGNITO_USER_POOLS authorizers (spec §7.2; reference-gateway/auth/cognito.ts for the sources of each rule) against
 * a local issuer this suite controls: RSA keys generated here with jose, the JWKS served on loopback.
 * Every refusal is 401 `{"message":"Unauthorized"}` (spec §2.3) and never reaches the echo backend.
 */
const POOL = "us-east-1_TestPool1";
const ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${POOL}`;

describe("Cognito user pool authorizer (second reference gateway)", features(["auth.cognito"], { referenceOnly: true }), () => {
  let gateway: RunningGateway;
  let backend: EchoBackend;
  let issuer: http.Server;
  let base: string;
  let signingKey: CryptoKey;
  let otherKey: CryptoKey;
  const published: object[] = [];

  const now = () => Math.floor(Date.now() / 1000);
  const token = (claims: JWTPayload, options: { key?: CryptoKey; kid?: string } = {}) =>
    new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: options.kid ?? "key-1" }).sign(options.key ?? signingKey);
  const idToken = (extra: JWTPayload = {}) =>
    token({ sub: "user-1", aud: "client-good", iss: ISSUER, token_use: "id", iat: now(), exp: now() + 3600, "cognito:groups": ["admins", "readers"], email_verified: true, ...extra });
  const accessToken = (scope: string, extra: JWTPayload = {}) =>
    token({ sub: "user-1", client_id: "client-good", iss: ISSUER, token_use: "access", scope, iat: now(), exp: now() + 3600, ...extra });

  /** The answer, and whether the echo backend saw the request. */
  const call = async (path: string, authorization?: string) => {
    const before = backend.received.length;
    const response = await send("GET", path, { base, headers: authorization === undefined ? {} : { Authorization: authorization } });
    return { response, reached: backend.received.length > before };
  };
  const expectUnauthorized = async (path: string, authorization?: string) => {
    const { response, reached } = await call(path, authorization);
    expect(response.status).toBe(401);
    expect(response.text).toBe('{"message":"Unauthorized"}');
    expect(header(response, "x-amzn-ErrorType")).toBe("UnauthorizedException");
    expect(reached).toBe(false);
  };

  beforeAll(async () => {
    ({ privateKey: signingKey } = await generateKeyPair("RS256").then(async (pair) => {
      published.push({ ...(await exportJWK(pair.publicKey)), kid: "key-1", alg: "RS256", use: "sig" });
      return pair;
    }));
    ({ privateKey: otherKey } = await generateKeyPair("RS256"));
    issuer = http.createServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => issuer.listen(0, "127.0.0.1", resolve));
    backend = await startEchoBackend();
    gateway = await startGateway({
      template: new URL("./fixtures/tokens/template.yaml", import.meta.url).pathname,
      port: 0,
      parameterOverrides: { BackendUrl: backend.url },
      iamCredentialsFile: new URL("./fixtures/tokens/iam-credentials.json", import.meta.url).pathname,
      cognitoJwks: { [POOL]: `http://127.0.0.1:${(issuer.address() as AddressInfo).port}/jwks.json` },
      log: () => {},
    });
    base = gateway.urls[0]!.url;
  });
  afterAll(async () => {
    await gateway?.close();
    await backend?.close();
    await new Promise((resolve) => issuer?.close(resolve));
  });

  it("a valid ID token reaches the integration, as the bare header value or after `Bearer `", async () => {
    const jwt = await idToken();
    for (const value of [jwt, `Bearer ${jwt}`]) {
      const { response, reached } = await call("/id", value);
      expect(response.status).toBe(200);
      expect(reached).toBe(true);
    }
  });

  it("claims reach $context.authorizer.claims as strings: lists comma-joined, exp as a Java date", async () => {
    const exp = Date.UTC(2099, 0, 2, 3, 4, 5) / 1000;
    const { response } = await call("/claims", await idToken({ exp }));
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ sub: "user-1", exp: "Fri Jan 02 03:04:05 UTC 2099", groups: "admins,readers" });
  });

  it("no token, garbage, not yet valid, another issuer, another key → 401 before the integration", async () => {
    await expectUnauthorized("/id");
    await expectUnauthorized("/id", "not-a-jwt");
    await expectUnauthorized("/id", await idToken({ nbf: now() + 3600 }));
    await expectUnauthorized("/id", await idToken({ iss: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other" }));
    await expectUnauthorized("/id", await token({ sub: "user-1", iss: ISSUER, token_use: "id", iat: now(), exp: now() + 3600 }, { key: otherKey }));
  });

  // Observed on REST APIs with a user pool authorizer: `401,{"message":"The incoming token has expired"}`
  // (github.com/aws-amplify/amplify-js/issues/6060, an Amplify ID token; also #5934).
  it("an expired token from the pool → 401 \"The incoming token has expired\"; a forged expired one stays Unauthorized", async () => {
    const expired = { iat: now() - 7200, exp: now() - 3600 };
    for (const jwt of [await idToken(expired), await accessToken("api/read", expired)]) {
      const { response, reached } = await call("/id", jwt);
      expect(response.status).toBe(401);
      expect(response.text).toBe('{"message":"The incoming token has expired"}');
      expect(header(response, "x-amzn-ErrorType")).toBe("UnauthorizedException");
      expect(reached).toBe(false);
    }
    await expectUnauthorized("/id", await token({ sub: "user-1", iss: ISSUER, token_use: "id", ...expired }, { key: otherKey }));
  });

  it("token_use decides: ID tokens without method scopes, access tokens carrying one of them with scopes", async () => {
    await expectUnauthorized("/id", await accessToken("api/read"));
    await expectUnauthorized("/scoped", await idToken());
    await expectUnauthorized("/scoped", await accessToken("api/write openid"));
    for (const scope of ["api/read", "openid api/admin"]) {
      const { response, reached } = await call("/scoped", await accessToken(scope));
      expect(response.status).toBe(200);
      expect(reached).toBe(true);
    }
  });

  it("the token validation expression is matched against aud; access tokens have none", async () => {
    await expectUnauthorized("/audience", await idToken({ aud: "client-other" }));
    expect((await call("/audience", await idToken())).response.status).toBe(200);
  });

  it("a key published after the first fetch is picked up when a token names its kid", async () => {
    const rotated = await generateKeyPair("RS256");
    published.push({ ...(await exportJWK(rotated.publicKey)), kid: "key-2", alg: "RS256", use: "sig" });
    const jwt = await token({ sub: "user-2", aud: "client-good", iss: ISSUER, token_use: "id", iat: now(), exp: now() + 60 }, { key: rotated.privateKey, kid: "key-2" });
    expect((await call("/id", jwt)).response.status).toBe(200);
  });
});
