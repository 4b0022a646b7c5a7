/**
 * No auth bypass for IAM, Cognito and HTTP API authorizers, proven by the backend (as robustness-auth-bypass.test.ts
 * does for REST API keys and Lambda authorizers): every AWS_IAM and COGNITO_USER_POOLS method of the tokens fixture
 * (REST: suites/scenario/fixtures/tokens), every AWS_IAM route of the HTTP API IAM fixture (suites/scenario/fixtures/
 * http-api-iam) and every JWT and Lambda REQUEST route of suites/robustness/fixtures/http-api-auth that goes to the
 * echo backend — enumerated from the loaded models, so routes added there are covered — × generated path spellings,
 * methods and method-override headers × credentials that must not be enough: none, SigV4 by an unknown key, with a
 * wrong secret, for another path, 20 minutes old, without its X-Amz-Date, for another host; tokens signed by another
 * key, expired, from another issuer, unsigned (alg none), for another audience, or without the route's scopes; Lambda
 * authorizer tokens that are denied, near misses or in another header. The echo backend's request log never shows
 * the request.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import type { Resource } from "../../reference-gateway/model/index.ts";
import { features } from "../harness/conformance.ts";
import { startEchoBackend, type EchoBackend } from "../harness/echo-backend.ts";
import { signWithAws4, type SigningCredentials } from "../harness/sigv4-clients.ts";
import { override, reachesBackend, spelling, verb } from "../robustness/bypass.ts";
import { fuzzRuns, fuzzSeed } from "../robustness/harness.ts";

const fixture = (path: string) => new URL(`../scenario/fixtures/${path}`, import.meta.url).pathname;
const CREDENTIALS_FILE = fixture("tokens/iam-credentials.json");
/** alice in tokens/iam-credentials.json. */
const ALICE: SigningCredentials = { accessKeyId: "AKIAGATEPROOFUSER01", secretAccessKey: "user-secret-0123456789abcdefghijklmnopqrstuv" };
const POOL = "us-east-1_TestPool1";
const ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${POOL}`;

interface Protected {
  /** Which gateway: its port, and the stage prefix the path is sent under. */
  port: number;
  stagePrefix: string;
  /** Stage-relative path and the method it is declared for. */
  path: string;
  method: string;
  kind: "iam" | "cognito" | "jwt" | "lambda";
  scopes: string[];
  /** Cognito: the authorizer restricts the token's audience (identityValidationExpression). */
  audience: boolean;
}

let backend: EchoBackend;
let issuer: http.Server;
let signingKey: CryptoKey;
/** The loopback OpenID issuer of the HTTP API JWT authorizer (same key). */
let oidcIssuer: string;
let otherKey: CryptoKey;
const gateways: RunningGateway[] = [];
const targets: Protected[] = [];

const now = () => Math.floor(Date.now() / 1000);
const jwt = (claims: JWTPayload, key: CryptoKey = signingKey) => new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "key-1" }).sign(key);
const idToken = (extra: JWTPayload = {}, key?: CryptoKey): Promise<string> => jwt({ sub: "user-1", aud: "client-good", iss: ISSUER, token_use: "id", iat: now(), exp: now() + 3600, ...extra }, key);
const accessToken = (scope: string, extra: JWTPayload = {}) => jwt({ sub: "user-1", client_id: "client-good", iss: ISSUER, token_use: "access", scope, iat: now(), exp: now() + 3600, ...extra });
const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

const portOf = (gateway: RunningGateway, type: "REST" | "HTTP", api?: string) => {
  const url = gateway.urls.find((u) => u.type === type && (api === undefined || u.api === api))!;
  return { port: Number(new URL(url.url).port), stagePrefix: new URL(url.url).pathname.replace(/\/$/, "") };
};

beforeAll(async () => {
  backend = await startEchoBackend();
  const pair = await generateKeyPair("RS256");
  signingKey = pair.privateKey;
  ({ privateKey: otherKey } = await generateKeyPair("RS256"));
  const keys = [{ ...(await exportJWK(pair.publicKey)), kid: "key-1", alg: "RS256", use: "sig" }];
  // Cognito's JWKS at any path; for the HTTP API, an OpenID issuer at /oidc discovered as API Gateway does.
  issuer = http.createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify(req.url === "/oidc/.well-known/openid-configuration" ? { issuer: oidcIssuer, jwks_uri: `${oidcIssuer}/jwks.json` } : { keys }));
  });
  await new Promise<void>((resolve) => issuer.listen(0, "127.0.0.1", resolve));
  oidcIssuer = `http://127.0.0.1:${(issuer.address() as AddressInfo).port}/oidc`;

  const rest = await startGateway({
    template: fixture("tokens/template.yaml"),
    port: 0,
    parameterOverrides: { BackendUrl: backend.url },
    iamCredentialsFile: CREDENTIALS_FILE,
    cognitoJwks: { [POOL]: `http://127.0.0.1:${(issuer.address() as AddressInfo).port}/jwks.json` },
    log: () => {},
  });
  const httpApi = await startGateway({ template: fixture("http-api-iam/template.yaml"), port: 0, parameterOverrides: { BackendUrl: backend.url }, iamCredentialsFile: CREDENTIALS_FILE, log: () => {} });
  const httpApiAuth = await startGateway({ template: new URL("../robustness/fixtures/http-api-auth/template.yaml", import.meta.url).pathname, port: 0, parameterOverrides: { EchoUrl: backend.url, Issuer: oidcIssuer }, log: () => {} });
  gateways.push(rest, httpApi, httpApiAuth);

  const restAt = portOf(rest, "REST");
  const walk = (resource: Resource): void => {
    for (const [method, m] of Object.entries(resource.methods)) {
      const kind = m.authorizationType === "AWS_IAM" ? "iam" : m.authorizationType === "COGNITO_USER_POOLS" ? "cognito" : undefined;
      if (!kind || (m.integration.type !== "HTTP_PROXY" && m.integration.type !== "HTTP")) continue;
      const audience = kind === "cognito" && restApi.authorizers[m.authorizerId!]?.identityValidationExpression !== undefined;
      targets.push({ ...restAt, path: resource.path.replace("{proxy+}", "deep/er"), method: method === "ANY" ? "GET" : method, kind, scopes: m.authorizationScopes, audience });
    }
    resource.children.forEach(walk);
  };
  const restApi = rest.model.restApis[0]!;
  walk(restApi.root);
  const HTTP_KINDS = { AWS_IAM: "iam", JWT: "jwt", CUSTOM: "lambda" } as const;
  for (const gateway of [httpApi, httpApiAuth]) {
    for (const api of gateway.model.httpApis ?? []) {
      for (const route of api.routes) {
        if (route.authorizationType === "NONE" || route.integration.type !== "HTTP_PROXY" || !route.path) continue;
        const path = route.path.replace("{proxy+}", "deep/er").replace(/\{[^}]+\}/g, "x1");
        targets.push({ ...portOf(gateway, "HTTP", api.logicalId), path, method: route.method === "ANY" ? "GET" : route.method, kind: HTTP_KINDS[route.authorizationType], scopes: route.authorizationScopes, audience: false });
      }
    }
  }
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await backend?.close();
  await new Promise((resolve) => issuer?.close(resolve));
});

