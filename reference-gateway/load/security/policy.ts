/** Resource policies (`x-amazon-apigateway-policy`, RestApi `Policy`, SAM `Auth.ResourcePolicy`) → PolicyDocument. */
import { isEvaluatedOperator } from "../../auth/policy.ts";
import { RESOURCE_POLICY_CONDITION_KEYS } from "../../auth/resource-policy.ts";
import type { PolicyDocument, PolicyStatement } from "../../model/types.ts";
import { fail } from "../errors.ts";
import { partitionOf } from "../ids.ts";
import { child } from "../json-path.ts";
import { isObject, list, str } from "../values.ts";

/** Where the API lives, to expand the `execute-api:/…` shorthand. */
export interface PolicyScope {
  region: string;
  accountId: string;
  apiId: string;
}

const STATEMENT_KEYS = new Set(["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"]);

/**
 * A policy document given as an object or as JSON text (CloudFormation accepts both for RestApi `Policy`).
 * `execute-api:/{stage}/{METHOD}/{path}` resources are expanded to full ARNs, as API Gateway does when it saves
 * the policy (apigateway-resource-policies-examples.md: "API Gateway converts the abbreviated syntax to the full ARN").
 */
export function readPolicy(v: unknown, file: string, path: string, scope: PolicyScope): PolicyDocument {
  let doc = v;
  if (typeof v === "string") {
    try {
      doc = JSON.parse(v);
    } catch (e) {
      return fail(file, path, `policy is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (!isObject(doc)) return fail(file, path, "policy must be an object with a Statement");
  for (const k of Object.keys(doc)) if (k !== "Version" && k !== "Statement" && k !== "Id") fail(file, child(path, k), `policy key ${k} is not a policy element`);
  const statementPath = child(path, "Statement");
  const raw = doc["Statement"];
  if (raw === undefined) return fail(file, path, "policy needs a Statement");
  const statements = Array.isArray(raw) ? raw.map((s, i) => ({ s, p: child(statementPath, i) })) : [{ s: raw, p: statementPath }];
  const out: PolicyDocument = { Statement: statements.map(({ s, p }) => readStatement(s, file, p, scope)) };
  if (doc["Version"] !== undefined) out.Version = str(doc["Version"], file, child(path, "Version"), "Version");
  return out;
}

/** Statements listed at `path` (SAM `CustomStatements`): a list of statements or a single one. */
export function readStatements(v: unknown, file: string, path: string, scope: PolicyScope): PolicyStatement[] {
  if (Array.isArray(v)) return v.map((s, i) => readStatement(s, file, child(path, i), scope));
  return [readStatement(v, file, path, scope)];
}

function readStatement(v: unknown, file: string, path: string, scope: PolicyScope): PolicyStatement {
  if (!isObject(v)) return fail(file, path, "policy statement must be an object");
  for (const k of Object.keys(v)) if (!STATEMENT_KEYS.has(k)) fail(file, child(path, k), `policy statement key ${k} is not a policy element`);
  const effect = v["Effect"];
  if (effect !== "Allow" && effect !== "Deny") return fail(file, child(path, "Effect"), "policy statement Effect must be Allow or Deny");
  const statement: PolicyStatement = { Effect: effect };
  if (v["Sid"] !== undefined) statement.Sid = str(v["Sid"], file, child(path, "Sid"), "Sid");
  pair(v, "Action", "NotAction", file, path, statement, (s) => s);
  pair(v, "Resource", "NotResource", file, path, statement, (s) => expandShorthand(s, scope));
  // IAM: a resource-based policy names whom it applies to (reference_policies_elements_principal.md).
  if (v["Principal"] === undefined && v["NotPrincipal"] === undefined) fail(file, path, "resource policy statement needs a Principal or NotPrincipal");
  if (v["Principal"] !== undefined) statement.Principal = v["Principal"];
  if (v["NotPrincipal"] !== undefined) statement.NotPrincipal = v["NotPrincipal"];
  if (v["Condition"] !== undefined) statement.Condition = readCondition(v["Condition"], file, child(path, "Condition"));
  return statement;
}

/** Exactly one of `key` / `notKey`, each a string or a list of strings. */
function pair(
  v: Record<string, unknown>,
  key: "Action" | "Resource",
  notKey: "NotAction" | "NotResource",
  file: string,
  path: string,
  into: PolicyStatement,
  map: (s: string) => string,
): void {
  const has = v[key] !== undefined;
  const hasNot = v[notKey] !== undefined;
  if (has === hasNot) fail(file, path, `policy statement needs exactly one of ${key} and ${notKey}`);
  const k = has ? key : notKey;
  const raw = v[k];
  const at = child(path, k);
  const value = typeof raw === "string" ? map(raw) : list(raw, file, at, k).map((s, i) => map(stringOnly(s, file, child(at, i), k)));
  if (Array.isArray(value) && value.length === 0) fail(file, at, `${k} must not be empty`);
  into[k] = value;
}

function stringOnly(v: unknown, file: string, path: string, what: string): string {
  if (typeof v !== "string") return fail(file, path, `${what} entries must be strings`);
  return v;
}

const KNOWN_KEYS = new Set<string>(RESOURCE_POLICY_CONDITION_KEYS.map((k) => k.toLowerCase()));

/**
 * A condition the evaluator cannot decide would make a Deny statement never apply (auth/policy.ts): an operator it
 * does not know, or a key no request carries here (both evaluate as "no match"). Such a policy is refused, so a
 * route is never served open where AWS denies, nor closed where it allows.
 */
function readCondition(v: unknown, file: string, path: string): Record<string, Record<string, string | string[]>> {
  if (!isObject(v)) return fail(file, path, "Condition must be an object of operators");
  const out: Record<string, Record<string, string | string[]>> = {};
  for (const [operator, keys] of Object.entries(v)) {
    const opPath = child(path, operator);
    if (!isEvaluatedOperator(operator)) fail(file, opPath, `condition operator ${operator} is not supported yet (String*, Bool, IpAddress, NotIpAddress, with or without IfExists)`);
    if (!isObject(keys)) return fail(file, opPath, `Condition ${operator} must map condition keys to values`);
    out[operator] = {};
    for (const [key, value] of Object.entries(keys)) {
      const at = child(opPath, key);
      if (!KNOWN_KEYS.has(key.toLowerCase())) fail(file, at, `condition key ${key} is not supported yet in resource policies (${RESOURCE_POLICY_CONDITION_KEYS.join(", ")})`);
      out[operator][key] = Array.isArray(value) ? value.map((x, i) => str(x, file, child(at, i), "condition value")) : str(value, file, at, "condition value");
    }
  }
  return out;
}

export function expandShorthand(resource: string, scope: PolicyScope): string {
  if (!resource.startsWith("execute-api:/")) return resource;
  return `arn:${partitionOf(scope.region)}:execute-api:${scope.region}:${scope.accountId}:${scope.apiId}/${resource.slice("execute-api:/".length)}`;
}
