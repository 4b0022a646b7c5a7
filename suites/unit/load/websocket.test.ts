/** Loading WebSocket APIs (load/websocket.ts): the forms the loader reads and the LoadErrors it gives (file, JSON path, reason). */
import { describe, expect, it } from "vitest";
import { stringify as yaml } from "yaml";
import { apiId } from "../../../reference-gateway/load/ids.ts";
import { load, loadError } from "./helpers.ts";

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

const FN = { Type: "AWS::Serverless::Function", Properties: { Runtime: "nodejs20.x", Handler: "index.handler", InlineCode: "exports.handler = async () => ({ statusCode: 200 });" } };
const uri = { "Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations" };

function template(overrides: Resources = {}, drop: string[] = []): string {
  const resources: Resources = {
    Ws: { Type: "AWS::ApiGatewayV2::Api", Properties: { Name: "ws", ProtocolType: "WEBSOCKET", RouteSelectionExpression: "$request.body.action" } },
    Integ: { Type: "AWS::ApiGatewayV2::Integration", Properties: { ApiId: { Ref: "Ws" }, IntegrationType: "AWS_PROXY", IntegrationUri: uri } },
    Connect: { Type: "AWS::ApiGatewayV2::Route", Properties: { ApiId: { Ref: "Ws" }, RouteKey: "$connect", Target: { "Fn::Join": ["/", ["integrations", { Ref: "Integ" }]] } } },
    Send: { Type: "AWS::ApiGatewayV2::Route", Properties: { ApiId: { Ref: "Ws" }, RouteKey: "send", RouteResponseSelectionExpression: "$default", Target: { "Fn::Sub": "integrations/${Integ}" } } },
    SendResponse: { Type: "AWS::ApiGatewayV2::RouteResponse", Properties: { ApiId: { Ref: "Ws" }, RouteId: { Ref: "Send" }, RouteResponseKey: "$default" } },
    Stage: { Type: "AWS::ApiGatewayV2::Stage", Properties: { ApiId: { Ref: "Ws" }, StageName: "prod", StageVariables: { a: "b" } } },
    Deployment: { Type: "AWS::ApiGatewayV2::Deployment", Properties: { ApiId: { Ref: "Ws" } } },
    Fn: FN,
    ...overrides,
  };
  for (const k of drop) delete resources[k];
  return yaml({ Transform: "AWS::Serverless-2016-10-31", Resources: resources });
}

