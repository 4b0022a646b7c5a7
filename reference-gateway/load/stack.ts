/** Loads a SAM or CloudFormation template: template context, functions, stages and APIs in template order. */
import type { GatewayModel, LambdaFunction, RestApi } from "../model/types.ts";
import { API_TYPES, CfnApis, cfnFunction, cfnFunctionName, cfnModelName, cfnRestApi, collectStages } from "./cloudformation.ts";
import { fail } from "./errors.ts";
import { FunctionIndex } from "./functions.ts";
import { apiId, apiKeyId, authorizerId, functionArn, resourceId, usagePlanId } from "./ids.ts";
import { Template, type ResourceEntry } from "./intrinsics.ts";
import { child } from "./json-path.ts";
import { claimsHttpApiResource, httpApiGetAtt, httpApiRef, implicitHttpApiEventAt, loadHttpApis, refusedV2, samHttpApiEvents, type HttpApiEvent } from "./http-api.ts";
import { isWebSocketResource, loadWebSocketApis, webSocketGetAtt, webSocketRef } from "./websocket.ts";
import { IMPLICIT_API, samApi, samApiEvents, samFunction, samFunctionName, type ApiEvent } from "./sam.ts";
import { cfnApiKey, cfnUsagePlanKey, KeyLedger, readUsagePlan } from "./security/api-keys.ts";
import type { EnforcedSecurity } from "./security/gate.ts";
import type { EnforcedStageSettings } from "./stage-settings.ts";
import type { StackContext } from "./stack-context.ts";
import { isObject, obj } from "./values.ts";
import { refuseWebAclOnApiStage } from "./waf.ts";

export interface StackOptions {
  parameterOverrides: Record<string, string>;
  stackName: string;
  region: string;
  accountId: string;
  enforced: EnforcedSecurity;
  enforcedStageSettings: EnforcedStageSettings;
}

const IGNORED_API_GATEWAY = new Set([
  "AWS::ApiGateway::RequestValidator", // read where a method references it
  "AWS::ApiGateway::Model", // read with its RestApi
  "AWS::ApiGateway::DocumentationPart",
  "AWS::ApiGateway::DocumentationVersion",
  "AWS::ApiGateway::Account",
  "AWS::ApiGateway::ClientCertificate",
]);
const HANDLED_API_GATEWAY = new Set([
  "AWS::ApiGateway::RestApi",
  "AWS::ApiGateway::Resource",
  "AWS::ApiGateway::Method",
  "AWS::ApiGateway::Deployment",
  "AWS::ApiGateway::Stage",
  "AWS::ApiGateway::GatewayResponse",
  "AWS::ApiGateway::Authorizer",
  "AWS::ApiGateway::ApiKey",
  "AWS::ApiGateway::UsagePlan",
  "AWS::ApiGateway::UsagePlanKey",
]);
const REFUSED: Record<string, string> = {
  "AWS::ApiGateway::DomainName": "custom domains are not supported yet",
  "AWS::ApiGateway::DomainNameV2": "custom domains are not supported yet",
  "AWS::ApiGateway::BasePathMapping": "custom domains are not supported yet",
  "AWS::ApiGateway::BasePathMappingV2": "custom domains are not supported yet",
  "AWS::ApiGateway::VpcLink": "VPC links are not supported yet",
};

