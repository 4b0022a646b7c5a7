/** CloudFormation API Gateway and Lambda resources, in the shape `cdk synth` emits. */
import type { GatewayResponseConfig, GatewayResponseType, Integration, IntegrationResponse, LambdaFunction, Method, MethodResponse, RestApi } from "../model/types.ts";
import { fail } from "./errors.ts";
import { checkCodeDir, checkHandler, checkRuntime, makeFunction, writeInlineCode } from "./functions.ts";
import { apiId, generatedFunctionName, resourceId } from "./ids.ts";
import { checkHttpUri, connectionType, contentHandling, gatewayResponse, integrationType, passthrough, timeout } from "./integration.ts";
import type { ResourceEntry } from "./intrinsics.ts";
import { child } from "./json-path.ts";
import { readApiDefinition } from "./definition.ts";
import { addStage, type StackContext } from "./stack-context.ts";
import { buildTree, type BarePath, type Route } from "./tree.ts";
import { bool, boolMap, checkKeys, checkMethodSettings, int, isObject, list, obj, optStr, refuseAuth, stageName, stageVariables, str, stringMap } from "./values.ts";

export const API_TYPES = new Set(["AWS::ApiGateway::RestApi", "AWS::Serverless::Api"]);

const propPath = (entry: ResourceEntry, name: string) => child(child(entry.path, "Properties"), name);

// ------------------------------------------------------------------ functions

export function cfnFunctionName(ctx: StackContext, entry: ResourceEntry): string {
  return ctx.t.once(`fnname:${entry.logicalId}`, entry.path, () => {
    const v = ctx.t.prop(entry, "FunctionName");
    return v === undefined ? generatedFunctionName(ctx.stackName, entry.logicalId) : str(v, ctx.t.file, propPath(entry, "FunctionName"), "FunctionName");
  });
}

export function cfnFunction(ctx: StackContext, entry: ResourceEntry): LambdaFunction {
  const { t } = ctx;
  const file = t.file;
  const packageType = t.prop(entry, "PackageType");
  if (packageType !== undefined && packageType !== "Zip") fail(file, propPath(entry, "PackageType"), `PackageType ${String(packageType)} is not supported yet`);
  const runtime = checkRuntime(t.prop(entry, "Runtime"), file, entry.properties["Runtime"] === undefined ? entry.path : propPath(entry, "Runtime"));
  const codePath = propPath(entry, "Code");
  let codeDir: string;
  const asset = entry.metadata["aws:asset:path"];
  if (typeof asset === "string" && (entry.metadata["aws:asset:property"] ?? "Code") === "Code") {
    codeDir = checkCodeDir(t.localPath(asset), file, child(child(entry.path, "Metadata"), "aws:asset:path"));
  } else {
    const code = t.prop(entry, "Code");
    if (typeof code === "string") codeDir = checkCodeDir(t.localPath(code), file, codePath);
    else {
      const c = obj(code, file, codePath, "Code");
      if (c["ZipFile"] !== undefined) codeDir = writeInlineCode(str(c["ZipFile"], file, child(codePath, "ZipFile"), "Code.ZipFile"));
      else if (c["ImageUri"] !== undefined) return fail(file, child(codePath, "ImageUri"), "container image functions are not supported yet");
      else return fail(file, codePath, "S3 code locations are not supported yet (use Code.ZipFile, a local path, or CDK aws:asset:path metadata)");
    }
  }
  const env = obj(t.prop(entry, "Environment"), file, propPath(entry, "Environment"), "Environment");
  const timeoutV = t.prop(entry, "Timeout");
  const memory = t.prop(entry, "MemorySize");
  return makeFunction({
    logicalId: entry.logicalId,
    functionName: cfnFunctionName(ctx, entry),
    runtime,
    handler: checkHandler(t.prop(entry, "Handler"), file, entry.properties["Handler"] === undefined ? entry.path : propPath(entry, "Handler")),
    codeDir,
    timeoutSeconds: timeoutV === undefined ? 3 : int(timeoutV, file, propPath(entry, "Timeout"), "Timeout", 1, 900),
    memorySize: memory === undefined ? 128 : int(memory, file, propPath(entry, "MemorySize"), "MemorySize", 128, 10240),
    environment: stringMap(env["Variables"], file, child(propPath(entry, "Environment"), "Variables"), "Environment.Variables"),
    location: { file, path: entry.path },
    region: ctx.region,
    accountId: ctx.accountId,
  });
}

