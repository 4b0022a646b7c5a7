import type { PolicyDocument, PolicyStatement } from "../model/index.ts";
import { ipInCidr } from "./cidr.ts";

/**
 * IAM policy evaluation as API Gateway applies it to `execute-api:Invoke` (resource policies and Lambda authorizer
 * output). Sources: IAM reference_policies_evaluation-logic.md (an explicit Deny wins over any Allow; no matching
 * statement is an implicit deny), reference_policies_elements_{action,resource,principal,condition}.md,
 * reference_policies_elements_condition_operators.md.
 *
 * Deliberately left out, because API Gateway's request context cannot supply them: policy variables (`${aws:…}`),
 * multi-valued condition keys (`ForAnyValue:` / `ForAllValues:`), Numeric/Date/Arn/Null operators. An operator this
 * evaluator does not know fails closed: its Allow does not match and its Deny does. The loader refuses resource
 * policies with one (load/ b5e0c8c); a Lambda authorizer's output can still carry one, and its Deny then applies.
 */
export type PolicyDecision = "Allow" | "Deny" | "Implicit";

/** Who is calling, for `Principal` in resource policies. Undefined = anonymous (matches only `*`). */
export interface PolicyPrincipal {
  /** The caller's IAM ARN, e.g. `arn:aws:iam::123456789012:user/alice`. */
  arn?: string;
  /** The caller's 12-digit account. */
  accountId?: string;
}

export interface PolicyRequest {
  /** `execute-api:InvalidateCache`: a `Cache-Control: max-age=0` request (cache/invalidation.ts). */
  action: "execute-api:Invoke" | "execute-api:InvalidateCache";
  /** The method ARN (see methodArn). */
  resource: string;
  principal?: PolicyPrincipal;
  /** Global condition keys (`aws:SourceIp`, `aws:SourceVpce`, …) by name as written in policies. */
  conditionKeys: Record<string, string | undefined>;
}

export function evaluatePolicy(document: PolicyDocument, request: PolicyRequest): PolicyDecision {
  let allowed = false;
  for (const statement of document.Statement) {
    if (!statementApplies(statement, request)) continue;
    if (statement.Effect === "Deny") return "Deny";
    if (statement.Effect === "Allow") allowed = true;
  }
  return allowed ? "Allow" : "Implicit";
}

function statementApplies(statement: PolicyStatement, request: PolicyRequest): boolean {
  return (
    matchesElement(statement.Action, statement.NotAction, (pattern) => wildcard(pattern, "i").test(request.action)) &&
    matchesElement(statement.Resource, statement.NotResource, (pattern) => wildcard(pattern, "").test(request.resource)) &&
    principalApplies(statement, request.principal) &&
    conditionsHold(statement.Condition, request.conditionKeys, statement.Effect === "Deny")
  );
}

/** `X` matches when any pattern matches; `NotX` when none does; a statement with neither never matches. */
function matchesElement(positive: string | string[] | undefined, negative: string | string[] | undefined, test: (pattern: string) => boolean): boolean {
  if (positive !== undefined) return list(positive).some(test);
  if (negative !== undefined) return !list(negative).some(test);
  return false;
}

/** Identity-based statements (authorizer output) have no Principal and apply to the caller as is. */
function principalApplies(statement: PolicyStatement, principal: PolicyPrincipal | undefined): boolean {
  if (statement.Principal !== undefined) return principalMatches(statement.Principal, principal);
  if (statement.NotPrincipal !== undefined) return !principalMatches(statement.NotPrincipal, principal);
  return true;
}

/**
 * `"*"` and `{"AWS": "*"}` match everyone, anonymous callers included (reference_policies_elements_principal.md,
 * "All principals"). `{"AWS": [...]}` entries are an account id or `arn:aws:iam::{account}:root` (the whole account)
 * or an exact principal ARN; IAM allows no other wildcards in Principal.
 */
function principalMatches(element: unknown, principal: PolicyPrincipal | undefined): boolean {
  if (element === "*") return true;
  if (typeof element !== "object" || element === null) return false;
  const aws = (element as Record<string, unknown>).AWS;
  if (aws === undefined) return false;
  return list(aws as string | string[]).some((entry) => {
    if (entry === "*") return true;
    if (principal === undefined) return false;
    const account = /^\d{12}$/.test(entry) ? entry : /^arn:aws[\w-]*:iam::(\d{12}):root$/.exec(entry)?.[1];
    if (account !== undefined) return principal.accountId === account;
    return principal.arn === entry;
  });
}

/**
 * Every operator block must hold, and within one every key (reference_policies_multi-value-conditions.md). An
 * operator this evaluator does not know holds as `unknownHolds` says (true for a Deny: see above).
 */
