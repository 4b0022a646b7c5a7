import { caseInsensitive, TemplateCompileError, valueAt, type TemplateScope } from "../templates/index.ts";

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
  [new RegExp(`^method\\.request\\.header\\.(${NAME})$`), (m) => (s) => caseInsensitive(s.input.params.header, m[1]!)],
  [new RegExp(`^method\\.request\\.multivaluequerystring\\.(${NAME})$`), (m) => (s) => s.multiValue?.querystring[m[1]!]?.join(",")],
  [new RegExp(`^method\\.request\\.multivalueheader\\.(${NAME})$`), (m) => (s) => caseInsensitive(s.multiValue?.header, m[1]!)?.join(",")],
  [/^method\.request\.body$/, () => (s) => s.input.body],
  [/^method\.request\.body\.(.+)$/, (m) => (s) => jsonPath(s.input.body, m[1]!)],
  [new RegExp(`^integration\\.response\\.header\\.(${NAME})$`), (m) => (s) => caseInsensitive(s.integrationResponse?.headers, m[1]!)?.at(-1)],
  [new RegExp(`^integration\\.response\\.multivalueheader\\.(${NAME})$`), (m) => (s) => caseInsensitive(s.integrationResponse?.headers, m[1]!)?.join(",")],
  [/^integration\.response\.body$/, () => (s) => s.integrationResponse?.body],
  [/^integration\.response\.body\.(.+)$/, (m) => (s) => (s.integrationResponse ? jsonPath(s.integrationResponse.body, m[1]!) : undefined)],
  [/^stageVariables\.([A-Za-z0-9_]+)$/, (m) => (s) => s.stageVariables[m[1]!]],
  [/^context\.([A-Za-z0-9_.-]+)$/, (m) => (s) => scalar(valueAt(s.context, m[1]!.split(".")))],
];

/**
 * Where a mapping is written decides which sources it may read (request-response-data-mappings.md, spec §1.6):
 * integration requests read the method request; method responses read the integration response; gateway
 * responses read the method request's header, path and query string. Statics, stage variables and context
 * variables are allowed everywhere.
 */
export type MappingContext = "integration-request" | "method-response" | "gateway-response";

const ALLOWED: Record<MappingContext, RegExp> = {
  "integration-request": /^(?:'|method\.request\.|stageVariables\.|context\.)/,
  "method-response": /^(?:'|integration\.response\.|stageVariables\.|context\.)/,
  "gateway-response": /^(?:'|method\.request\.(?:header|path|querystring)\.|stageVariables\.|context\.)/,
};

export function compileParameterSource(expression: string, context: MappingContext): ParameterSource {
  const trimmed = expression.trim();
  if (!ALLOWED[context].test(trimmed)) throw new TemplateCompileError(`mapping expression ${JSON.stringify(expression)} is not allowed in a ${context} mapping`);
  for (const [pattern, build] of PATTERNS) {
    const match = pattern.exec(trimmed);
    if (match) return build(match);
  }
  throw new TemplateCompileError(`invalid mapping expression ${JSON.stringify(expression)}`);
}

function scalar(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** `body.a.b` selects by a dotted JSONPath without `$.`; objects come back as JSON text. */
function jsonPath(body: string, path: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  return scalar(valueAt(parsed, path.split(".")));
}

