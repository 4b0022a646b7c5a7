/** Deterministic identifiers: API ids, resource ids, CloudFormation-style physical name suffixes, ARNs. */
import { createHash } from "node:crypto";

function hashChars(input: string, length: number, alphabet: string): string {
  let out = "";
  let counter = 0;
  while (out.length < length) {
    const digest = createHash("sha256").update(`${input}\u0000${counter++}`).digest();
    for (const byte of digest) {
      // Reject bytes that would bias the distribution.
      if (byte >= alphabet.length * Math.floor(256 / alphabet.length)) continue;
      out += alphabet[byte % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}

const LOWER = "abcdefghijklmnopqrstuvwxyz0123456789";
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** 10 lowercase alphanumerics, like `a1b2c3d4e5`. */
export function apiId(stackName: string, logicalId: string): string {
  return hashChars(`api:${stackName}:${logicalId}`, 10, LOWER);
}

/** 6 lowercase alphanumerics for the resource at `path` in API `api`. */
export function resourceId(api: string, path: string): string {
  return hashChars(`resource:${api}:${path}`, 6, LOWER);
}

/** CloudFormation-style physical name: `<stack>-<logicalId>-<12 uppercase alnum>`. */
export function generatedFunctionName(stackName: string, logicalId: string): string {
  return `${stackName}-${logicalId}-${hashChars(`fn:${logicalId}`, 12, UPPER)}`;
}

export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

export function urlSuffixOf(region: string): string {
  return region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
}

export function functionArn(region: string, accountId: string, functionName: string): string {
  return `arn:${partitionOf(region)}:lambda:${region}:${accountId}:function:${functionName}`;
}

export function stackId(region: string, accountId: string, stackName: string): string {
  const h = createHash("sha256").update(`stack:${stackName}`).digest("hex");
  const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  return `arn:${partitionOf(region)}:cloudformation:${region}:${accountId}:stack/${stackName}/${uuid}`;
}

/** 6 lowercase alphanumerics for authorizer `name` (scheme name or logical id) of API `api`, as `$context.authorizer` ids look. */
export function authorizerId(api: string, name: string): string {
  return hashChars(`authorizer:${api}:${name}`, 6, LOWER);
}

/** 10 lowercase alphanumerics, like an API key id (`$context.identity.apiKeyId`). */
export function apiKeyId(stackName: string, logicalId: string): string {
  return hashChars(`apikey:${stackName}:${logicalId}`, 10, LOWER);
}

/** 6 lowercase alphanumerics, like a usage plan id. */
export function usagePlanId(stackName: string, logicalId: string): string {
  return hashChars(`usageplan:${stackName}:${logicalId}`, 6, LOWER);
}

/** CloudFormation-style physical name for a resource without an explicit name: `<stack>-<logicalId>-<12 uppercase alnum>`. */
export function generatedName(stackName: string, logicalId: string, kind: string): string {
  return `${stackName}-${logicalId}-${hashChars(`${kind}:${logicalId}`, 12, UPPER)}`;
}
