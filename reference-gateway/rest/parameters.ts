import { TemplateCompileError, type TemplateScope } from "../templates/index.ts";

/**
 * Parameter-mapping source expressions (request-response-data-mappings.md): `'static'`, `method.request.*`,
 * `integration.response.*`, `stageVariables.x`, `context.x`. Compiled at load; an expression AWS would reject
 * fails there. A source that finds nothing yields undefined (the target is then not set, as on AWS).
 */
export interface ParameterScope extends TemplateScope {
  multiValue?: { querystring: Record<string, string[]>; header: Record<string, string[]> };
  integrationResponse?: { headers: Record<string, string[]>; body: string };
}

export type ParameterSource = (scope: ParameterScope) => string | undefined;

const NAME = "[a-zA-Z0-9._$-]+";
const PATTERNS: Array<[RegExp, (match: RegExpExecArray) => ParameterSource]> = [
  [/^'(.*)'$/s, (m) => () => m[1]!],
  [new RegExp(`^method\\.request\\.path\\.(${NAME})$`), (m) => (s) => s.input.params.path[m[1]!]],
  [new RegExp(`^method\\.request\\.querystring\\.(${NAME})$`), (m) => (s) => s.input.params.querystring[m[1]!]],
  [new RegExp(`^method\\.request\\.header\\.(${NAME})$`), (m) => (s) => headerValue(s.input.params.header, m[1]!)],
  [new RegExp(`^method\\.request\\.multivaluequerystring\\.(${NAME})$`), (m) => (s) => s.multiValue?.querystring[m[1]!]?.join(",")],
  [new RegExp(`^method\\.request\\.multivalueheader\\.(${NAME})$`), (m) => (s) => multiHeader(s.multiValue?.header, m[1]!)?.join(",")],
  [/^method\.request\.body$/, () => (s) => s.input.body],
  [/^method\.request\.body\.(.+)$/, (m) => (s) => jsonPath(s.input.body, m[1]!)],
  [new RegExp(`^integration\\.response\\.header\\.(${NAME})$`), (m) => (s) => multiHeader(s.integrationResponse?.headers, m[1]!)?.at(-1)],
  [new RegExp(`^integration\\.response\\.multivalueheader\\.(${NAME})$`), (m) => (s) => multiHeader(s.integrationResponse?.headers, m[1]!)?.join(",")],
  [/^integration\.response\.body$/, () => (s) => s.integrationResponse?.body],
  [/^integration\.response\.body\.(.+)$/, (m) => (s) => (s.integrationResponse ? jsonPath(s.integrationResponse.body, m[1]!) : undefined)],
  [/^stageVariables\.([A-Za-z0-9_]+)$/, (m) => (s) => s.stageVariables[m[1]!]],
  [/^context\.([A-Za-z0-9_.-]+)$/, (m) => (s) => contextValue(s.context, m[1]!.split("."))],
];

export function compileParameterSource(expression: string): ParameterSource {
  for (const [pattern, build] of PATTERNS) {
    const match = pattern.exec(expression.trim());
    if (match) return build(match);
  }
  throw new TemplateCompileError(`invalid mapping expression ${JSON.stringify(expression)}`);
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

function multiHeader(headers: Record<string, string[]> | undefined, name: string): string[] | undefined {
  if (!headers) return undefined;
  const lower = name.toLowerCase();
  for (const [key, values] of Object.entries(headers)) if (key.toLowerCase() === lower) return values;
  return undefined;
}

function contextValue(context: Record<string, unknown>, path: string[]): string | undefined {
  let value: unknown = context;
  for (const key of path) {
    if (value === null || typeof value !== "object" || !Object.prototype.hasOwnProperty.call(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value === null || value === undefined ? undefined : String(value);
}

/** `body.a.b` selects by a dotted JSONPath without `$.`; objects come back as JSON text. */
function jsonPath(body: string, path: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object" || !Object.prototype.hasOwnProperty.call(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  if (value === undefined || value === null) return undefined;
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

