import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { FIXTURE_JWT_AUDIENCE, signFixtureToken } from "../harness/fixture.ts";
import { header, httpApiUrl, send, targetUrl } from "../harness/target.ts";
import { features } from "../harness/conformance.ts";

const TEMPLATE = new URL("./fixtures/http-api-auth/template.yaml", import.meta.url).pathname;

/**
 * The fixture's HTTP API authorizers (suites/fixture/template.yaml FixtureHttpApi): a JWT authorizer whose issuer is
 * the fixture's own REST stage (`{TARGET_URL}/issuer`, publishing a fixed key: suites/harness/fixture.ts), Lambda
 * authorizers with simple and IAM-policy answers on the x-token header. Against the reference or a deployment
 * (TARGET_HTTP_API_URL with the TARGET_URL of the same stack).
 */
describe("HTTP API authorizers", features([], { target: "http-api" }), () => {
  let base: string;
  let issuer: Promise<string> | undefined;
  // The issuer string the authorizer was deployed with: the discovery document the fixture's REST stage serves says
  // it. Asked for once, by the first JWT test (the Lambda authorizer tests do not need the REST stage).
  const deployedIssuer = () => (issuer ??= send("GET", "/issuer/.well-known/openid-configuration", { base: targetUrl() }).then((r) => r.json<{ issuer: string }>().issuer));
  const token = async (claims: Record<string, unknown>, options: { issuer?: string; expiresIn?: string; kid?: string } = {}) => signFixtureToken(claims, { issuer: await deployedIssuer(), ...options });

  beforeAll(() => {
    base = httpApiUrl();
  });

  it("JWT: a valid token (bare or Bearer) passes; claims and scopes reach requestContext.authorizer.jwt", features("http-api.jwt"), async () => {
    const jwt = await token({ aud: FIXTURE_JWT_AUDIENCE, sub: "alice", scope: "pets/read pets/write" });
    for (const value of [jwt, `Bearer ${jwt}`]) {
      const response = await send("GET", "/jwt", { base, headers: { authorization: value } });
      expect(response.status).toBe(200);
      const authorizer = response.json<any>().requestContext.authorizer;
      expect(authorizer.jwt.claims.sub).toBe("alice");
      expect(authorizer.jwt.claims.aud).toBe(FIXTURE_JWT_AUDIENCE);
      expect(authorizer.jwt.scopes).toEqual(["pets/read", "pets/write"]);
    }
  });

  it("JWT: client_id stands in for aud (spec §7.4 step 5)", features("http-api.jwt"), async () => {
    const response = await send("GET", "/jwt", { base, headers: { authorization: await token({ client_id: FIXTURE_JWT_AUDIENCE }) } });
    expect(response.status).toBe(200);
  });

  it("JWT: a wrong audience is 401 with the documented www-authenticate header", features("http-api.jwt"), async () => {
    const response = await send("GET", "/jwt", { base, headers: { authorization: await token({ aud: "other" }) } });
    expect(response.status).toBe(401);
    expect(response.text).toBe('{"message":"Unauthorized"}');
    // http-api-troubleshooting-jwt.md (spec §7.4).
    expect(header(response, "www-authenticate")).toBe('Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"');
  });

  it.each([
    ["no token", undefined],
    ["garbage", "not-a-jwt"],
  ])("JWT: %s is 401 Unauthorized", features("http-api.jwt"), async (_, value) => {
    const response = await send("GET", "/jwt", { base, headers: value ? { authorization: value } : {} });
    expect(response.status).toBe(401);
    expect(response.text).toBe('{"message":"Unauthorized"}');
  });

  it("JWT: expired, wrong issuer or unknown kid is 401", features("http-api.jwt"), async () => {
    const expired = await token({ aud: FIXTURE_JWT_AUDIENCE }, { expiresIn: "-1m" });
    const wrongIssuer = await token({ aud: FIXTURE_JWT_AUDIENCE }, { issuer: "http://127.0.0.1:1/other" });
    const unknownKid = await token({ aud: FIXTURE_JWT_AUDIENCE }, { kid: "k2" });
    for (const t of [expired, wrongIssuer, unknownKid]) expect((await send("GET", "/jwt", { base, headers: { authorization: t } })).status).toBe(401);
  });

  it("JWT: a route's scopes need at least one in the token's scope claim; none is 403 Forbidden", features("http-api.jwt"), async () => {
    expect((await send("GET", "/scoped", { base, headers: { authorization: await token({ aud: FIXTURE_JWT_AUDIENCE, scope: "other pets/read" }) } })).status).toBe(200);
    const response = await send("GET", "/scoped", { base, headers: { authorization: await token({ aud: FIXTURE_JWT_AUDIENCE, scope: "pets/write" }) } });
    expect(response.status).toBe(403);
    expect(response.text).toBe('{"message":"Forbidden"}');
  });

  it("Lambda simple responses: isAuthorized true passes with context (arrays kept), false is 403, missing source 401 without invoking", features("http-api.lambda-auth"), async () => {
    const ok = await send("GET", "/simple", { base, headers: { "x-token": "allow" } });
    expect(ok.status).toBe(200);
    const lambda = ok.json<any>().requestContext.authorizer.lambda;
    expect(lambda).toMatchObject({ user: "u1", n: 1, list: [1, 2], type: "REQUEST", version: "2.0" });
    // The answer is cached by identity source across routes (TTL 60): it may come from /simple2 within the minute.
    expect(lambda.routeArn).toMatch(/^arn:aws[a-z-]*:execute-api:[a-z0-9-]+:\d{12}:[a-z0-9]{10}\/\$default\/GET\/simple2?$/);
    const denied = await send("GET", "/simple", { base, headers: { "x-token": "deny" } });
    expect(denied.status).toBe(403);
    expect(denied.text).toBe('{"message":"Forbidden"}');
    const missing = await send("GET", "/simple", { base });
    expect(missing.status).toBe(401);
    expect(missing.text).toBe('{"message":"Unauthorized"}');
  });
  it("Lambda authorizer results are cached by identity source across routes (TTL 60)", features("http-api.lambda-auth"), async () => {
    const first = (await send("GET", "/simple", { base, headers: { "x-token": "allow" } })).json<any>().requestContext.authorizer.lambda.calls;
    const second = (await send("GET", "/simple2", { base, headers: { "x-token": "allow" } })).json<any>().requestContext.authorizer.lambda.calls;
    expect(second).toBe(first);
  });

  it("Lambda authorizer error 'Unauthorized' is 401", features("http-api.lambda-auth"), async () => {
    const response = await send("GET", "/simple", { base, headers: { "x-token": "fail" } });
    expect(response.status).toBe(401);
  });

  it("IAM-policy responses (payload 1.0 event): Allow passes with principalId, Deny is 403", features("http-api.lambda-auth"), async () => {
    const ok = await send("GET", "/policy/7", { base, headers: { "x-token": "allow" } });
    expect(ok.status).toBe(200);
    const event = ok.json<any>();
    expect(event.version).toBe("1.0");
    expect(event.requestContext.authorizer).toMatchObject({ principalId: "p1", who: "allow" });
    expect((await send("GET", "/policy/7", { base, headers: { "x-token": "nope" } })).status).toBe(403);
  });
});

