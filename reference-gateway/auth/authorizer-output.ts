import type { PolicyDocument, PolicyStatement } from "../model/index.ts";

/** A Lambda authorizer's answer, validated and with its context stringified: what the result cache stores. */
export interface AuthorizerResult {
  principalId?: string;
  policy: PolicyDocument;
  /** `$context.authorizer.<key>` values: always strings (spec §7.1, "stringified"). */
  context: Record<string, string>;
  usageIdentifierKey?: string;
}

/** The function answered, but not with something API Gateway can use: a 500 AUTHORIZER_CONFIGURATION_ERROR. */
export class InvalidAuthorizerOutput extends Error {}

/**
 * Reads the function's result (api-gateway-lambda-authorizer-output.md, spec §7.1). AWS answers 500 with
 * AuthorizerConfigurationException when it cannot use the result ("Execution failed due to configuration error:
 * Could not parse policy", ExpanseLLC/lambda_authorizer#1; serverless/examples#305). What this checks:
 * - policyDocument with a Statement (one object or a list); each statement's Effect exactly "Allow" or "Deny" (IAM:
 *   "The Effect value is case sensitive"), Action/NotAction and Resource/NotResource strings or lists of strings.
 * - principalId and usageIdentifierKey strings when present. principalId may be absent: "A Lambda authorizer must
 *   return … at least a policyDocument (other fields are optional)" (dev.to/marcogrcr, failure modes, observed).
 * - context values string, number or boolean only — "no objects or arrays" (spec §7.1); null is neither, so it is
 *   refused as well.
 */
export function readAuthorizerOutput(payload: unknown): AuthorizerResult {
  const output = object(payload, "the result");
  const policy = readPolicy(output.policyDocument);
  const result: AuthorizerResult = { policy, context: readContext(output.context) };
  if (output.principalId !== undefined) result.principalId = string(output.principalId, "principalId");
  if (output.usageIdentifierKey !== undefined) result.usageIdentifierKey = string(output.usageIdentifierKey, "usageIdentifierKey");
  return result;
}

function readPolicy(value: unknown): PolicyDocument {
  const document = object(value, "policyDocument");
  const statements = Array.isArray(document.Statement) ? document.Statement : document.Statement === undefined ? [] : [document.Statement];
  if (statements.length === 0) throw new InvalidAuthorizerOutput("policyDocument has no Statement");
  return { ...(typeof document.Version === "string" ? { Version: document.Version } : {}), Statement: statements.map(readStatement) };
}

function readStatement(value: unknown, index: number): PolicyStatement {
  const statement = object(value, `Statement[${index}]`);
  if (statement.Effect !== "Allow" && statement.Effect !== "Deny") throw new InvalidAuthorizerOutput(`Statement[${index}].Effect is not "Allow" or "Deny"`);
  const read: PolicyStatement = { Effect: statement.Effect };
  for (const key of ["Action", "NotAction", "Resource", "NotResource"] as const) {
    if (statement[key] !== undefined) read[key] = patterns(statement[key], `Statement[${index}].${key}`);
  }
  if (read.Action === undefined && read.NotAction === undefined) throw new InvalidAuthorizerOutput(`Statement[${index}] has no Action`);
  if (read.Resource === undefined && read.NotResource === undefined) throw new InvalidAuthorizerOutput(`Statement[${index}] has no Resource`);
  if (statement.Condition !== undefined) read.Condition = object(statement.Condition, `Statement[${index}].Condition`) as PolicyStatement["Condition"];
  return read;
}

function readContext(value: unknown): Record<string, string> {
  const context: Record<string, string> = {};
  if (value === undefined || value === null) return context;
  for (const [key, entry] of Object.entries(object(value, "context"))) {
    if (typeof entry !== "string" && typeof entry !== "number" && typeof entry !== "boolean") {
      throw new InvalidAuthorizerOutput(`context.${key} is not a string, number or boolean`);
    }
    context[key] = String(entry);
  }
  return context;
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new InvalidAuthorizerOutput(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function string(value: unknown, what: string): string {
  if (typeof value !== "string") throw new InvalidAuthorizerOutput(`${what} is not a string`);
  return value;
}

function patterns(value: unknown, what: string): string | string[] {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every((entry) => typeof entry === "string")) return value as string[];
  throw new InvalidAuthorizerOutput(`${what} is not a string or a list of strings`);
}
