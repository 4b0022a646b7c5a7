/**
 * SAM `Auth.ResourcePolicy` (sam-property-api-resourcepolicystatement.md) → resource policy statements, generated
 * as samtranslator swagger.py add_resource_policy / add_custom_statements do: per API path, a statement list over
 * `execute-api:/{stage}/{METHOD}{path}` (ANY → `*`, `{param}` → `*`).
 */
import type { PolicyDocument, PolicyStatement } from "../../model/types.ts";
import { fail } from "../errors.ts";
import { child } from "../json-path.ts";
import { checkKeys, list, str } from "../values.ts";
import { expandShorthand, readStatements, type PolicyScope } from "./policy.ts";

const KEYS = new Set([
  "CustomStatements", "AwsAccountWhitelist", "AwsAccountBlacklist", "IpRangeWhitelist", "IpRangeBlacklist",
  "SourceVpcWhitelist", "SourceVpcBlacklist", "IntrinsicVpcWhitelist", "IntrinsicVpceWhitelist", "IntrinsicVpcBlacklist", "IntrinsicVpceBlacklist",
]);

/** Methods of one API path in definition order, as SAM lists them for that path. */
export interface PathMethods {
  path: string;
  methods: string[];
}

export class SamPolicyBuilder {
  private readonly statements: PolicyStatement[];

  constructor(
    private readonly scope: PolicyScope,
    private readonly stage: string,
    private readonly file: string,
    start: PolicyDocument | undefined,
  ) {
    this.statements = [...(start?.Statement ?? [])];
  }

  /** A ResourcePolicy applied to `paths` (an event's path, or every path of the API), then its CustomStatements. */
  add(rp: Record<string, unknown>, rpPath: string, paths: PathMethods[]): void {
    const { file } = this;
    checkKeys(rp, KEYS, file, rpPath, "ResourcePolicy");
    const strings = (key: string) => {
      if (rp[key] === undefined) return undefined;
      const p = child(rpPath, key);
      return (Array.isArray(rp[key]) ? rp[key] : [rp[key]]).map((v, i) => str(v, file, Array.isArray(rp[key]) ? child(p, i) : p, key));
    };
    for (const { path, methods } of paths) {
      const resources = methods.map((m) => expandShorthand(`execute-api:/${this.stage}/${m === "ANY" ? "*" : m}${path.replace(/\{[A-Za-z0-9._-]+\+?\}/g, "*")}`, this.scope));
      const accountsAllow = strings("AwsAccountWhitelist");
      if (accountsAllow?.length) this.statements.push({ Effect: "Allow", Action: "execute-api:Invoke", Resource: resources, Principal: { AWS: accountsAllow } });
      const accountsDeny = strings("AwsAccountBlacklist");
      if (accountsDeny?.length) this.statements.push({ Effect: "Deny", Action: "execute-api:Invoke", Resource: resources, Principal: { AWS: accountsDeny } });
      const ipAllow = strings("IpRangeWhitelist");
      if (ipAllow?.length) this.allowThenDeny(resources, { NotIpAddress: { "aws:SourceIp": ipAllow } });
      const ipDeny = strings("IpRangeBlacklist");
      if (ipDeny?.length) this.allowThenDeny(resources, { IpAddress: { "aws:SourceIp": ipDeny } });
      const vpcDeny = this.vpcCondition(rp, rpPath, "SourceVpcBlacklist", "IntrinsicVpcBlacklist", "IntrinsicVpceBlacklist");
      if (vpcDeny) this.allowThenDeny(resources, { StringEquals: vpcDeny });
      const vpcAllow = this.vpcCondition(rp, rpPath, "SourceVpcWhitelist", "IntrinsicVpcWhitelist", "IntrinsicVpceWhitelist");
      if (vpcAllow) this.allowThenDeny(resources, { StringNotEquals: vpcAllow });
    }
    if (rp["CustomStatements"] !== undefined) {
      for (const s of readStatements(rp["CustomStatements"], file, child(rpPath, "CustomStatements"), this.scope)) {
        if (!this.statements.some((x) => same(x, s))) this.statements.push(s);
      }
    }
  }

  document(): PolicyDocument | undefined {
    return this.statements.length === 0 ? undefined : { Version: "2012-10-17", Statement: this.statements };
  }

  /** SAM pairs an Allow with a conditional Deny, each added once. */
  private allowThenDeny(resources: string[], condition: Record<string, Record<string, string[]>>): void {
    const allow: PolicyStatement = { Effect: "Allow", Action: "execute-api:Invoke", Resource: resources, Principal: "*" };
    const deny: PolicyStatement = { Effect: "Deny", Action: "execute-api:Invoke", Resource: resources, Principal: "*", Condition: condition };
    if (!this.statements.some((x) => same(x, allow))) this.statements.push(allow);
    if (!this.statements.some((x) => same(x, deny))) this.statements.push(deny);
  }

  /** SourceVpc lists split by prefix into `aws:SourceVpc` (vpc-) and `aws:SourceVpce` (vpce-); SAM drops other entries, gateproof refuses them. */
  private vpcCondition(rp: Record<string, unknown>, rpPath: string, key: string, vpcKey: string, vpceKey: string): Record<string, string[]> | undefined {
    const { file } = this;
    const condition: Record<string, string[]> = {};
    const push = (k: string, v: string) => (condition[k] ??= []).push(v);
    if (rp[key] !== undefined) {
      const p = child(rpPath, key);
      const entries = list(rp[key], file, p, key).map((v, i) => str(v, file, child(p, i), key));
      entries.forEach((e, i) => {
        if (!/^vpce?-/.test(e)) fail(file, child(p, i), `${key} entry "${e}" must be a VPC (vpc-…) or VPC endpoint (vpce-…) id`);
      });
      for (const e of entries) if (e.startsWith("vpc-")) push("aws:SourceVpc", e);
      for (const e of entries) if (e.startsWith("vpce-")) push("aws:SourceVpce", e);
    }
    for (const [k, condKey] of [[vpcKey, "aws:SourceVpc"], [vpceKey, "aws:SourceVpce"]] as const) {
      if (rp[k] === undefined) continue;
      const p = child(rpPath, k);
      list(rp[k], file, p, k).forEach((v, i) => push(condKey, str(v, file, child(p, i), k)));
    }
    return Object.keys(condition).length > 0 ? condition : undefined;
  }
}

function same(a: PolicyStatement, b: PolicyStatement): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}
