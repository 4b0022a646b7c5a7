import type { JWTPayload } from "jose";
import { jose } from "./jose.ts";
import { JwksSource } from "./cognito-jwks.ts";
import type { OwnEndpoints } from "./own-endpoints.ts";

/**
 * JWT verification shared by authorizers that check issuer-signed tokens (HTTP API JWT authorizers; the Cognito
 * REST authorizer keeps its own pool lookup). Keys come from the issuer's JWKS, found the way API Gateway finds it
 * (http-api-jwt-authorizer.md, spec §7.4): `{issuer}/.well-known/openid-configuration` → `jwks_uri`, 1500 ms for
 * each fetch, a response of at most 150000 bytes. Only RSA algorithms are accepted.
 *
 * The reference never calls out to the internet: discovery runs only against a loopback issuer (a suite's or a
 * local identity provider) or an execute-api URL of an API the gateway serves itself (auth/own-endpoints.ts), fetched
 * from where it is served; any other issuer needs its JWKS given (startGateway `jwtJwks: { issuer: url }`, a `file:`
 * or loopback URL, as for Cognito pools).
 */
const RSA = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"];
const LOOPBACK = /^https?:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?(\/|$)/i;

async function fetchLimited(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1500) });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  const text = await response.text();
  if (Buffer.byteLength(text) > 150_000) throw new Error(`${url} answered more than 150000 bytes`);
  return text;
}

export class IssuerKeys {
  private source?: Promise<JwksSource>;

  constructor(readonly issuer: string, private readonly configured?: string, private readonly own?: OwnEndpoints) {
    if (configured === undefined && !LOOPBACK.test(issuer) && !own?.owns(issuer)) {
      throw new Error(`JWT issuer ${issuer}: give its JWKS (jwtJwks: { "${issuer}": "file:///…/jwks.json" }); gateproof discovers keys only from loopback issuers and its own APIs`);
    }
  }

  /** Where to fetch `url` from: the local origin of one of the gateway's own APIs, or the loopback URL itself. */
  private reachable(url: string): string | undefined {
    return this.own?.localize(url) ?? (LOOPBACK.test(url) ? url : undefined);
  }

  private discover(): Promise<JwksSource> {
    if (this.configured !== undefined) return Promise.resolve(new JwksSource(this.issuer, new URL(this.configured)));
    const discovery = this.reachable(`${this.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
    if (discovery === undefined) return Promise.reject(new Error(`${this.issuer}: not served yet`));
    return fetchLimited(discovery).then((text) => {
      const jwksUri = (JSON.parse(text) as { jwks_uri?: unknown }).jwks_uri;
      const local = typeof jwksUri === "string" ? this.reachable(jwksUri) : undefined;
      if (local === undefined) throw new Error(`${this.issuer}: jwks_uri ${String(jwksUri)} is neither a loopback URL nor one of this gateway's APIs`);
      return new JwksSource(this.issuer, new URL(local));
    });
  }

  /** The issuer's key source, discovered once (a failed discovery is retried on the next token). */
  keys(): Promise<JwksSource> {
    if (!this.source) {
      const loading = this.discover();
      this.source = loading;
      loading.catch(() => {
        if (this.source === loading) this.source = undefined;
      });
    }
    return this.source;
  }
}

/** Signature (RSA, kid in the JWKS, one re-read on an unknown kid), `iss`, `exp`, `nbf`; `iat` not in the future. */
export async function verifyJwt(token: string, keys: IssuerKeys, now: number): Promise<JWTPayload> {
  const source = await keys.keys();
  const options = { issuer: keys.issuer, algorithms: RSA, currentDate: new Date(now) };
  const { errors, jwtVerify } = await jose();
  let payload: JWTPayload;
  try {
    payload = (await jwtVerify(token, await source.keySet(), options)).payload;
  } catch (error) {
    if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
    payload = (await jwtVerify(token, await source.keySet(true), options)).payload;
  }
  if (typeof payload.iat === "number" && payload.iat * 1000 > now) throw new Error("iat is in the future");
  return payload;
}
