import { valueAt } from "./values.ts";
import { inputParam, type CompiledTemplate, type TemplateScope } from "./scope.ts";

/**
 * Plain variable substitution, as API Gateway applies to gateway-response templates ("not processed by the VTL
 * engine": supported-gateway-response-types / api-gateway-gatewayResponse-definition): VTL directives there are
 * plain text. Mapping templates are rendered by reference-gateway/vtl.
 *
 * Understood references: `$context.a.b`, `${context.a.b}`, `$stageVariables.x`, `$stageVariables['x']`,
 * `${stageVariables.x}`, `${stageVariables['x']}`, `$input.params('x')`, `$input.body`.
 */
const REFERENCE =
  /\$(?:\{(context(?:\.[A-Za-z0-9_-]+)+|stageVariables(?:\.[A-Za-z0-9_]+|\['[A-Za-z0-9_]+'\]))\}|(context(?:\.[A-Za-z0-9_-]+)+|stageVariables(?:\.[A-Za-z0-9_]+|\['[A-Za-z0-9_]+'\]))|input\.params\('([^']*)'\)|input\.body\b)/g;

type Piece = string | ((scope: TemplateScope) => string);

function lookup(root: unknown, path: string[]): string {
  const value = valueAt(root, path);
  return value === null || value === undefined ? "" : String(value);
}

function referencePath(text: string): { root: "context" | "stageVariables"; path: string[] } {
  const bracket = /^stageVariables\['([^']+)'\]$/.exec(text);
  if (bracket) return { root: "stageVariables", path: [bracket[1]!] };
  const [root, ...path] = text.split(".");
  return { root: root as "context" | "stageVariables", path };
}

export function compileSubstitution(text: string): CompiledTemplate {
  const pieces: Piece[] = [];
  let last = 0;
  for (const match of text.matchAll(REFERENCE)) {
    pieces.push(text.slice(last, match.index));
    last = match.index + match[0].length;
    const reference = match[1] ?? match[2];
    if (reference) {
      const { root, path } = referencePath(reference);
      pieces.push((scope) => lookup(root === "context" ? scope.context : scope.stageVariables, path));
    } else if (match[3] !== undefined) {
      const name = match[3];
      pieces.push((scope) => inputParam(scope, name) ?? "");
    } else {
      pieces.push((scope) => scope.input.body);
    }
  }
  pieces.push(text.slice(last));
  const parts = pieces.filter((piece) => piece !== "");
  return (scope) => parts.map((piece) => (typeof piece === "string" ? piece : piece(scope))).join("");
}