// ------------------------------------------------------------------ resource tree of explicit resources

/** Maps resolved API ids back to logical ids, and AWS::ApiGateway::Resource entries to full paths. */
export class CfnApis {
  private readonly byId = new Map<string, string>();
  private readonly idToPath = new Map<string, string>();

  constructor(private readonly ctx: StackContext) {
    for (const e of ctx.t.resources.values()) if (API_TYPES.has(e.type)) this.byId.set(apiId(ctx.stackName, e.logicalId), e.logicalId);
  }

  /** Logical id of the API a resource's `RestApiId` property refers to. */
  apiOf(entry: ResourceEntry): string {
    const p = propPath(entry, "RestApiId");
    const id = str(this.ctx.t.prop(entry, "RestApiId"), this.ctx.t.file, p, "RestApiId");
    const logical = this.byId.get(id);
    if (!logical) return fail(this.ctx.t.file, p, `RestApiId "${id}" does not refer to a RestApi in this template`);
    return logical;
  }

  /** Full path of an AWS::ApiGateway::Resource. */
  resourcePath(entry: ResourceEntry): string {
    const { t } = this.ctx;
    return t.once(`respath:${entry.logicalId}`, entry.path, () => {
      const api = apiId(this.ctx.stackName, this.apiOf(entry));
      const parent = str(t.prop(entry, "ParentId"), t.file, propPath(entry, "ParentId"), "ParentId");
      const parentPath = this.pathOfId(api, parent, propPath(entry, "ParentId"));
      const part = str(t.prop(entry, "PathPart"), t.file, propPath(entry, "PathPart"), "PathPart");
      const path = parentPath === "/" ? `/${part}` : `${parentPath}/${part}`;
      this.idToPath.set(resourceId(api, path), path);
      return path;
    });
  }

  pathOfId(api: string, id: string, jsonPath: string): string {
    if (id === resourceId(api, "/")) return "/";
    const path = this.idToPath.get(id);
    if (path === undefined) return fail(this.ctx.t.file, jsonPath, `"${id}" is not a resource of this RestApi`);
    return path;
  }
}

// ------------------------------------------------------------------ stages

const STAGE_DESCRIPTION_KEYS = new Set(["Variables", "Description", "MethodSettings", "LoggingLevel", "MetricsEnabled", "DataTraceEnabled", "TracingEnabled", "AccessLogSetting", "Tags", "CacheClusterEnabled", "CachingEnabled", "DocumentationVersion", "ClientCertificateId", "CacheClusterSize"]);
const STAGE_KEYS = new Set(["RestApiId", "StageName", "DeploymentId", "Variables", "Description", "MethodSettings", "TracingEnabled", "AccessLogSetting", "Tags", "CacheClusterEnabled", "CacheClusterSize", "ClientCertificateId", "DocumentationVersion"]);
const DEPLOYMENT_KEYS = new Set(["RestApiId", "StageName", "StageDescription", "Description"]);

function checkCaching(o: Record<string, unknown>, file: string, path: string): void {
  for (const k of ["CacheClusterEnabled", "CachingEnabled"]) {
    if (bool(o[k], file, child(path, k), k)) fail(file, child(path, k), `${k} (caching) is not supported yet`);
  }
  if (o["MethodSettings"] !== undefined) checkMethodSettings(o["MethodSettings"], file, child(path, "MethodSettings"));
}

export function collectStages(ctx: StackContext, apis: CfnApis): void {
  const { t } = ctx;
  const file = t.file;
  for (const e of t.resources.values()) {
    const pp = child(e.path, "Properties");
    if (e.type === "AWS::ApiGateway::Deployment") {
      checkKeys(e.properties, DEPLOYMENT_KEYS, file, pp, "AWS::ApiGateway::Deployment", { DeploymentCanarySettings: "DeploymentCanarySettings (canary) is not supported yet" });
      const api = apis.apiOf(e);
      const name = t.prop(e, "StageName");
      if (name === undefined) continue;
      const sd = obj(t.prop(e, "StageDescription"), file, child(pp, "StageDescription"), "StageDescription");
      checkKeys(sd, STAGE_DESCRIPTION_KEYS, file, child(pp, "StageDescription"), "StageDescription", { CanarySetting: "CanarySetting (canary) is not supported yet" });
      checkCaching(sd, file, child(pp, "StageDescription"));
      addStage(ctx, api, { name: stageName(name, file, child(pp, "StageName")), variables: stageVariables(sd["Variables"], file, child(child(pp, "StageDescription"), "Variables")) });
    } else if (e.type === "AWS::ApiGateway::Stage") {
      checkKeys(e.properties, STAGE_KEYS, file, pp, "AWS::ApiGateway::Stage", { CanarySetting: "CanarySetting (canary) is not supported yet" });
      const api = apis.apiOf(e);
      const resolved = obj(t.resolve(e.properties, pp), file, pp, "Properties");
      checkCaching(resolved, file, pp);
      addStage(ctx, api, { name: stageName(resolved["StageName"], file, child(pp, "StageName")), variables: stageVariables(resolved["Variables"], file, child(pp, "Variables")) });
    }
  }
}

