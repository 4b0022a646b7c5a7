import type http from "node:http";
import type { OwnEndpoints } from "../auth/own-endpoints.ts";
import type { HttpApi } from "../model/http-api.ts";
import type { GatewayModel } from "../model/index.ts";
import type { Store } from "../state/index.ts";
import type { Throttler } from "../throttle/throttler.ts";
import { authorizeHttpCall, issuerKeys } from "./authorize.ts";
import { corsSteps } from "./cors.ts";
import { throttleHttpCall } from "./throttle.ts";
import { compileHttpApi, createHttpApiServer, type HttpApiDeps } from "./lifecycle.ts";

export interface HttpApiServerDeps extends HttpApiDeps {
  store: Store;
  /** The gateway's Throttler (account bucket shared with REST); undefined = no throttling. */
  throttler?: Throttler;
}

export interface HttpApiOptions {
  /** JWT authorizers: issuer → its JWKS (`file:` or loopback URL); loopback issuers are discovered without it. */
  jwtJwks?: Record<string, string>;
  /** The gateway's own APIs by execute-api URL: an issuer among them is discovered where it is served. */
  ownEndpoints?: OwnEndpoints;
}

/** One node:http server per HTTP API of the model, in template order (startGateway gives each its own port). */
export function httpApiServers(model: GatewayModel, deps: HttpApiServerDeps, options: HttpApiOptions): Array<{ api: HttpApi; server: http.Server }> {
  const apis = model.httpApis ?? [];
  const issuers = issuerKeys(apis, options.jwtJwks ?? {}, options.ownEndpoints);
  const authorize = (call: Parameters<typeof authorizeHttpCall>[0]) => authorizeHttpCall(call, { ...deps, issuers });
  const throttler = deps.throttler;
  const throttle = throttler ? (call: Parameters<typeof throttleHttpCall>[0]) => throttleHttpCall(call, throttler) : undefined;
  return apis.map((api) => ({ api, server: createHttpApiServer(compileHttpApi(api), deps, { authorize, ...(throttle ? { throttle } : {}), ...corsSteps(api) }) }));
}
