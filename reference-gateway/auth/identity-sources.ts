import type { RoutedCall } from "../rest/call.ts";
import { findHeader } from "../rest/request.ts";

/**
 * The values of an authorizer's identity sources for one request, in the authorizer's order; undefined where the
 * request has none. Sources (spec §7.1): `method.request.header.X` (name case-insensitive, as HTTP headers are),
 * `method.request.querystring.X` (case-sensitive), `stageVariables.X`, `context.X` (dotted paths such as
 * `context.identity.sourceIp`). Path parameters cannot be identity sources (spec §7.1), so they resolve to nothing.
 */
export function identitySourceValues(expressions: string[], call: RoutedCall, context: () => Record<string, unknown>): Array<string | undefined> {
  return expressions.map((expression) => identitySourceValue(expression.trim(), call, context));
}

function identitySourceValue(expression: string, call: RoutedCall, context: () => Record<string, unknown>): string | undefined {
  const header = /^method\.request\.header\.(.+)$/.exec(expression);
  if (header) return findHeader(call.request.headerPairs, header[1]!);
  const query = /^method\.request\.querystring\.(.+)$/.exec(expression);
  if (query) return Object.hasOwn(call.query.single, query[1]!) ? call.query.single[query[1]!] : undefined;
  const stageVariable = /^stageVariables\.(.+)$/.exec(expression);
  if (stageVariable) return Object.hasOwn(call.stage.variables, stageVariable[1]!) ? call.stage.variables[stageVariable[1]!] : undefined;
  const contextPath = /^context\.(.+)$/.exec(expression);
  if (contextPath) return scalarAt(context(), contextPath[1]!.split("."));
  return undefined;
}

function scalarAt(root: Record<string, unknown>, path: string[]): string | undefined {
  let value: unknown = root;
  for (const key of path) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : undefined;
}
