/** The ENFORCED_SECURITY gate: a security construct whose enforcement is not wired yet stops the load. */
import type { SecurityFeature } from "../enforcement.ts";
import { fail } from "../errors.ts";

export type EnforcedSecurity = ReadonlySet<SecurityFeature>;

/** Throws unless `feature` is enforced; `what` names the construct at `path` (e.g. `Lambda authorizer "Auth"`). */
export function requireEnforced(enforced: EnforcedSecurity, feature: SecurityFeature, file: string, path: string, what: string): void {
  if (!enforced.has(feature)) fail(file, path, `${what} is not enforced by gateproof yet; refusing to serve the route open`);
}
