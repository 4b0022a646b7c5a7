import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { startEchoBackend, type EchoBackend } from "../harness/echo-backend.ts";
import { header, send, type TargetResponse } from "../harness/target.ts";
import { features } from "../harness/conformance.ts";

/**
 * Resource policies on APIs without authorizers, against reference gateways serving fixtures/resource-policy
 * (HTTP_PROXY routes to the echo backend, which proves a denied request never reached the integration). Facts pinned:
 *  - no authorization type: the policy must explicitly allow; "an implicit denial or any explicit denial results in
 *    denying the caller" (apigateway-authorization-flow.md, "API Gateway resource policy only");
 *  - the denial is 403 `{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource:
 *    <method ARN>"}` with the account masked but for its last 4 digits (ASFHyP3/hyp3#2283, serverless/serverless#5071),
 *    ` with an explicit deny` appended when a Deny matched (cloudnamaste.com/api-gateway-resource-policies), and
 *    `x-amzn-ErrorType: AccessDeniedException` (spec §2.2 [KC]);
 *  - IpAddress / NotIpAddress on aws:SourceIp, StringNotEquals on a key the request lacks holds (IAM
 *    reference_policies_elements_condition_operators.md).
 */
describe("resource policies (reference gateways)", features(["auth.resource-policy"], { referenceOnly: true }), () => {
  let backend: EchoBackend;
  let gateway: RunningGateway;
  let viaEndpoint: RunningGateway;
  const template = new URL("./fixtures/resource-policy/template.yaml", import.meta.url).pathname;
  const base = (running: RunningGateway, api: string) => running.urls.find((url) => url.api === api)!.url;
  const apiId = (api: string) => gateway.model.restApis.find((rest) => rest.logicalId === api)!.id;

  beforeAll(async () => {
    backend = await startEchoBackend();
    const options = { template, port: 0, parameterOverrides: { BackendUrl: backend.url }, log: () => {} };
    gateway = await startGateway(options);
    viaEndpoint = await startGateway({ ...options, sourceVpce: "vpce-1a2b3c4d" });
  });
  afterAll(async () => {
    await gateway?.close();
    await viaEndpoint?.close();
    await backend?.close();
  });

  const call = async (method: string, url: string, path: string) => {
    const before = backend.received.length;
    const response = await send(method, path, { base: url });
    return { response, reached: backend.received.length > before };
  };

  const expectDenied = (response: TargetResponse, resource: string, explicit: boolean) => {
    expect(response.status).toBe(403);
    expect(header(response, "x-amzn-errortype")).toBe("AccessDeniedException");
    const suffix = explicit ? " with an explicit deny" : "";
    expect(response.text).toBe(`{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:${resource}${suffix}"}`);
  };

  it("an allowed resource reaches the integration", async () => {
    const { response, reached } = await call("GET", base(gateway, "DenyListApi"), "/open");
    expect(response.status).toBe(200);
    expect(reached).toBe(true);
  });

  it("Deny on IpAddress with a CIDR that includes 127.0.0.1 → 403 explicit deny, before the integration", async () => {
    const { response, reached } = await call("GET", base(gateway, "DenyListApi"), "/blocked");
    expectDenied(response, `${apiId("DenyListApi")}/test/GET/blocked`, true);
    expect(reached).toBe(false);
  });

  it("other spellings of a denied path that route to it are denied too", async () => {
    for (const path of ["/blocked/", "//blocked", "/%62locked"]) {
      const { response, reached } = await call("GET", base(gateway, "DenyListApi"), path);
      expect(reached, path).toBe(false);
      expect(response.status, path).toBe(403);
    }
  });

  it("NotIpAddress: denied when the caller is outside the range, served when inside", async () => {
    const outside = await call("GET", base(gateway, "DenyListApi"), "/elsewhere-only");
    expectDenied(outside.response, `${apiId("DenyListApi")}/test/GET/elsewhere-only`, true);
    expect(outside.reached).toBe(false);
    const inside = await call("GET", base(gateway, "DenyListApi"), "/nearby-only");
    expect(inside.response.status).toBe(200);
  });

  it("the ARN names the request's path, not the resource template: DELETE /items/7 is denied, GET is not", async () => {
    const deleted = await call("DELETE", base(gateway, "DenyListApi"), "/items/7");
    expectDenied(deleted.response, `${apiId("DenyListApi")}/test/DELETE/items/7`, true);
    expect(deleted.reached).toBe(false);
    expect((await call("GET", base(gateway, "DenyListApi"), "/items/7")).response.status).toBe(200);
  });

  it("aws:SourceVpce: absent on a local request (StringNotEquals holds → deny); the sourceVpce option supplies it", async () => {
    const local = await call("GET", base(gateway, "DenyListApi"), "/vpce-only");
    expectDenied(local.response, `${apiId("DenyListApi")}/test/GET/vpce-only`, true);
    expect(local.reached).toBe(false);
    expect((await call("GET", base(viaEndpoint, "DenyListApi"), "/vpce-only")).response.status).toBe(200);
  });

  it("an allow-list: a listed resource is served, one no statement covers → 403 implicit deny (no suffix)", async () => {
    expect((await call("GET", base(gateway, "AllowListApi"), "/listed")).response.status).toBe(200);
    const { response, reached } = await call("GET", base(gateway, "AllowListApi"), "/unlisted");
    expectDenied(response, `${apiId("AllowListApi")}/test/GET/unlisted`, false);
    expect(reached).toBe(false);
  });

  describe("with a Lambda authorizer (apigateway-authorization-flow.md, 'Lambda authorizer and resource policy', Table A)", features("auth.lambda-token"), () => {
    const withToken = async (path: string) => {
      const before = backend.received.length;
      const response = await send("GET", path, { base: base(gateway, "AuthorizerApi"), headers: { authorization: "token" } });
      return { response, reached: backend.received.length > before };
    };
    it("an explicit deny in the policy → 403 before the authorizer, in the resource policy's words", async () => {
      const { response, reached } = await withToken("/rp-denies");
      expectDenied(response, `${apiId("AuthorizerApi")}/test/GET/rp-denies`, true);
      expect(reached).toBe(false);
    });
    it("authorizer allows, policy silent → allow; authorizer silent, policy allows → allow", async () => {
      expect((await withToken("/authorizer-allows")).response.status).toBe(200);
      expect((await withToken("/rp-allows")).response.status).toBe(200);
    });
    it("both silent → implicit deny: the authorizer's 403 (spec §2.3)", async () => {
      const { response, reached } = await withToken("/both-silent");
      expect(response.status).toBe(403);
      expect(response.text).toBe('{"Message":"User is not authorized to access this resource"}');
      expect(reached).toBe(false);
    });
  });

  it("an Allow that names a principal does not apply to an anonymous caller", async () => {
    const { response, reached } = await call("GET", base(gateway, "AllowListApi"), "/account-only");
    expectDenied(response, `${apiId("AllowListApi")}/test/GET/account-only`, false);
    expect(reached).toBe(false);
  });
});
