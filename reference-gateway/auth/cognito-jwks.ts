import { access, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { JSONWebKeySet, JWTVerifyGetKey } from "jose";
import { jose } from "./jose.ts";
import type { GatewayModel } from "../model/index.ts";

/**
 * Where a Cognito user pool's signing keys come from. AWS publishes them at
 * `https://cognito-idp.{region}.amazonaws.com/{poolId}/.well-known/jwks.json`; the reference never calls AWS, so
 * each pool a template uses is pointed at a local copy:
 *
 *   - startGateway `cognitoJwks: { "<poolId>": "file:///…/jwks.json" | "http://127.0.0.1:…/jwks.json" }`,
 *     CLI `--cognito-jwks POOLID=URL` (repeatable);
 *   - otherwise the convention: `cognito-jwks/<poolId>.json` next to the template.
 *
 * URLs must be `file:` or loopback `http(s):` (an issuer the user runs locally, e.g. a test suite's).
 * The set is read on first use and kept; a token whose `kid` is not in it makes one re-read (key rotation).
 */
export class JwksSource {
  private keys?: Promise<JWTVerifyGetKey>;

  constructor(readonly poolId: string, readonly url: URL) {}

  private async fetchSet(): Promise<JWTVerifyGetKey> {
    const text = this.url.protocol === "file:"
      ? await readFile(fileURLToPath(this.url), "utf8")
      : await (async () => {
          const response = await fetch(this.url, { signal: AbortSignal.timeout(1500) });
          if (!response.ok) throw new Error(`GET ${this.url.href} answered ${response.status}`);
          return response.text();
        })();
    return (await jose()).createLocalJWKSet(JSON.parse(text) as JSONWebKeySet);
  }

  /** The cached key set; `refresh` replaces it (after an unknown kid). A failed read is not kept. */
  keySet(refresh = false): Promise<JWTVerifyGetKey> {
    if (!this.keys || refresh) {
      const loading = this.fetchSet();
      this.keys = loading;
      loading.catch(() => {
        if (this.keys === loading) this.keys = undefined;
      });
    }
    return this.keys;
  }
}

/** `arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}` → region and pool id. */
export function parseUserPoolArn(arn: string): { region: string; poolId: string } | undefined {
  const m = /^arn:aws[\w-]*:cognito-idp:([a-z0-9-]+):\d*:userpool\/([\w-]+)$/.exec(arn);
  return m ? { region: m[1]!, poolId: m[2]! } : undefined;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

function sourceUrl(poolId: string, configured: string): URL {
  let url: URL;
  try {
    url = new URL(configured);
  } catch {
    throw new Error(`Cognito JWKS for user pool ${poolId}: "${configured}" is not a URL (use file:///path or http://127.0.0.1:port/…)`);
  }
  const loopback = (url.protocol === "http:" || url.protocol === "https:") && (LOOPBACK.has(url.hostname) || url.hostname.startsWith("127."));
  if (url.protocol !== "file:" && !loopback) {
    throw new Error(`Cognito JWKS for user pool ${poolId}: ${url.href} is neither a file: URL nor a loopback http(s) URL`);
  }
  return url;
}

/** Every user pool the model's COGNITO_USER_POOLS authorizers name. */
export function userPoolsInUse(model: GatewayModel): Array<{ arn: string; region: string; poolId: string }> {
  const pools = new Map<string, { arn: string; region: string; poolId: string }>();
  for (const api of model.restApis) {
    for (const authorizer of Object.values(api.authorizers)) {
      if (authorizer.type !== "COGNITO_USER_POOLS") continue;
      for (const arn of authorizer.providerArns) {
        const parsed = parseUserPoolArn(arn);
        if (!parsed) throw new Error(`Authorizer ${authorizer.name}: ${arn} is not a Cognito user pool ARN`);
        pools.set(arn, { arn, ...parsed });
      }
    }
  }
  return [...pools.values()];
}

/**
 * One JwksSource per user pool the model uses, keyed by pool id. Refuses (throws) when a pool has neither a
 * configured source nor the conventional file, so a Cognito-protected route is never served unverifiable.
 */
export async function resolveJwksSources(model: GatewayModel, configured: Record<string, string>, templatePath: string | undefined): Promise<Map<string, JwksSource>> {
  const sources = new Map<string, JwksSource>();
  const unresolved: string[] = [];
  for (const { poolId } of userPoolsInUse(model)) {
    if (sources.has(poolId)) continue;
    const given = configured[poolId];
    if (given !== undefined) {
      sources.set(poolId, new JwksSource(poolId, sourceUrl(poolId, given)));
      continue;
    }
    const conventional = templatePath ? path.join(path.dirname(path.resolve(templatePath)), "cognito-jwks", `${poolId}.json`) : undefined;
    const exists = conventional ? await access(conventional).then(() => true, () => false) : false;
    if (conventional && exists) sources.set(poolId, new JwksSource(poolId, pathToFileURL(conventional)));
    else unresolved.push(conventional ? `${poolId} (no ${conventional})` : poolId);
  }
  if (unresolved.length > 0) {
    throw new Error(
      `Cognito user pools without signing keys: ${unresolved.join(", ")}. ` +
        "Give each one with --cognito-jwks POOLID=URL (startGateway cognitoJwks), a file: or loopback http URL of its JWKS.",
    );
  }
  return sources;
}
