import { createHash, randomUUID } from "node:crypto";
import type { Method, Resource, RestApi } from "../model/index.ts";
import type { CacheScope } from "./response-cache.ts";
import { cacheBudgetBytes } from "./settings.ts";

/** One declared cache key parameter, resolved to where its value comes from in the method request. */
export interface KeyParameter {
  source: "path" | "querystring" | "header";
  name: string;
}

/** What the cache needs of one REST API, prepared at load: stage scopes and every method's key parameters. */
export interface CachePlan {
  /** Stage name → its cache scope, for stages whose cache cluster is enabled. */
  stages: Map<string, CacheScope>;
  keyParameters: Map<Method, KeyParameter[]>;
}

/**
 * `cacheKeyParameters` as the integration declares them (`method.request.{path|querystring|header}.NAME`, spec §4.2).
 * Anything else (an `integration.request.*` name some tools write) cannot be read from the request and is dropped
 * with a log line rather than silently splitting nothing.
 */
function keyParameters(method: Method, log: (line: string) => void): KeyParameter[] {
  const out: KeyParameter[] = [];
  for (const declared of method.integration.cacheKeyParameters) {
    const match = /^method\.request\.(path|querystring|header)\.(.+)$/.exec(declared);
    if (match) out.push({ source: match[1] as KeyParameter["source"], name: match[2]! });
    else log(`cache key parameter ${JSON.stringify(declared)} of ${method.location.path} is not method.request.{path|querystring|header}.NAME; ignored`);
  }
  return out;
}

/** A short hash of the deployed API: the cache namespace changes with any change to the definition (a redeploy). */
export function deploymentHash(api: RestApi): string {
  try {
    return createHash("sha256").update(JSON.stringify(api)).digest("hex").slice(0, 16);
  } catch {
    return randomUUID();
  }
}

export function compileCachePlan(api: RestApi, log: (line: string) => void = () => {}): CachePlan {
  const stages = new Map<string, CacheScope>();
  const deployment = deploymentHash(api);
  for (const stage of api.stages) {
    if (!stage.cacheCluster?.enabled) continue;
    stages.set(stage.name, { apiId: api.id, stage: stage.name, deployment, budgetBytes: cacheBudgetBytes(stage.cacheCluster.sizeGb) });
  }
  const keys = new Map<Method, KeyParameter[]>();
  if (stages.size > 0) {
    const visit = (resource: Resource) => {
      for (const method of Object.values(resource.methods)) keys.set(method, keyParameters(method, log));
      resource.children.forEach(visit);
    };
    visit(api.root);
  }
  return { stages, keyParameters: keys };
}