describe("WebSocket API loading", () => {
  it("reads the API, its routes with their integrations, route responses and stages", async () => {
    const { model } = await load(template());
    expect(model.restApis).toEqual([]);
    const [api] = model.webSocketApis!;
    expect(api).toMatchObject({ logicalId: "Ws", id: apiId("gateproof", "Ws"), name: "ws", routeSelectionExpression: "$request.body.action", stages: [{ name: "prod", variables: { a: "b" } }] });
    expect(Object.keys(api!.routes)).toEqual(["$connect", "send"]);
    expect(api!.routes["$connect"]).toMatchObject({ twoWay: false, integration: { type: "AWS_PROXY", functionLogicalId: "Fn", timeoutInMillis: 29000 } });
    expect(api!.routes["send"]).toMatchObject({ twoWay: true, routeResponseSelectionExpression: "$default", location: { path: "$.Resources.Send" } });
  });

  it("reads route throttling: DefaultRouteSettings and RouteSettings by route key, logging settings accepted", async () => {
    const { model } = await load(template({
      Stage: { Type: "AWS::ApiGatewayV2::Stage", Properties: { ApiId: { Ref: "Ws" }, StageName: "prod", DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 5, LoggingLevel: "INFO" }, RouteSettings: { $connect: { ThrottlingBurstLimit: 1 }, send: { DataTraceEnabled: true } } } },
    }));
    expect(model.webSocketApis![0]!.stages[0]).toEqual({ name: "prod", variables: {}, defaultRouteThrottle: { rateLimit: 10, burstLimit: 5 }, routeThrottles: { $connect: { burstLimit: 1 } } });
  });

  it("a route with RouteResponseSelectionExpression but no RouteResponse stays one-way", async () => {
    const { model } = await load(template({}, ["SendResponse"]));
    expect(model.webSocketApis![0]!.routes["send"]!.twoWay).toBe(false);
  });

  it("accepts !GetAtt Api.ApiId as ApiId and template selection expressions", async () => {
    const { model } = await load(template({
      Ws: { Type: "AWS::ApiGatewayV2::Api", Properties: { ProtocolType: "WEBSOCKET", RouteSelectionExpression: "${request.body.service}/${request.body.action}" } },
      Stage: { Type: "AWS::ApiGatewayV2::Stage", Properties: { ApiId: { "Fn::GetAtt": ["Ws", "ApiId"] }, StageName: "dev" } },
    }));
    expect(model.webSocketApis![0]!.stages.map((s) => s.name)).toEqual(["dev"]);
    expect(model.webSocketApis![0]!.name).toBe("Ws");
  });

  it.each([
    ["no RouteSelectionExpression", { Ws: { Type: "AWS::ApiGatewayV2::Api", Properties: { ProtocolType: "WEBSOCKET" } } }, [], "$.Resources.Ws.Properties.RouteSelectionExpression", "RouteSelectionExpression is required for a WEBSOCKET Api"],
    ["a selection expression that ignores the body", { Ws: { Type: "AWS::ApiGatewayV2::Api", Properties: { ProtocolType: "WEBSOCKET", RouteSelectionExpression: "$request.header.x" } } }, [], "$.Resources.Ws.Properties.RouteSelectionExpression", 'RouteSelectionExpression "$request.header.x" must be $request.body.{path} or use ${request.body.{path}} parts'],
    ["an OpenAPI Body", { Ws: { Type: "AWS::ApiGatewayV2::Api", Properties: { ProtocolType: "WEBSOCKET", RouteSelectionExpression: "$request.body.action", Body: {} } } }, [], "$.Resources.Ws.Properties.Body", "OpenAPI bodies for WebSocket APIs are not supported (WebSocket APIs have no OpenAPI form); declare Route and Integration resources"],
    ["a custom route key starting with $", { Send: { Type: "AWS::ApiGatewayV2::Route", Properties: { ApiId: { Ref: "Ws" }, RouteKey: "$send", Target: { "Fn::Sub": "integrations/${Integ}" } } } }, ["SendResponse"], "$.Resources.Send.Properties.RouteKey", 'route key "$send": only $connect, $disconnect and $default may start with $'],
    ["authorization off $connect", { Send: { Type: "AWS::ApiGatewayV2::Route", Properties: { ApiId: { Ref: "Ws" }, RouteKey: "send", AuthorizationType: "AWS_IAM", Target: { "Fn::Sub": "integrations/${Integ}" } } } }, ["SendResponse"], "$.Resources.Send.Properties.AuthorizationType", "authorization is only possible on the $connect route"],
    ["a Lambda authorizer on $connect without AuthorizerId", { Connect: { Type: "AWS::ApiGatewayV2::Route", Properties: { ApiId: { Ref: "Ws" }, RouteKey: "$connect", AuthorizationType: "CUSTOM", Target: { "Fn::Sub": "integrations/${Integ}" } } } }, [], "$.Resources.Connect.Properties.AuthorizerId", "AuthorizerId is required with AuthorizationType CUSTOM"],
    ["a route response key other than $default", { SendResponse: { Type: "AWS::ApiGatewayV2::RouteResponse", Properties: { ApiId: { Ref: "Ws" }, RouteId: { Ref: "Send" }, RouteResponseKey: "ok" } } }, [], "$.Resources.SendResponse.Properties.RouteResponseKey", 'RouteResponseKey must be $default, got "ok"'],
    ["a non-Lambda integration", { Integ: { Type: "AWS::ApiGatewayV2::Integration", Properties: { ApiId: { Ref: "Ws" }, IntegrationType: "HTTP_PROXY", IntegrationUri: "https://example.com" } } }, [], "$.Resources.Integ.Properties.IntegrationType", "IntegrationType HTTP_PROXY is not supported yet on WebSocket APIs (AWS_PROXY Lambda integrations only)"],
    ["a timeout over 29 s", { Integ: { Type: "AWS::ApiGatewayV2::Integration", Properties: { ApiId: { Ref: "Ws" }, IntegrationType: "AWS_PROXY", IntegrationUri: uri, TimeoutInMillis: 30000 } } }, [], "$.Resources.Integ.Properties.TimeoutInMillis", "TimeoutInMillis 30000 is outside 50..29000"],
    ["a Target naming no integration", { Send: { Type: "AWS::ApiGatewayV2::Route", Properties: { ApiId: { Ref: "Ws" }, RouteKey: "send", Target: "integrations/nope" } } }, ["SendResponse"], "$.Resources.Send.Properties.Target", 'Target names integration "nope", which is not an Integration of this API'],
    ["a route key declared twice", { Again: { Type: "AWS::ApiGatewayV2::Route", Properties: { ApiId: { Ref: "Ws" }, RouteKey: "send", Target: { "Fn::Sub": "integrations/${Integ}" } } } }, [], "$.Resources.Again.Properties.RouteKey", 'route key "send" is declared twice'],
    ["an unknown route setting", { Stage: { Type: "AWS::ApiGatewayV2::Stage", Properties: { ApiId: { Ref: "Ws" }, StageName: "prod", DefaultRouteSettings: { ThrottlingRate: 10 } } } }, [], "$.Resources.Stage.Properties.DefaultRouteSettings.ThrottlingRate", "route setting ThrottlingRate is not supported yet"],
    ["a burst limit over 5000", { Stage: { Type: "AWS::ApiGatewayV2::Stage", Properties: { ApiId: { Ref: "Ws" }, StageName: "prod", RouteSettings: { send: { ThrottlingBurstLimit: 5001 } } } } }, [], "$.Resources.Stage.Properties.RouteSettings.send.ThrottlingBurstLimit", "ThrottlingBurstLimit 5001 is outside 0..5000"],
    ["no stage", {}, ["Stage"], "$.Resources.Ws", "WebSocket Api has no AWS::ApiGatewayV2::Stage; it would not be reachable"],
  ] as Array<[string, Resources, string[], string, string]>)("refuses %s", async (_label, overrides, drop, path, reason) => {
    const { err, file } = await loadError(template(overrides, drop));
    expect(err.file).toBe(file);
    expect(err.jsonPath).toBe(path);
    expect(err.reason).toBe(reason);
  });
});