// ------------------------------------------------------------------ methods

const METHOD_KEYS = new Set(["HttpMethod", "ResourceId", "RestApiId", "AuthorizationType", "AuthorizerId", "ApiKeyRequired", "AuthorizationScopes", "RequestParameters", "MethodResponses", "Integration", "OperationName", "RequestModels", "RequestValidatorId"]);
const INTEGRATION_KEYS = new Set(["Type", "Uri", "IntegrationHttpMethod", "RequestParameters", "RequestTemplates", "PassthroughBehavior", "TimeoutInMillis", "ContentHandling", "IntegrationResponses", "CacheKeyParameters", "CacheNamespace", "Credentials", "ConnectionType", "ConnectionId"]);

function cfnMethod(ctx: StackContext, apis: CfnApis, entry: ResourceEntry, api: string): Route {
  const { t } = ctx;
  const file = t.file;
  const pp = child(entry.path, "Properties");
  checkKeys(entry.properties, METHOD_KEYS, file, pp, "AWS::ApiGateway::Method");
  if (entry.properties["AuthorizerId"] !== undefined) {
    const a = entry.properties["AuthorizerId"];
    const name = isObject(a) && typeof a["Ref"] === "string" ? a["Ref"] : String(t.prop(entry, "AuthorizerId"));
    refuseAuth(file, child(pp, "AuthorizerId"), `authorizer "${name}"`);
  }
  const authType = optStr(t.prop(entry, "AuthorizationType"), file, child(pp, "AuthorizationType"), "AuthorizationType");
  if (authType !== undefined && authType !== "NONE") refuseAuth(file, child(pp, "AuthorizationType"), `authorization type ${authType}`);
  if (bool(t.prop(entry, "ApiKeyRequired"), file, child(pp, "ApiKeyRequired"), "ApiKeyRequired")) refuseAuth(file, child(pp, "ApiKeyRequired"), "API key requirement (ApiKeyRequired)");
  if (list(t.prop(entry, "AuthorizationScopes"), file, child(pp, "AuthorizationScopes"), "AuthorizationScopes").length > 0) refuseAuth(file, child(pp, "AuthorizationScopes"), "authorization scopes");
  const validatorRaw = entry.properties["RequestValidatorId"];
  if (validatorRaw !== undefined) {
    const vp = child(pp, "RequestValidatorId");
    const ref = isObject(validatorRaw) && typeof validatorRaw["Ref"] === "string" ? validatorRaw["Ref"] : undefined;
    const v = ref ? t.resources.get(ref) : undefined;
    if (!v || v.type !== "AWS::ApiGateway::RequestValidator") fail(file, vp, "RequestValidatorId must be a Ref to an AWS::ApiGateway::RequestValidator");
    if (bool(t.prop(v, "ValidateRequestBody"), file, vp, "ValidateRequestBody") || bool(t.prop(v, "ValidateRequestParameters"), file, vp, "ValidateRequestParameters")) {
      fail(file, vp, `request validation (validator "${v.logicalId}") is not supported yet`);
    }
  }
  const httpMethod = str(t.prop(entry, "HttpMethod"), file, child(pp, "HttpMethod"), "HttpMethod").toUpperCase();
  const resId = str(t.prop(entry, "ResourceId"), file, child(pp, "ResourceId"), "ResourceId");
  const path = apis.pathOfId(apiId(ctx.stackName, api), resId, child(pp, "ResourceId"));

  const methodResponses: Record<string, MethodResponse> = {};
  const mrPath = child(pp, "MethodResponses");
  list(t.prop(entry, "MethodResponses"), file, mrPath, "MethodResponses").forEach((r, i) => {
    const o = obj(r, file, child(mrPath, i), "method response");
    const statusCode = str(o["StatusCode"], file, child(child(mrPath, i), "StatusCode"), "StatusCode");
    methodResponses[statusCode] = { statusCode, responseParameters: boolMap(o["ResponseParameters"], file, child(child(mrPath, i), "ResponseParameters"), "ResponseParameters") };
  });

  const ip = child(pp, "Integration");
  if (entry.properties["Integration"] === undefined) fail(file, pp, `${httpMethod} method has no Integration`);
  const i = obj(t.prop(entry, "Integration"), file, ip, "Integration");
  checkKeys(i, INTEGRATION_KEYS, file, ip, "Integration");
  const at = (k: string) => child(ip, k);
  const type = integrationType(i["Type"], file, at("Type"));
  connectionType(i["ConnectionType"], file, at("ConnectionType"));
  const integration: Integration = {
    type,
    requestParameters: stringMap(i["RequestParameters"], file, at("RequestParameters"), "RequestParameters"),
    requestTemplates: stringMap(i["RequestTemplates"], file, at("RequestTemplates"), "RequestTemplates"),
    passthroughBehavior: passthrough(i["PassthroughBehavior"], file, at("PassthroughBehavior")),
    timeoutInMillis: timeout(i["TimeoutInMillis"], file, at("TimeoutInMillis")),
    integrationResponses: [],
    cacheKeyParameters: list(i["CacheKeyParameters"], file, at("CacheKeyParameters"), "CacheKeyParameters").map((k, n) => str(k, file, child(at("CacheKeyParameters"), n), "cache key parameter")),
  };
  const ch = contentHandling(i["ContentHandling"], file, at("ContentHandling"));
  if (ch) integration.contentHandling = ch;
  const ihm = optStr(i["IntegrationHttpMethod"], file, at("IntegrationHttpMethod"), "IntegrationHttpMethod");
  if (ihm !== undefined) integration.httpMethod = ihm.toUpperCase();
  if (type !== "MOCK") {
    const uri = str(i["Uri"] ?? fail(file, ip, `${type} integration needs a Uri`), file, at("Uri"), "Uri");
    integration.uri = uri;
    if (ihm === undefined) fail(file, ip, `${type} integration needs an IntegrationHttpMethod`);
    if (type === "AWS_PROXY") {
      if (integration.httpMethod !== "POST") fail(file, at("IntegrationHttpMethod"), `IntegrationHttpMethod must be POST for a Lambda integration, got ${ihm}`);
      integration.functionLogicalId = ctx.index.resolveUri(uri, file, at("Uri"));
    } else checkHttpUri(uri, file, at("Uri"));
  }
  list(i["IntegrationResponses"], file, at("IntegrationResponses"), "IntegrationResponses").forEach((r, n) => {
    const rp = child(at("IntegrationResponses"), n);
    const o = obj(r, file, rp, "integration response");
    const ir: IntegrationResponse = {
      statusCode: str(o["StatusCode"], file, child(rp, "StatusCode"), "StatusCode"),
      responseParameters: stringMap(o["ResponseParameters"], file, child(rp, "ResponseParameters"), "ResponseParameters"),
      responseTemplates: stringMap(o["ResponseTemplates"], file, child(rp, "ResponseTemplates"), "ResponseTemplates"),
    };
    const sp = optStr(o["SelectionPattern"], file, child(rp, "SelectionPattern"), "SelectionPattern");
    if (sp !== undefined && sp !== "") ir.selectionPattern = sp;
    const rch = contentHandling(o["ContentHandling"], file, child(rp, "ContentHandling"));
    if (rch) ir.contentHandling = rch;
    integration.integrationResponses.push(ir);
  });
  const method: Method = {
    httpMethod,
    authorizationType: "NONE",
    apiKeyRequired: false,
    requestParameters: boolMap(t.prop(entry, "RequestParameters"), file, child(pp, "RequestParameters"), "RequestParameters"),
    methodResponses,
    integration,
    location: { file, path: entry.path },
  };
  return { path, method, file, jsonPath: child(pp, "ResourceId") };
}