function checkResourceType(t: Template, e: ResourceEntry, isSam: boolean): void {
  const at = child(e.path, "Type");
  if (e.type.startsWith("AWS::Serverless::") && !isSam) fail(t.file, at, `${e.type} needs Transform: AWS::Serverless-2016-10-31`);
  const refused = REFUSED[e.type];
  if (refused) fail(t.file, at, `${e.type}: ${refused}`);
  refuseWebAclOnApiStage(t, e);
  // HTTP APIs (AWS::Serverless::HttpApi, ApiGatewayV2 with ProtocolType HTTP): load/http-api.ts.
  const v2Refused = refusedV2(e.type);
  if (v2Refused) fail(t.file, at, `${e.type}: ${v2Refused}`);
  if (e.type.startsWith("AWS::ApiGatewayV2::") && !isWebSocketResource(t, e) && !claimsHttpApiResource(t, e)) fail(t.file, at, `${e.type}: ProtocolType must be HTTP or WEBSOCKET`);
  if (e.type.startsWith("AWS::ApiGateway::") && !IGNORED_API_GATEWAY.has(e.type) && !HANDLED_API_GATEWAY.has(e.type)) {
    fail(t.file, at, `${e.type} is not supported yet`);
  }
  if (e.type === "AWS::Serverless::StateMachine" && isObject(e.properties["Events"])) {
    for (const [name, ev] of Object.entries(e.properties["Events"])) {
      if (isObject(ev) && ev["Type"] === "Api") fail(t.file, child(child(child(e.path, "Properties"), "Events"), name), "Api events on state machines are not supported yet");
    }
  }
}

function hasImplicitApiEvent(t: Template): string | undefined {
  for (const e of t.resources.values()) {
    if (e.type !== "AWS::Serverless::Function" || !isObject(e.properties["Events"])) continue;
    for (const [name, ev] of Object.entries(e.properties["Events"])) {
      if (isObject(ev) && ev["Type"] === "Api" && !(isObject(ev["Properties"]) && ev["Properties"]["RestApiId"] !== undefined)) {
        return child(child(child(e.path, "Properties"), "Events"), name);
      }
    }
  }
  return undefined;
}

