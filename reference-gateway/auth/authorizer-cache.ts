import type { Store } from "../state/index.ts";
import type { AuthorizerResult } from "./authorizer-output.ts";

/** Where a cached result belongs: one authorizer of one API stage. */
export interface AuthorizerCacheScope {
  apiId: string;
  stage: string;
  authorizerId: string;
}

/**
 * Lambda authorizer results by identity (spec §7.1 "Result caching"): the key is the token for TOKEN and all identity
 * source values for REQUEST, so a change in any of them misses. The key is the JSON of the whole tuple, which no two
 * different tuples share (values containing separators cannot collide). What is cached is the authorizer's answer,
 * not a decision: the caller evaluates the cached policy against each request's own method ARN.
 */
export class AuthorizerCache {
  /**
   * The text last read and what it parses to: a caller who comes back gets the same text from the store until it
   * expires, and parsing it again was most of a cached authorization. Results are only read, never written to.
   */
  #lastText: string | undefined;
  #lastResult: AuthorizerResult | undefined;

  constructor(private readonly store: Store) {}

  /** A store that does not answer (Redis down) is a miss: the authorizer is called, the request goes on. */
  async get(scope: AuthorizerCacheScope, identity: string[]): Promise<AuthorizerResult | undefined> {
    const cached = await this.store.get(cacheKey(scope, identity)).catch(() => undefined);
    if (cached === undefined) return undefined;
    if (cached !== this.#lastText) {
      this.#lastResult = JSON.parse(cached) as AuthorizerResult;
      this.#lastText = cached;
    }
    return this.#lastResult;
  }

  async set(scope: AuthorizerCacheScope, identity: string[], result: AuthorizerResult, ttlSeconds: number): Promise<void> {
    await this.store.set(cacheKey(scope, identity), JSON.stringify(result), ttlSeconds * 1000).catch(() => {});
  }
}

function cacheKey(scope: AuthorizerCacheScope, identity: string[]): string {
  return "authorizer:" + JSON.stringify([scope.apiId, scope.stage, scope.authorizerId, ...identity]);
}