// ------------------------------------------------------------------ RestApi

const REST_API_KEYS = new Set(["Name", "Body", "BodyS3Location", "BinaryMediaTypes", "ApiKeySourceType", "Description", "EndpointConfiguration", "Tags", "FailOnWarnings", "Mode", "Parameters", "DisableExecuteApiEndpoint"]);

export function cfnRestApi(ctx: StackContext, apis: CfnApis, entry: ResourceEntry): RestApi {
  const { t } = ctx;
  const file = t.file;
  const pp = child(entry.path, "Properties");
  if (entry.properties["Policy"] !== undefined) refuseAuth(file, child(pp, "Policy"), "resource policy (Policy)");
  checkKeys(entry.properties, REST_API_KEYS, file, pp, "AWS::ApiGateway::RestApi", {
    CloneFrom: "CloneFrom is not supported yet",
    MinimumCompressionSize: "MinimumCompressionSize is not supported yet",
  });
  if (bool(t.prop(entry, "DisableExecuteApiEndpoint"), file, child(pp, "DisableExecuteApiEndpoint"), "DisableExecuteApiEndpoint")) {
    fail(file, child(pp, "DisableExecuteApiEndpoint"), "DisableExecuteApiEndpoint is not supported yet");
  }
  const id = apiId(ctx.stackName, entry.logicalId);
  const definition = readApiDefinition(ctx, entry, "Body", "BodyS3Location");
  const routes: Route[] = definition ? [...definition.parts.routes] : [];
  const bare: BarePath[] = [];
  const gatewayResponses: Partial<Record<GatewayResponseType, GatewayResponseConfig>> = { ...(definition?.parts.gatewayResponses ?? {}) };
  for (const e of t.resources.values()) {
    if (e.type === "AWS::ApiGateway::Resource" && apis.apiOf(e) === entry.logicalId) {
      bare.push({ path: apis.resourcePath(e), file, jsonPath: propPath(e, "PathPart") });
    }
  }
  for (const e of t.resources.values()) {
    if (e.type === "AWS::ApiGateway::Method" && apis.apiOf(e) === entry.logicalId) {
      const route = cfnMethod(ctx, apis, e, entry.logicalId);
      routes.push(route);
    } else if (e.type === "AWS::ApiGateway::GatewayResponse" && apis.apiOf(e) === entry.logicalId) {
      const p = child(e.path, "Properties");
      const [type, config] = gatewayResponse(
        str(t.prop(e, "ResponseType"), file, child(p, "ResponseType"), "ResponseType"),
        t.prop(e, "StatusCode"),
        stringMap(t.prop(e, "ResponseParameters"), file, child(p, "ResponseParameters"), "ResponseParameters"),
        stringMap(t.prop(e, "ResponseTemplates"), file, child(p, "ResponseTemplates"), "ResponseTemplates"),
        file,
        child(p, "ResponseType"),
        child(p, "StatusCode"),
      );
      gatewayResponses[type] = config;
    }
  }
  const binaryMediaTypes = [...(definition?.parts.binaryMediaTypes ?? [])];
  list(t.prop(entry, "BinaryMediaTypes"), file, child(pp, "BinaryMediaTypes"), "BinaryMediaTypes").forEach((m, i) => {
    const type = str(m, file, child(child(pp, "BinaryMediaTypes"), i), "binary media type");
    if (!binaryMediaTypes.includes(type)) binaryMediaTypes.push(type);
  });
  let apiKeySource = definition?.parts.apiKeySource ?? "HEADER";
  const ks = t.prop(entry, "ApiKeySourceType");
  if (ks !== undefined) {
    if (ks !== "HEADER" && ks !== "AUTHORIZER") fail(file, child(pp, "ApiKeySourceType"), "ApiKeySourceType must be HEADER or AUTHORIZER");
    apiKeySource = ks;
  }
  const stages = ctx.stages.get(entry.logicalId) ?? [];
  if (stages.length === 0) fail(file, entry.path, `RestApi "${entry.logicalId}" has no stage (add an AWS::ApiGateway::Stage or a Deployment with StageName)`);
  const nameV = t.prop(entry, "Name");
  return {
    logicalId: entry.logicalId,
    id,
    name: nameV !== undefined ? str(nameV, file, child(pp, "Name"), "Name") : (definition?.parts.title ?? entry.logicalId),
    stages,
    root: buildTree(id, routes, bare),
    binaryMediaTypes,
    apiKeySource,
    gatewayResponses,
    location: { file, path: entry.path },
  };
}