export function loadStack(doc: Record<string, unknown>, file: string, options: StackOptions, isSam: boolean): GatewayModel {
  const { region, accountId, stackName } = options;
  const t = new Template(doc, { file, stackName, region, accountId, parameterOverrides: options.parameterOverrides });
  const functions: Record<string, LambdaFunction> = {};
  const ctx: StackContext = { t, region, accountId, stackName, functions, index: new FunctionIndex(functions), stages: new Map(), enforced: options.enforced, enforcedStageSettings: options.enforcedStageSettings };

  for (const e of t.resources.values()) checkResourceType(t, e, isSam);
  const implicitAt = isSam ? hasImplicitApiEvent(t) : undefined;
  if (implicitAt !== undefined) {
    if (t.resources.has(IMPLICIT_API)) fail(file, child("$.Resources", IMPLICIT_API), `logical id ${IMPLICIT_API} is reserved for SAM's implicit API`);
    t.resources.set(IMPLICIT_API, { logicalId: IMPLICIT_API, type: "AWS::Serverless::Api", properties: {}, metadata: {}, path: implicitAt });
  }

  const apis = new CfnApis(ctx);
  const fnName = (e: ResourceEntry) => (e.type === "AWS::Serverless::Function" ? samFunctionName(ctx, e) : cfnFunctionName(ctx, e));
  t.hooks = {
    ref: (e) => {
      const v2 = httpApiRef(ctx, e);
      if (v2 !== undefined) return v2;
      if (API_TYPES.has(e.type)) return apiId(stackName, e.logicalId);
      if (e.type === "AWS::Serverless::Function" || e.type === "AWS::Lambda::Function") return fnName(e);
      if (e.type === "AWS::ApiGateway::Resource") return resourceId(apiId(stackName, apis.apiOf(e)), apis.resourcePath(e));
      if (e.type === "AWS::ApiGateway::Model") return cfnModelName(ctx, e);
      if (isWebSocketResource(t, e)) return webSocketRef(t, stackName, e);
      if (e.type === "AWS::ApiGateway::Authorizer") return authorizerId(apiId(stackName, apis.apiOf(e)), e.logicalId);
      if (e.type === "AWS::ApiGateway::ApiKey") return apiKeyId(stackName, e.logicalId);
      if (e.type === "AWS::ApiGateway::UsagePlan") return usagePlanId(stackName, e.logicalId);
      if (e.type === "AWS::ApiGateway::Stage") {
        const v = t.prop(e, "StageName");
        return typeof v === "string" ? v : undefined;
      }
      return undefined;
    },
    getAtt: (e, attr) => {
      const v2 = httpApiGetAtt(ctx, e, attr);
      if (v2 !== undefined) return v2;
      if ((e.type === "AWS::Serverless::Function" || e.type === "AWS::Lambda::Function") && attr === "Arn") return functionArn(region, accountId, fnName(e));
      if (isWebSocketResource(t, e)) return webSocketGetAtt(stackName, region, e, attr);
      if (API_TYPES.has(e.type) && attr === "RootResourceId") return resourceId(apiId(stackName, e.logicalId), "/");
      if (e.type === "AWS::ApiGateway::Resource" && attr === "ResourceId") return resourceId(apiId(stackName, apis.apiOf(e)), apis.resourcePath(e));
      // An access log destination (AccessLogSetting.DestinationArn: !GetAtt LogGroup.Arn); gateproof writes logs locally.
      if (e.type === "AWS::Logs::LogGroup" && attr === "Arn") {
        const name = t.prop(e, "LogGroupName");
        return `arn:${region.startsWith("cn-") ? "aws-cn" : "aws"}:logs:${region}:${accountId}:log-group:${typeof name === "string" ? name : `${stackName}-${e.logicalId}`}:*`;
      }
      return undefined;
    },
  };

  for (const e of t.resources.values()) {
    if (e.type === "AWS::Serverless::Function") functions[e.logicalId] = samFunction(ctx, e);
    else if (e.type === "AWS::Lambda::Function") functions[e.logicalId] = cfnFunction(ctx, e);
  }
  const events: ApiEvent[] = [];
  for (const e of t.resources.values()) {
    if (e.type === "AWS::Serverless::Function") events.push(...samApiEvents(ctx, e, functions[e.logicalId]!));
  }
  const httpEvents: HttpApiEvent[] = [];
  for (const e of t.resources.values()) {
    if (e.type === "AWS::Serverless::Function") httpEvents.push(...samHttpApiEvents(ctx, e, functions[e.logicalId]!));
  }
  collectStages(ctx, apis);

  const ledger = new KeyLedger();
  for (const e of t.resources.values()) {
    if (e.type === "AWS::ApiGateway::ApiKey") cfnApiKey(ctx, e, ledger);
  }
  for (const e of t.resources.values()) {
    if (e.type !== "AWS::ApiGateway::UsagePlan") continue;
    const path = child(e.path, "Properties");
    const props = obj(t.resolve(e.properties, path), file, path, "Properties");
    readUsagePlan(ctx, { logicalId: e.logicalId, props, file, path, apiOf: (v, p) => apis.apiOfId(v, p) }, ledger);
  }
  for (const e of t.resources.values()) {
    if (e.type === "AWS::ApiGateway::UsagePlanKey") cfnUsagePlanKey(ctx, e, ledger);
  }

  const restApis: RestApi[] = [];
  for (const e of t.resources.values()) {
    if (e.logicalId === IMPLICIT_API && implicitAt !== undefined) continue;
    const mine = events.filter((ev) => ev.apiLogicalId === e.logicalId);
    if (e.type === "AWS::Serverless::Api") restApis.push(samApi(ctx, e, mine, ledger));
    else if (e.type === "AWS::ApiGateway::RestApi") restApis.push(cfnRestApi(ctx, apis, e));
  }
  if (implicitAt !== undefined) restApis.push(samApi(ctx, undefined, events.filter((ev) => ev.apiLogicalId === IMPLICIT_API), ledger));
  ledger.check(restApis);
  const webSocketApis = loadWebSocketApis(ctx);
  const httpApis = loadHttpApis(ctx, httpEvents, isSam ? implicitHttpApiEventAt(t) : undefined);
  return { sourceFile: file, region, accountId, restApis, httpApis, webSocketApis, functions, apiKeys: ledger.apiKeys, usagePlans: ledger.usagePlans };
}
