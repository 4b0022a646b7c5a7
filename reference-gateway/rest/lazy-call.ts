import type { RestApi, Stage } from "../model/index.ts";
import type { RequestIds } from "../observe/index.ts";
import type { CallAuthorization, RestCall } from "./call.ts";
import { parseQuery, type QueryMaps } from "./query.ts";
import { headerMaps, type HeaderMaps, type IncomingRequest } from "./request.ts";
import type { RouteMatch } from "./router.ts";

/**
 * The RestCall the lifecycle starts with: the header and query maps are built when a step reads them (a MOCK with
 * constant templates never does). A class, not an object literal with getters: a literal's getters are fresh
 * closures per request that V8 hangs on a per-object hidden class in old space, which kept every request's objects
 * alive through young-generation collections (scavenges 0.3 → 4 ms, ~1.2 MB promoted each, on the bench /mock).
 * Its getters live on the prototype, so a spread (`{ ...call }`) would lose them: pass the call itself.
 */
export class LazyRestCall implements RestCall {
  #headers: HeaderMaps | undefined;
  #query: QueryMaps | undefined;
  stage?: Stage;
  isCanaryRequest?: boolean;
  route?: RouteMatch;
  auth?: CallAuthorization;

  constructor(
    readonly api: RestApi,
    readonly request: IncomingRequest,
    readonly ids: RequestIds,
  ) {}

  get headers(): HeaderMaps {
    return (this.#headers ??= headerMaps(this.request.headerPairs));
  }

  get query(): QueryMaps {
    return (this.#query ??= parseQuery(this.request.rawQuery));
  }
}

