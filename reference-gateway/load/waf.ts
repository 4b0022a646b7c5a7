/**
 * A web ACL associated with an API Gateway stage (AWS::WAFv2::WebACLAssociation, AWS::WAFRegional::WebACLAssociation
 * with a `…:apigateway:…::/restapis/{id}/stages/{name}` ResourceArn) makes AWS check every request against its rules
 * before the API sees it, answering 403 Forbidden for blocked ones. gateproof does not evaluate WAF rules, so serving
 * that stage would let through what the web ACL blocks: the load stops instead. Associations with other resources
 * (load balancers, AppSync, Cognito) are not the gateway's concern.
 */
import { fail } from "./errors.ts";
import type { ResourceEntry, Template } from "./intrinsics.ts";
import { child } from "./json-path.ts";

const ASSOCIATIONS = new Set(["AWS::WAFv2::WebACLAssociation", "AWS::WAFRegional::WebACLAssociation"]);

export function refuseWebAclOnApiStage(t: Template, e: ResourceEntry): void {
  if (!ASSOCIATIONS.has(e.type)) return;
  // Unresolved on purpose: the ARN is usually a Join / Sub of Refs to this template's RestApi and Stage, and only its
  // service part is needed here.
  const arn = JSON.stringify(e.properties["ResourceArn"] ?? "");
  if (!/:apigateway:|\/restapis\//.test(arn)) return;
  fail(t.file, child(child(e.path, "Properties"), "ResourceArn"), `${e.type}: a WAF web ACL on an API Gateway stage is not supported yet (gateproof does not evaluate its rules, so the stage would be served without them)`);
}
