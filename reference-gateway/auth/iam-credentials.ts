import { readFile } from "node:fs/promises";
import type { GatewayModel, PolicyDocument, PolicyStatement, Resource } from "../model/index.ts";

/**
 * One IAM principal the gateway recognises, and the `$context.identity` values its requests get
 * (set-up-lambda-proxy-integrations.md: identity.accessKey, accountId, caller, user, userArn).
 *
 * The credentials file (`--iam-credentials FILE`, startGateway `iamCredentialsFile`) is a JSON array of these:
 *
 *   [{ "accessKeyId": "AKIAEXAMPLE", "secretAccessKey": "…", "accountId": "123456789012",
 *      "userArn": "arn:aws:iam::123456789012:user/alice", "caller": "AIDAEXAMPLE", "user": "AIDAEXAMPLE" },
 *    { "accessKeyId": "ASIAEXAMPLE", "secretAccessKey": "…", "sessionToken": "…", "accountId": "123456789012",
 *      "userArn": "arn:aws:sts::123456789012:assumed-role/role/session",
 *      "caller": "AROAEXAMPLE:session", "user": "AROAEXAMPLE:session" }]
 *
 * A principal with a sessionToken (temporary credentials) is accepted only with that exact X-Amz-Security-Token;
 * one without is refused when a request carries any.
 */
export interface IamPrincipal {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  accountId: string;
  userArn: string;
  caller: string;
  user: string;
  /**
   * The principal's identity-based policy, for actions beyond invoking (which the file's principals may always do):
   * `execute-api:InvalidateCache` for `Cache-Control: max-age=0` (cache/invalidation.ts). Absent = no such grant.
   */
  policy?: PolicyDocument;
}

const REQUIRED = ["accessKeyId", "secretAccessKey", "accountId", "userArn", "caller", "user"] as const;

export function parseIamCredentials(text: string, source: string): Map<string, IamPrincipal> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`IAM credentials file ${source}: not JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new Error(`IAM credentials file ${source}: expected a JSON array of principals`);
  const principals = new Map<string, IamPrincipal>();
  for (const [index, entry] of parsed.entries()) {
    const record = (entry ?? {}) as Record<string, unknown>;
    const missing = REQUIRED.filter((field) => typeof record[field] !== "string" || record[field] === "");
    if (missing.length > 0) throw new Error(`IAM credentials file ${source}: principal ${index} lacks ${missing.join(", ")}`);
    if (record.sessionToken !== undefined && typeof record.sessionToken !== "string") {
      throw new Error(`IAM credentials file ${source}: principal ${index} has a sessionToken that is not a string`);
    }
    if (record.policy !== undefined) record.policy = identityPolicy(record.policy, `IAM credentials file ${source}: principal ${index} policy`);
    const principal = record as unknown as IamPrincipal;
    if (principals.has(principal.accessKeyId)) throw new Error(`IAM credentials file ${source}: access key ${principal.accessKeyId} appears twice`);
    principals.set(principal.accessKeyId, principal);
  }
  return principals;
}

export async function loadIamCredentials(file: string): Promise<Map<string, IamPrincipal>> {
  return parseIamCredentials(await readFile(file, "utf8"), file);
}

function resourceUsesIam(resource: Resource): boolean {
  return Object.values(resource.methods).some((method) => method.authorizationType === "AWS_IAM") || resource.children.some(resourceUsesIam);
}

/**
 * The principals AWS_IAM methods are checked against. A template with AWS_IAM methods and no credentials file is
 * refused: every signed request would be rejected and nothing would say why.
 */
export async function resolveIamPrincipals(model: GatewayModel, file: string | undefined): Promise<Map<string, IamPrincipal>> {
  if (file !== undefined) return loadIamCredentials(file);
  const httpIam = (model.httpApis ?? []).some((api) => api.routes.some((route) => route.authorizationType === "AWS_IAM"));
  const webSocketIam = (model.webSocketApis ?? []).some((api) => api.routes["$connect"]?.authorizationType === "AWS_IAM");
  if (model.restApis.some((api) => resourceUsesIam(api.root)) || httpIam || webSocketIam) {
    throw new Error("Methods or routes use AWS_IAM authorization but no IAM credentials file was given: --iam-credentials FILE (startGateway iamCredentialsFile), a JSON array of principals (reference-gateway/auth/iam-credentials.ts)");
  }
  return new Map();
}

/** An identity-based policy: `{ Statement: [...] }` (or one statement), each with Effect Allow or Deny. */
function identityPolicy(value: unknown, where: string): PolicyDocument {
  const doc = value as { Statement?: unknown } | null;
  if (typeof doc !== "object" || doc === null || doc.Statement === undefined) throw new Error(`${where}: expected an object with a Statement`);
  const statements = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) as PolicyStatement[];
  for (const statement of statements) {
    if (typeof statement !== "object" || statement === null || (statement.Effect !== "Allow" && statement.Effect !== "Deny")) {
      throw new Error(`${where}: every statement needs Effect Allow or Deny`);
    }
  }
  return { ...(doc as PolicyDocument), Statement: statements };
}
