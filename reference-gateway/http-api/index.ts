import type http from "node:http";
import type { HttpApi } from "../model/http-api.ts";
import type { GatewayModel } from "../model/index.ts";
import type { Store } from "../state/index.ts";
import { compileHttpApi, createHttpApiServer, type HttpApiDeps } from "./lifecycle.ts";

export interface HttpApiServerDeps extends HttpApiDeps {
  store: Store;
}

/** One node:http server per HTTP API of the model, in template order (startGateway gives each its own port). */
export function httpApiServers(model: GatewayModel, deps: HttpApiServerDeps, _options: object): Array<{ api: HttpApi; server: http.Server }> {
  return (model.httpApis ?? []).map((api) => ({ api, server: createHttpApiServer(compileHttpApi(api), deps) }));
}