/** SigV4 headers for `method target` as sent with `Host: x`. */
function signed(method: string, target: string, credentials: SigningCredentials, options: { host?: string; signedAt?: number } = {}): Array<[string, string]> {
  const { headers } = signWithAws4({ method, url: `http://${options.host ?? "x"}${target}`, body: method === "GET" || method === "HEAD" || method === "OPTIONS" ? undefined : "{}", signedAt: options.signedAt }, credentials);
  return Object.entries(headers).filter(([name]) => name.toLowerCase() !== "host" && name.toLowerCase() !== "content-length" && name.toLowerCase() !== "content-type");
}

/**
 * Credentials that must not be enough for a request `method target` to `t`, named for the failure message; undefined
 * where the spoil does not apply to `t` (an audience only matters where the authorizer restricts it).
 */
type Spoil = (method: string, target: string, t: Protected) => Promise<Array<[string, string]>> | undefined;
const IAM_SPOILS: Record<string, Spoil> = {
  none: async () => [],
  "unknown key": async (method, target) => signed(method, target, { accessKeyId: "AKIAGATEPROOFNOBODY1", secretAccessKey: "x".repeat(40) }),
  "wrong secret": async (method, target) => signed(method, target, { ...ALICE, secretAccessKey: `${ALICE.secretAccessKey.slice(0, -1)}w` }),
  "another path": async (method, _target, t) => signed(method, `${t.stagePrefix}/not${t.path}`, ALICE),
  "20 minutes old": async (method, target) => signed(method, target, ALICE, { signedAt: Date.now() - 20 * 60_000 }),
  "no X-Amz-Date": async (method, target) => signed(method, target, ALICE).filter(([name]) => name.toLowerCase() !== "x-amz-date"),
  "another host": async (method, target) => signed(method, target, ALICE, { host: "y" }),
  "made-up signature": async () => [["Authorization", "AWS4-HMAC-SHA256 Credential=AKIAGATEPROOFUSER01/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00"]],
};
/** A token the route would accept, spoiled by `extra` claims or another signing key. */
const token = (t: Protected, extra: JWTPayload = {}, key?: CryptoKey) => (t.scopes.length > 0 ? jwt({ sub: "user-1", client_id: "client-good", iss: ISSUER, token_use: "access", scope: t.scopes.join(" "), iat: now(), exp: now() + 3600, ...extra }, key) : idToken(extra, key));
const COGNITO_SPOILS: Record<string, Spoil> = {
  none: async () => [],
  garbage: async () => [["Authorization", "Bearer not.a.jwt"]],
  "another key": async (_m, _target, t) => [["Authorization", await token(t, {}, otherKey)]],
  expired: async (_m, _target, t) => [["Authorization", await token(t, { exp: now() - 600, iat: now() - 4000 })]],
  "another issuer": async (_m, _target, t) => [["Authorization", await token(t, { iss: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other" })]],
  "alg none": async () => [["Authorization", `${b64url({ alg: "none", kid: "key-1" })}.${b64url({ sub: "user-1", aud: "client-good", iss: ISSUER, token_use: "id", exp: now() + 3600 })}.`]],
  "another audience": (_m, _target, t) => (t.audience ? idToken({ aud: "client-other" }).then((v) => [["Authorization", v]]) : undefined),
  "ID token where scopes are required": (_m, _target, t) => (t.scopes.length > 0 ? idToken().then((v) => [["Authorization", v]]) : undefined),
  "missing scope": (_m, _target, t) => (t.scopes.length > 0 ? accessToken("unrelated/scope").then((v) => [["Authorization", v]]) : undefined),
};

/** A JWT the HTTP API route would accept (its issuer, audience and scopes), spoiled by `extra` claims or another key. */
const httpJwt = (t: Protected, extra: JWTPayload = {}, key?: CryptoKey) => jwt({ sub: "user-1", iss: oidcIssuer, aud: "bypass-aud", iat: now(), exp: now() + 3600, ...(t.scopes.length > 0 ? { scope: t.scopes.join(" ") } : {}), ...extra }, key);
const JWT_SPOILS: Record<string, Spoil> = {
  none: async () => [],
  garbage: async () => [["Authorization", "Bearer not.a.jwt"]],
  "another key": async (_m, _target, t) => [["Authorization", `Bearer ${await httpJwt(t, {}, otherKey)}`]],
  expired: async (_m, _target, t) => [["Authorization", `Bearer ${await httpJwt(t, { exp: now() - 600, iat: now() - 4000 })}`]],
  "another issuer": async (_m, _target, t) => [["Authorization", `Bearer ${await httpJwt(t, { iss: "http://127.0.0.1:1/other" })}`]],
  "another audience": async (_m, _target, t) => [["Authorization", `Bearer ${await httpJwt(t, { aud: "other-aud" })}`]],
  "alg none": async () => [["Authorization", `Bearer ${b64url({ alg: "none", kid: "key-1" })}.${b64url({ sub: "user-1", iss: oidcIssuer, aud: "bypass-aud", exp: now() + 3600, scope: "items/write" })}.`]],
  "missing scope": (_m, _target, t) => (t.scopes.length > 0 ? httpJwt(t, { scope: "items/read" }).then((v) => [["Authorization", `Bearer ${v}`]]) : undefined),
};
const LAMBDA_TOKEN = "allow-http-token-5c1e";
const LAMBDA_SPOILS: Record<string, Spoil> = {
  none: async () => [],
  denied: async () => [["x-token", "deny"]],
  "near miss": async () => [["x-token", `${LAMBDA_TOKEN}x`]],
  "upper case": async () => [["x-token", LAMBDA_TOKEN.toUpperCase()]],
  "another header": async () => [["Authorization", LAMBDA_TOKEN], ["x-token-2", LAMBDA_TOKEN]],
  empty: async () => [["x-token", ""]],
};
const SPOILS = { iam: IAM_SPOILS, cognito: COGNITO_SPOILS, jwt: JWT_SPOILS, lambda: LAMBDA_SPOILS };

/** Credentials that are enough for `method target` to `t`. */
async function valid(t: Protected, target: string): Promise<Array<[string, string]>> {
  if (t.kind === "iam") return signed(t.method, target, ALICE);
  if (t.kind === "jwt") return [["Authorization", `Bearer ${await httpJwt(t)}`]];
  if (t.kind === "lambda") return [["x-token", LAMBDA_TOKEN]];
  return [["Authorization", t.scopes.length > 0 ? await accessToken(t.scopes.join(" ")) : await idToken()]];
}

describe("no way around IAM, Cognito or HTTP API authorizers, checked by the backend's log", features(["auth.iam", "auth.cognito", "rest.http-proxy", "http-api.http-proxy", "http-api.jwt", "http-api.lambda-auth", "http-api.iam"], { referenceOnly: true }), () => {
  it("the fixtures have IAM, Cognito, JWT and Lambda-authorized routes to the backend, and with valid credentials each one is reached", { timeout: 30_000 }, async () => {
    expect(targets.filter((t) => t.kind === "iam" && t.stagePrefix !== "").length).toBeGreaterThanOrEqual(1);
    expect(targets.filter((t) => t.kind === "cognito").length).toBeGreaterThanOrEqual(3);
    expect(targets.some((t) => t.kind === "iam" && t.port !== targets[0]!.port)).toBe(true);
    expect(targets.filter((t) => t.kind === "jwt").length).toBeGreaterThanOrEqual(2);
    expect(targets.filter((t) => t.kind === "lambda").length).toBeGreaterThanOrEqual(1);
    for (const t of targets) {
      const target = `${t.stagePrefix}${t.path}`;
      const headers = await valid(t, target);
      const { reached, answer } = await reachesBackend(backend, t.port, t.method, target, headers);
      expect(reached, `${t.method} ${target} (${t.kind}): ${answer}`).toBe(true);
    }
  });

  it("no generated variant with credentials that are not valid for it reaches any protected integration", { timeout: 120_000 }, async () => {
    const spoils = (t: Protected) => SPOILS[t.kind];
    const applicable = (t: Protected) => Object.keys(spoils(t)).filter((name) => spoils(t)[name]!("GET", "/", t) !== undefined);
    const variant = fc.constantFrom(...targets).chain((t) => fc.record({ t: fc.constant(t), path: spelling(t.path), method: verb(t.method), override, spoil: fc.constantFrom(...applicable(t)) }));
    await fc.assert(
      fc.asyncProperty(variant, async ({ t, path, method, override: overrideHeader, spoil }) => {
        const target = `${t.stagePrefix}${path}`;
        const headers = (await spoils(t)[spoil]!(method, target, t))!;
        if (overrideHeader) headers.push([overrideHeader, t.method]);
        const { reached, answer } = await reachesBackend(backend, t.port, method, target, headers);
        expect(reached, `${method} ${target} with ${spoil} → ${answer}`).toBe(false);
      }),
      { numRuns: fuzzRuns(200), seed: fuzzSeed, interruptAfterTimeLimit: Number(process.env.GATEPROOF_FUZZ_MS ?? 8_000) },
    );
  });
});