function conditionsHold(condition: PolicyStatement["Condition"], keys: Record<string, string | undefined>, unknownHolds: boolean): boolean {
  if (condition === undefined) return true;
  return Object.entries(condition).every(([operator, block]) =>
    isEvaluatedOperator(operator) ? Object.entries(block).every(([key, values]) => conditionHolds(operator, lookupKey(keys, key), list(values))) : unknownHolds,
  );
}

/** Condition key names are case-insensitive (reference_policies_elements_condition.md). */
function lookupKey(keys: Record<string, string | undefined>, name: string): string | undefined {
  if (name in keys) return keys[name];
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(keys)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

interface Operator {
  /** True when the request value matches one policy value. */
  test: (actual: string, expected: string) => boolean;
  /** Negated operators hold when no value matches. */
  negated: boolean;
}

const OPERATORS: Record<string, Operator> = {
  StringEquals: { test: (a, e) => a === e, negated: false },
  StringNotEquals: { test: (a, e) => a === e, negated: true },
  StringEqualsIgnoreCase: { test: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { test: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: true },
  StringLike: { test: (a, e) => wildcard(e, "").test(a), negated: false },
  StringNotLike: { test: (a, e) => wildcard(e, "").test(a), negated: true },
  Bool: { test: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: false },
  IpAddress: { test: (a, e) => ipInCidr(a, e), negated: false },
  NotIpAddress: { test: (a, e) => ipInCidr(a, e), negated: true },
};

/** Whether this evaluator knows `operator` (alone or with `IfExists`): the loader refuses resource policies using others. */
export function isEvaluatedOperator(operator: string): boolean {
  return OPERATORS[operator.endsWith("IfExists") ? operator.slice(0, -"IfExists".length) : operator] !== undefined;
}

/**
 * A missing key makes a positive operator false and a negated one true; `…IfExists` makes any operator true when the
 * key is missing (reference_policies_elements_condition_operators.md: "If the key that you specify in a policy
 * condition is not present in the request context, the values do not match … If the policy condition requires that
 * the key is not matched, such as StringNotLike … the condition is true").
 */
function conditionHolds(operatorName: string, actual: string | undefined, expected: string[]): boolean {
  const ifExists = operatorName.endsWith("IfExists");
  const operator = OPERATORS[ifExists ? operatorName.slice(0, -"IfExists".length) : operatorName]!; // isEvaluatedOperator
  if (actual === undefined) return ifExists || operator.negated;
  const anyMatch = expected.some((value) => operator.test(actual, String(value)));
  return operator.negated ? !anyMatch : anyMatch;
}

function list<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/**
 * `*` = any run of characters (slashes included), `?` = one character (reference_policies_elements_resource.md).
 * Patterns are compiled once and reused: a cached authorizer policy is re-evaluated on every request. The map is
 * bounded so attacker-chosen authorizer output cannot grow it without limit.
 */
const compiled = new Map<string, RegExp>();
const COMPILED_LIMIT = 4096;

function wildcard(pattern: string, flags: "" | "i"): RegExp {
  const cacheKey = flags + "\u0000" + pattern;
  let regex = compiled.get(cacheKey);
  if (regex === undefined) {
    const source = pattern.replace(/[.+^${}()|[\]\\*?]/g, (c) => (c === "*" ? "[\\s\\S]*" : c === "?" ? "[\\s\\S]" : "\\" + c));
    regex = new RegExp(`^${source}$`, flags);
    if (compiled.size >= COMPILED_LIMIT) compiled.clear();
    compiled.set(cacheKey, regex);
  }
  return regex;
}

/**
 * The ARN API Gateway evaluates policies against, for a method request: `arn:aws:execute-api:{region}:{account}:
 * {apiId}/{stage}/{METHOD}/{path}` where path is the request's actual path without its leading slash (the root
 * resource gives a trailing slash only: `…/ESTestInvoke-stage/GET/` in a captured authorizer event, and spec §7.1's
 * `…:ymy8tbxw7b/{stage wildcard}/GET/`). Path parameters appear with their request values, not as `{id}`: confirmed against
 * CloudWatch in dherault/serverless-offline#273 ("methodArn should contain request.path, not endpointPath").
 */
export function methodArn(region: string, account: string, apiId: string, stage: string, method: string, resourcePath: string): string {
  const path = resourcePath.startsWith("/") ? resourcePath.slice(1) : resourcePath;
  return `arn:aws:execute-api:${region}:${account}:${apiId}/${stage}/${method.toUpperCase()}/${path}`;
}
