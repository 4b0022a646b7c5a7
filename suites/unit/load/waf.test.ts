import { describe, expect, test } from "vitest";
import { expectLoadError, load } from "./helpers.ts";

// gateproof does not evaluate WAF rules: a web ACL on an API stage must stop the load, not be served without it.
const REASON = /a WAF web ACL on an API Gateway stage is not supported yet \(gateproof does not evaluate its rules/;
const WEB_ACL = { Type: "AWS::WAFv2::WebACL", Properties: { Scope: "REGIONAL", DefaultAction: { Allow: {} }, VisibilityConfig: { CloudWatchMetricsEnabled: false, MetricName: "acl", SampledRequestsEnabled: false }, Rules: [] } };

/** A cdk-synth-shaped RestApi (MOCK GET /, stage prod) plus `extra` resources. */
function template(extra: Record<string, unknown>): string {
  return JSON.stringify({
    Resources: {
      Api: { Type: "AWS::ApiGateway::RestApi", Properties: { Name: "api" } },
      ApiGET: { Type: "AWS::ApiGateway::Method", Properties: { RestApiId: { Ref: "Api" }, ResourceId: { "Fn::GetAtt": ["Api", "RootResourceId"] }, HttpMethod: "GET", AuthorizationType: "NONE", Integration: { Type: "MOCK" } } },
      ApiDeployment: { Type: "AWS::ApiGateway::Deployment", Properties: { RestApiId: { Ref: "Api" } }, DependsOn: ["ApiGET"] },
      ApiDeploymentStageprod: { Type: "AWS::ApiGateway::Stage", Properties: { RestApiId: { Ref: "Api" }, DeploymentId: { Ref: "ApiDeployment" }, StageName: "prod" } },
      Acl: WEB_ACL,
      ...extra,
    },
  });
}

describe("WAF web ACL associations", () => {
  test.each([
    [
      "WAFv2 with the ARN cdk synth writes for api.deploymentStage.stageArn",
      "AWS::WAFv2::WebACLAssociation",
      { "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":apigateway:", { Ref: "AWS::Region" }, "::/restapis/", { Ref: "Api" }, "/stages/", { Ref: "ApiDeploymentStageprod" }]] },
    ],
    ["WAF Classic regional with a Sub", "AWS::WAFRegional::WebACLAssociation", { "Fn::Sub": "arn:aws:apigateway:${AWS::Region}::/restapis/${Api}/stages/prod" }],
  ])("%s on an API stage is refused", async (_name, type, resourceArn) => {
    const arnKey = type === "AWS::WAFv2::WebACLAssociation" ? { WebACLArn: { "Fn::GetAtt": ["Acl", "Arn"] } } : { WebACLId: "acl-id" };
    await expectLoadError(template({ Assoc: { Type: type, Properties: { ResourceArn: resourceArn, ...arnKey } } }), "$.Resources.Assoc.Properties.ResourceArn", REASON, {}, {}, "t.json");
  });

  test("a web ACL on a load balancer is not the gateway's concern", async () => {
    const alb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188";
    const { model } = await load(template({ Assoc: { Type: "AWS::WAFv2::WebACLAssociation", Properties: { ResourceArn: alb, WebACLArn: { "Fn::GetAtt": ["Acl", "Arn"] } } } }), {}, {}, "t.json");
    expect(model.restApis).toHaveLength(1);
  });
});