// The fixture's CorsConfiguration: AllowOrigins [https://app.example, http://*], AllowMethods [GET, POST], AllowHeaders
// [content-type, x-token], ExposeHeaders [x-one], MaxAge 600, AllowCredentials true.
describe("HTTP API CORS", features(["cors.http-api"], { target: "http-api" }), () => {
  let base: string;
  beforeAll(() => {
    base = httpApiUrl();
  });

  it("answers a preflight for any path, even without an OPTIONS route, and before authorizers (spec §5.2)", async () => {
    for (const path of ["/open", "/jwt", "/no/route/here"]) {
      const response = await send("OPTIONS", path, { base, headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "Content-Type, X-Token" } });
      expect(response.status).toBe(204);
      expect(response.text).toBe("");
      expect(header(response, "access-control-allow-origin")).toBe("https://app.example");
      expect(header(response, "access-control-allow-methods")).toBe("GET,POST");
      expect(header(response, "access-control-allow-headers")).toBe("content-type,x-token");
      expect(header(response, "access-control-max-age")).toBe("600");
      expect(header(response, "access-control-allow-credentials")).toBe("true");
      expect(header(response, "apigw-requestid")).toBeDefined();
    }
  });

  it("a disallowed origin gets a 204 without CORS headers", async () => {
    const response = await send("OPTIONS", "/open", { base, headers: { origin: "https://evil.example", "access-control-request-method": "GET" } });
    expect(response.status).toBe(204);
    expect(Object.keys(response.headers).filter((h) => h.startsWith("access-control-"))).toEqual([]);
  });

  it("actual responses: backend CORS headers replaced by the configured ones", async () => {
    const response = await send("GET", "/open", { base, headers: { origin: "http://localhost:5173" } });
    expect(response.status).toBe(200);
    expect(header(response, "access-control-allow-origin")).toBe("http://localhost:5173");
    expect(header(response, "access-control-expose-headers")).toBe("x-one");
    const stranger = await send("GET", "/open", { base, headers: { origin: "https://evil.example" } });
    expect(header(stranger, "access-control-allow-origin")).toBeUndefined();
  });
});

/** A loopback OpenID issuer: discovery document and JWKS, as API Gateway fetches them (spec §7.4). */
async function startIssuer(): Promise<{ issuer: string; key: CryptoKey; close(): Promise<void> }> {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  let issuer = "";
  const server = http.createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url === "/issuer/.well-known/openid-configuration") res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks.json` }));
    else if (req.url === "/issuer/jwks.json") res.end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/issuer`;
  return { issuer, key: privateKey, close: () => new Promise((resolve) => server.close(() => resolve())) };
}


// An issuer on loopback (a local identity provider): the reference discovers it through its openid-configuration.
describe("HTTP API JWT authorizer on a loopback issuer", features(["http-api.jwt"], { referenceOnly: true }), () => {
  let gateway: RunningGateway;
  let idp: Awaited<ReturnType<typeof startIssuer>>;
  let base: string;
  const token = (claims: Record<string, unknown>, kid = "k1") => new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid }).setIssuer(idp.issuer).setIssuedAt().setExpirationTime("5m").sign(idp.key);

  beforeAll(async () => {
    idp = await startIssuer();
    gateway = await startGateway({ template: TEMPLATE, port: 0, log: () => {}, parameterOverrides: { Issuer: idp.issuer } });
    base = gateway.urls.find((u) => u.type === "HTTP")!.url;
  });
  afterAll(async () => {
    await gateway?.close();
    await idp?.close();
  });

  it("a token signed by a key of the discovered JWKS passes; an unknown kid is 401", async () => {
    expect((await send("GET", "/jwt", { base, headers: { authorization: await token({ aud: "aud-1" }) } })).status).toBe(200);
    expect((await send("GET", "/jwt", { base, headers: { authorization: await token({ aud: "aud-1" }, "k2") } })).status).toBe(401);
  });
});
