import type { AdminRouter } from "../admin/index.ts";
import type { CompiledRestApi } from "../rest/compile.ts";
import type { ResponseCache } from "./response-cache.ts";

/**
 * Cache routes on the admin endpoint, shaped like API Gateway's control plane:
 *   DELETE /restapis/:api/stages/:stage/cache/data   FlushStageCache (API reference: DELETE
 *                                                     /restapis/{restapi_id}/stages/{stage_name}/cache/data → 202)
 *   GET    /restapis/:api/stages/:stage/cache        the reference's own view: entries and bytes this process holds
 * `:api` is the API id or its logical id in the template.
 */
export function registerCacheAdmin(admin: AdminRouter, apis: readonly CompiledRestApi[], cache: ResponseCache): void {
  const find = (api: string, stage: string) => {
    const compiled = apis.find((c) => c.api.id === api || c.api.logicalId === api);
    if (!compiled) return { error: { status: 404, json: { message: `Invalid API identifier specified ${api}` } } };
    if (!compiled.api.stages.some((s) => s.name === stage)) return { error: { status: 404, json: { message: `Invalid Stage identifier specified` } } };
    const scope = compiled.cache.stages.get(stage);
    if (!scope) return { error: { status: 400, json: { message: `Cache cluster is not enabled on stage ${stage}` } } };
    return { scope };
  };
  admin.add(
    "DELETE /restapis/:api/stages/:stage/cache/data",
    async ({ params }) => {
      const found = find(params["api"]!, params["stage"]!);
      if (found.error) return found.error;
      try {
        await cache.flush(found.scope);
      } catch (error) {
        // The store (Redis) does not answer: nothing was flushed, and the caller must know.
        return { status: 503, json: { message: `the cache store does not answer: ${error instanceof Error ? error.message : String(error)}` } };
      }
      return { status: 202, json: {} };
    },
    "FlushStageCache: empty one stage's response cache",
  );
  admin.add(
    "GET /restapis/:api/stages/:stage/cache",
    ({ params }) => {
      const found = find(params["api"]!, params["stage"]!);
      if (found.error) return found.error;
      return { status: 200, json: { ...found.scope, ...cache.usage(found.scope) } };
    },
    "the stage cache's budget and what this process holds (entries, bytes)",
  );
}
