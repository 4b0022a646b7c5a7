import { describe, expect, test } from "vitest";
import { HANDLER, expectLoadError, load } from "./helpers.ts";

// AWS does not deploy a PRIVATE REST API without a resource policy; served locally it would be open to anyone.
const REASON = /^Private REST API doesn't have a resource policy attached to it \(AWS does not deploy a PRIVATE API without one/;
const SRC = { "src/index.mjs": HANDLER };
const POLICY = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*", Condition: { StringEquals: { "aws:SourceVpce": "vpce-0212a4ababd5b8c3e" } } }] };

/** What `cdk synth` writes for `new RestApi(…, { endpointConfiguration: { types: [EndpointType.PRIVATE] } })` with a MOCK GET /. */
function cdkRestApi(api: Record<string, unknown>): string {
  return JSON.stringify({
    Resources: {
      Api: { Type: "AWS::ApiGateway::RestApi", Properties: { Name: "private", ...api } },
      ApiGET: { Type: "AWS::ApiGateway::Method", Properties: { RestApiId: { Ref: "Api" }, ResourceId: { "Fn::GetAtt": ["Api", "RootResourceId"] }, HttpMethod: "GET", AuthorizationType: "NONE", Integration: { Type: "MOCK" } } },
      ApiDeployment: { Type: "AWS::ApiGateway::Deployment", Properties: { RestApiId: { Ref: "Api" } }, DependsOn: ["ApiGET"] },
      ApiDeploymentStageprod: { Type: "AWS::ApiGateway::Stage", Properties: { RestApiId: { Ref: "Api" }, DeploymentId: { Ref: "ApiDeployment" }, StageName: "prod" } },
    },
  });
}
const samApi = (properties: string, globals = "") =>
  `Transform: AWS::Serverless-2016-10-31\n${globals}Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs20.x\n      CodeUri: src\n      Handler: index.handler\n      Events:\n        Get: { Type: Api, Properties: { RestApiId: !Ref Api, Path: /, Method: get } }\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: prod\n${properties}`;

describe("a PRIVATE REST API needs a resource policy", () => {
  test("CloudFormation (cdk synth shape) without Policy is refused", async () => {
    await expectLoadError(cdkRestApi({ EndpointConfiguration: { Types: ["PRIVATE"], VpcEndpointIds: ["vpce-0212a4ababd5b8c3e"] } }), "$.Resources.Api.Properties.EndpointConfiguration", REASON, {}, {}, "t.json");
  });

  test("CloudFormation with a Policy loads with it; REGIONAL needs none", async () => {
    const { model } = await load(cdkRestApi({ EndpointConfiguration: { Types: ["PRIVATE"] }, Policy: POLICY }), {}, {}, "t.json");
    expect(model.restApis[0]!.policy?.Statement).toHaveLength(1);
    const regional = await load(cdkRestApi({ EndpointConfiguration: { Types: ["REGIONAL"] } }), {}, {}, "t.json");
    expect(regional.model.restApis[0]!.policy).toBeUndefined();
  });

  test.each([
    ["a type name", "      EndpointConfiguration: PRIVATE\n", "", "$.Resources.Api.Properties.EndpointConfiguration"],
    ["{ Type, VPCEndpointIds }", "      EndpointConfiguration: { Type: PRIVATE, VPCEndpointIds: [vpce-0212a4ababd5b8c3e] }\n", "", "$.Resources.Api.Properties.EndpointConfiguration"],
    ["Globals.Api", "", "Globals:\n  Api:\n    EndpointConfiguration: { Type: PRIVATE }\n", "$.Globals.Api.EndpointConfiguration"],
  ])("SAM EndpointConfiguration as %s without Auth.ResourcePolicy is refused", async (_name, properties, globals, jsonPath) => {
    await expectLoadError(samApi(properties, globals), jsonPath, REASON, SRC);
  });

  test("SAM with Auth.ResourcePolicy loads with the policy SAM builds", async () => {
    const { model } = await load(samApi("      EndpointConfiguration: { Type: PRIVATE }\n      Auth:\n        ResourcePolicy:\n          IntrinsicVpceWhitelist: [vpce-0212a4ababd5b8c3e]\n"), SRC);
    expect(model.restApis[0]!.policy?.Statement.length).toBeGreaterThan(0);
  });
});
