/** CloudFormation API Gateway and Lambda resources, in the shape `cdk synth` emits. */
import type { CanarySettings, GatewayResponseConfig, GatewayResponseType, LambdaFunction, Method, MethodResponse, RequestValidator, RestApi } from "../model/types.ts";
import { fail } from "./errors.ts";
import { checkCodeDir, checkHandler, checkRuntime, makeFunction, writeInlineCode } from "./functions.ts";
import { apiId, generatedFunctionName, resourceId } from "./ids.ts";
import { gatewayResponse, readIntegration, type IntegrationDialect } from "./integration.ts";
import type { ResourceEntry } from "./intrinsics.ts";
import { child } from "./json-path.ts";
import { readApiDefinition } from "./definition.ts";
import { ModelSet, schemaValue } from "./models.ts";
import { addStage, type StackContext } from "./stack-context.ts";
import { buildTree, type BarePath, type Route } from "./tree.ts";
import { bool, boolMap, checkKeys, checkMethodSettings, int, isObject, list, obj, optStr, refuseAuth, stageName, stageVariables, str, stringMap } from "./values.ts";

export const API_TYPES = new Set(["AWS::ApiGateway::RestApi", "AWS::Serverless::Api"]);

const propPath = (entry: ResourceEntry, name: string) => child(child(entry.path, "Properties"), name);

// ------------------------------------------------------------------ functions

export function cfnFunctionName(ctx: StackContext, entry: ResourceEntry): string {
  return ctx.t.once(`fnname:${entry.logicalId}`, entry.path, () => {
    const name = ctx.t.prop(entry, "FunctionName");
    return name === undefined ? generatedFunctionName(ctx.stackName, entry.logicalId) : str(name, ctx.t.file, propPath(entry, "FunctionName"), "FunctionName");
  });
}

export function cfnFunction(ctx: StackContext, entry: ResourceEntry): LambdaFunction {
  const template = ctx.t;
  const file = template.file;
  const packageType = template.prop(entry, "PackageType");
  if (packageType !== undefined && packageType !== "Zip") fail(file, propPath(entry, "PackageType"), `PackageType ${String(packageType)} is not supported yet`);
  const runtime = checkRuntime(template.prop(entry, "Runtime"), file, entry.properties["Runtime"] === undefined ? entry.path : propPath(entry, "Runtime"));
  const codePath = propPath(entry, "Code");
  let codeDir: string;
  const asset = entry.metadata["aws:asset:path"];
  if (typeof asset === "string" && (entry.metadata["aws:asset:property"] ?? "Code") === "Code") {
    codeDir = checkCodeDir(template.localPath(asset), file, child(child(entry.path, "Metadata"), "aws:asset:path"));
  } else {
    const code = template.prop(entry, "Code");
    if (typeof code === "string") codeDir = checkCodeDir(template.localPath(code), file, codePath);
    else {
      const codeProps = obj(code, file, codePath, "Code");
      if (codeProps["ZipFile"] !== undefined) codeDir = writeInlineCode(str(codeProps["ZipFile"], file, child(codePath, "ZipFile"), "Code.ZipFile"));
      else if (codeProps["ImageUri"] !== undefined) return fail(file, child(codePath, "ImageUri"), "container image functions are not supported yet");
      else return fail(file, codePath, "S3 code locations are not supported yet (use Code.ZipFile, a local path, or CDK aws:asset:path metadata)");
    }
  }
  const env = obj(template.prop(entry, "Environment"), file, propPath(entry, "Environment"), "Environment");
  const timeoutV = template.prop(entry, "Timeout");
  const memory = template.prop(entry, "MemorySize");
  return makeFunction({
    logicalId: entry.logicalId,
    functionName: cfnFunctionName(ctx, entry),
    runtime,
    handler: checkHandler(template.prop(entry, "Handler"), file, entry.properties["Handler"] === undefined ? entry.path : propPath(entry, "Handler")),
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
    for (const resource of ctx.t.resources.values()) if (API_TYPES.has(resource.type)) this.byId.set(apiId(ctx.stackName, resource.logicalId), resource.logicalId);
  }

  /** Logical id of the API a resource's `RestApiId` property refers to. */
  apiOf(entry: ResourceEntry): string {
    const idPath = propPath(entry, "RestApiId");
    const id = str(this.ctx.t.prop(entry, "RestApiId"), this.ctx.t.file, idPath, "RestApiId");
    const logical = this.byId.get(id);
    if (!logical) return fail(this.ctx.t.file, idPath, `RestApiId "${id}" does not refer to a RestApi in this template`);
    return logical;
  }

  /** Full path of an AWS::ApiGateway::Resource. */
  resourcePath(entry: ResourceEntry): string {
    const template = this.ctx.t;
    return template.once(`respath:${entry.logicalId}`, entry.path, () => {
      const api = apiId(this.ctx.stackName, this.apiOf(entry));
      const parent = str(template.prop(entry, "ParentId"), template.file, propPath(entry, "ParentId"), "ParentId");
      const parentPath = this.pathOfId(api, parent, propPath(entry, "ParentId"));
      const part = str(template.prop(entry, "PathPart"), template.file, propPath(entry, "PathPart"), "PathPart");
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

const STAGE_DESCRIPTION_KEYS = new Set(["Variables", "Description", "MethodSettings", "LoggingLevel", "MetricsEnabled", "DataTraceEnabled", "TracingEnabled", "AccessLogSetting", "Tags", "CacheClusterEnabled", "CachingEnabled", "DocumentationVersion", "ClientCertificateId", "CacheClusterSize", "CanarySetting"]);
const STAGE_KEYS = new Set(["RestApiId", "StageName", "DeploymentId", "Variables", "Description", "MethodSettings", "TracingEnabled", "AccessLogSetting", "Tags", "CacheClusterEnabled", "CacheClusterSize", "ClientCertificateId", "DocumentationVersion", "CanarySetting"]);
const DEPLOYMENT_KEYS = new Set(["RestApiId", "StageName", "StageDescription", "Description", "DeploymentCanarySettings"]);
const CANARY_KEYS = new Set(["PercentTraffic", "StageVariableOverrides", "UseStageCache", "DeploymentId"]);

/**
 * A canary setting (Stage `CanarySetting`, Deployment `StageDescription.CanarySetting` / `DeploymentCanarySettings`,
 * SAM Api `CanarySetting`): PercentTraffic is a percentage, 0.0..100.0 (AWS::ApiGateway::Stage CanarySetting).
 */
export function canarySettings(v: unknown, file: string, path: string): CanarySettings | undefined {
  if (v === undefined || v === null) return undefined;
  const o = obj(v, file, path, "CanarySetting");
  checkKeys(o, CANARY_KEYS, file, path, "CanarySetting");
  const rawPercent = o["PercentTraffic"];
  const percent = rawPercent === undefined || rawPercent === null ? 0 : typeof rawPercent === "string" && rawPercent.trim() !== "" ? Number(rawPercent) : rawPercent;
  if (typeof percent !== "number" || !Number.isFinite(percent)) return fail(file, child(path, "PercentTraffic"), "PercentTraffic must be a number");
  if (percent < 0 || percent > 100) fail(file, child(path, "PercentTraffic"), `PercentTraffic ${percent} is outside 0..100`);
  return {
    percentTraffic: percent,
    stageVariableOverrides: stageVariables(o["StageVariableOverrides"], file, child(path, "StageVariableOverrides")),
    useStageCache: bool(o["UseStageCache"], file, child(path, "UseStageCache"), "UseStageCache"),
  };
}

function checkCaching(settings: Record<string, unknown>, file: string, path: string): void {
  for (const key of ["CacheClusterEnabled", "CachingEnabled"]) {
    if (bool(settings[key], file, child(path, key), key)) fail(file, child(path, key), `${key} (caching) is not supported yet`);
  }
  if (settings["MethodSettings"] !== undefined) checkMethodSettings(settings["MethodSettings"], file, child(path, "MethodSettings"));
}

export function collectStages(ctx: StackContext, apis: CfnApis): void {
  const template = ctx.t;
  const file = template.file;
  for (const resource of template.resources.values()) {
    const propsPath = child(resource.path, "Properties");
    if (resource.type === "AWS::ApiGateway::Deployment") {
      checkKeys(resource.properties, DEPLOYMENT_KEYS, file, propsPath, "AWS::ApiGateway::Deployment");
      const api = apis.apiOf(resource);
      const name = template.prop(resource, "StageName");
      // DeploymentCanarySettings: this deployment is the canary of the stage it deploys to.
      const deploymentCanary = canarySettings(template.prop(resource, "DeploymentCanarySettings"), file, child(propsPath, "DeploymentCanarySettings"));
      if (name === undefined) {
        if (deploymentCanary) fail(file, child(propsPath, "DeploymentCanarySettings"), "DeploymentCanarySettings needs a StageName to deploy the canary to");
        continue;
      }
      const descriptionPath = child(propsPath, "StageDescription");
      const stageDescription = obj(template.prop(resource, "StageDescription"), file, descriptionPath, "StageDescription");
      checkKeys(stageDescription, STAGE_DESCRIPTION_KEYS, file, descriptionPath, "StageDescription");
      checkCaching(stageDescription, file, descriptionPath);
      const canary = canarySettings(stageDescription["CanarySetting"], file, child(descriptionPath, "CanarySetting")) ?? deploymentCanary;
      addStage(ctx, api, {
        name: stageName(name, file, child(propsPath, "StageName")),
        variables: stageVariables(stageDescription["Variables"], file, child(descriptionPath, "Variables")),
        ...(canary ? { canary } : {}),
      });
    } else if (resource.type === "AWS::ApiGateway::Stage") {
      checkKeys(resource.properties, STAGE_KEYS, file, propsPath, "AWS::ApiGateway::Stage");
      const api = apis.apiOf(resource);
      const resolved = obj(template.resolve(resource.properties, propsPath), file, propsPath, "Properties");
      checkCaching(resolved, file, propsPath);
      const canary = canarySettings(resolved["CanarySetting"], file, child(propsPath, "CanarySetting"));
      addStage(ctx, api, {
        name: stageName(resolved["StageName"], file, child(propsPath, "StageName")),
        variables: stageVariables(resolved["Variables"], file, child(propsPath, "Variables")),
        ...(canary ? { canary } : {}),
      });
    }
  }
}

// ------------------------------------------------------------------ methods

const METHOD_KEYS = new Set(["HttpMethod", "ResourceId", "RestApiId", "AuthorizationType", "AuthorizerId", "ApiKeyRequired", "AuthorizationScopes", "RequestParameters", "MethodResponses", "Integration", "OperationName", "RequestModels", "RequestValidatorId"]);
const INTEGRATION_KEYS = new Set(["Type", "Uri", "IntegrationHttpMethod", "RequestParameters", "RequestTemplates", "PassthroughBehavior", "TimeoutInMillis", "ContentHandling", "IntegrationResponses", "CacheKeyParameters", "CacheNamespace", "Credentials", "ConnectionType", "ConnectionId"]);
const CFN_INTEGRATION: IntegrationDialect = {
  type: "Type",
  connectionType: "ConnectionType",
  requestParameters: "RequestParameters",
  requestTemplates: "RequestTemplates",
  passthroughBehavior: "PassthroughBehavior",
  timeoutInMillis: "TimeoutInMillis",
  cacheKeyParameters: "CacheKeyParameters",
  contentHandling: "ContentHandling",
  httpMethod: "IntegrationHttpMethod",
  uri: "Uri",
  credentials: "Credentials",
  statusCode: "StatusCode",
  responseParameters: "ResponseParameters",
  responseTemplates: "ResponseTemplates",
  responses: { shape: "list", key: "IntegrationResponses", selectionPattern: "SelectionPattern" },
};

/** An AWS::ApiGateway::RequestValidator (Name defaults to the logical id, as CloudFormation generates one). */
function cfnValidator(ctx: StackContext, entry: ResourceEntry): RequestValidator {
  const { t } = ctx;
  const propsPath = child(entry.path, "Properties");
  checkKeys(entry.properties, new Set(["RestApiId", "Name", "ValidateRequestBody", "ValidateRequestParameters"]), t.file, propsPath, "AWS::ApiGateway::RequestValidator");
  const name = t.prop(entry, "Name");
  return {
    name: name === undefined ? entry.logicalId : str(name, t.file, child(propsPath, "Name"), "Name"),
    validateRequestBody: bool(t.prop(entry, "ValidateRequestBody"), t.file, child(propsPath, "ValidateRequestBody"), "ValidateRequestBody"),
    validateRequestParameters: bool(t.prop(entry, "ValidateRequestParameters"), t.file, child(propsPath, "ValidateRequestParameters"), "ValidateRequestParameters"),
  };
}

/** Name an AWS::ApiGateway::Model is known by (its `Ref`): Name, else the logical id. */
export function cfnModelName(ctx: StackContext, entry: ResourceEntry): string {
  const name = ctx.t.prop(entry, "Name");
  return name === undefined ? entry.logicalId : str(name, ctx.t.file, propPath(entry, "Name"), "Name");
}

function cfnMethod(ctx: StackContext, apis: CfnApis, entry: ResourceEntry, api: string, models: ModelSet): Route {
  const template = ctx.t;
  const file = template.file;
  const propsPath = child(entry.path, "Properties");
  checkKeys(entry.properties, METHOD_KEYS, file, propsPath, "AWS::ApiGateway::Method");
  if (entry.properties["AuthorizerId"] !== undefined) {
    const authorizer = entry.properties["AuthorizerId"];
    const name = isObject(authorizer) && typeof authorizer["Ref"] === "string" ? authorizer["Ref"] : String(template.prop(entry, "AuthorizerId"));
    refuseAuth(file, child(propsPath, "AuthorizerId"), `authorizer "${name}"`);
  }
  const authType = optStr(template.prop(entry, "AuthorizationType"), file, child(propsPath, "AuthorizationType"), "AuthorizationType");
  if (authType !== undefined && authType !== "NONE") refuseAuth(file, child(propsPath, "AuthorizationType"), `authorization type ${authType}`);
  if (bool(template.prop(entry, "ApiKeyRequired"), file, child(propsPath, "ApiKeyRequired"), "ApiKeyRequired")) refuseAuth(file, child(propsPath, "ApiKeyRequired"), "API key requirement (ApiKeyRequired)");
  if (list(template.prop(entry, "AuthorizationScopes"), file, child(propsPath, "AuthorizationScopes"), "AuthorizationScopes").length > 0) refuseAuth(file, child(propsPath, "AuthorizationScopes"), "authorization scopes");
  const validatorRaw = entry.properties["RequestValidatorId"];
  let requestValidator: RequestValidator | undefined;
  if (validatorRaw !== undefined) {
    const validatorPath = child(propsPath, "RequestValidatorId");
    const ref = isObject(validatorRaw) && typeof validatorRaw["Ref"] === "string" ? validatorRaw["Ref"] : undefined;
    const validator = ref ? template.resources.get(ref) : undefined;
    if (!validator || validator.type !== "AWS::ApiGateway::RequestValidator") return fail(file, validatorPath, "RequestValidatorId must be a Ref to an AWS::ApiGateway::RequestValidator");
    if (apis.apiOf(validator) !== api) fail(file, validatorPath, `request validator "${validator.logicalId}" belongs to another RestApi`);
    requestValidator = cfnValidator(ctx, validator);
  }
  const requestModels: Record<string, string> = {};
  const modelsPath = child(propsPath, "RequestModels");
  for (const [type, name] of Object.entries(stringMap(template.prop(entry, "RequestModels"), file, modelsPath, "RequestModels"))) {
    requestModels[type] = models.need(name, file, child(modelsPath, type));
  }
  const httpMethod = str(template.prop(entry, "HttpMethod"), file, child(propsPath, "HttpMethod"), "HttpMethod").toUpperCase();
  const resId = str(template.prop(entry, "ResourceId"), file, child(propsPath, "ResourceId"), "ResourceId");
  const path = apis.pathOfId(apiId(ctx.stackName, api), resId, child(propsPath, "ResourceId"));

  const methodResponses: Record<string, MethodResponse> = {};
  const methodResponsesPath = child(propsPath, "MethodResponses");
  list(template.prop(entry, "MethodResponses"), file, methodResponsesPath, "MethodResponses").forEach((rawResponse, index) => {
    const responsePath = child(methodResponsesPath, index);
    const response = obj(rawResponse, file, responsePath, "method response");
    const statusCode = str(response["StatusCode"], file, child(responsePath, "StatusCode"), "StatusCode");
    methodResponses[statusCode] = { statusCode, responseParameters: boolMap(response["ResponseParameters"], file, child(responsePath, "ResponseParameters"), "ResponseParameters") };
  });

  const integrationPath = child(propsPath, "Integration");
  if (entry.properties["Integration"] === undefined) fail(file, propsPath, `${httpMethod} method has no Integration`);
  const integrationFields = obj(template.prop(entry, "Integration"), file, integrationPath, "Integration");
  checkKeys(integrationFields, INTEGRATION_KEYS, file, integrationPath, "Integration");
  const integration = readIntegration(integrationFields, CFN_INTEGRATION, ctx.index, file, integrationPath);
  const method: Method = {
    httpMethod,
    authorizationType: "NONE",
    authorizationScopes: [],
    apiKeyRequired: false,
    requestModels,
    ...(requestValidator ? { requestValidator } : {}),
    requestParameters: boolMap(template.prop(entry, "RequestParameters"), file, child(propsPath, "RequestParameters"), "RequestParameters"),
    methodResponses,
    integration,
    location: { file, path: entry.path },
  };
  return { path, method, file, jsonPath: child(propsPath, "ResourceId") };
}

// ------------------------------------------------------------------ RestApi

const REST_API_KEYS = new Set(["Name", "Body", "BodyS3Location", "BinaryMediaTypes", "ApiKeySourceType", "Description", "EndpointConfiguration", "Tags", "FailOnWarnings", "Mode", "Parameters", "DisableExecuteApiEndpoint"]);

export function cfnRestApi(ctx: StackContext, apis: CfnApis, entry: ResourceEntry): RestApi {
  const template = ctx.t;
  const file = template.file;
  const propsPath = child(entry.path, "Properties");
  if (entry.properties["Policy"] !== undefined) refuseAuth(file, child(propsPath, "Policy"), "resource policy (Policy)");
  checkKeys(entry.properties, REST_API_KEYS, file, propsPath, "AWS::ApiGateway::RestApi", {
    CloneFrom: "CloneFrom is not supported yet",
    MinimumCompressionSize: "MinimumCompressionSize is not supported yet",
  });
  if (bool(template.prop(entry, "DisableExecuteApiEndpoint"), file, child(propsPath, "DisableExecuteApiEndpoint"), "DisableExecuteApiEndpoint")) {
    fail(file, child(propsPath, "DisableExecuteApiEndpoint"), "DisableExecuteApiEndpoint is not supported yet");
  }
  const id = apiId(ctx.stackName, entry.logicalId);
  const definition = readApiDefinition(ctx, entry, "Body", "BodyS3Location");
  const routes: Route[] = definition ? [...definition.parts.routes] : [];
  const bare: BarePath[] = [];
  const gatewayResponses: Partial<Record<GatewayResponseType, GatewayResponseConfig>> = { ...(definition?.parts.gatewayResponses ?? {}) };
  for (const resource of template.resources.values()) {
    if (resource.type === "AWS::ApiGateway::Resource" && apis.apiOf(resource) === entry.logicalId) {
      bare.push({ path: apis.resourcePath(resource), file, jsonPath: propPath(resource, "PathPart") });
    }
  }
  const models = definition?.parts.models ?? new ModelSet();
  for (const resource of template.resources.values()) {
    if (resource.type !== "AWS::ApiGateway::Model" || apis.apiOf(resource) !== entry.logicalId) continue;
    const modelProps = child(resource.path, "Properties");
    checkKeys(resource.properties, new Set(["RestApiId", "Name", "ContentType", "Schema", "Description"]), file, modelProps, "AWS::ApiGateway::Model");
    const contentType = template.prop(resource, "ContentType");
    const schemaPath = child(modelProps, "Schema");
    const schema = resource.properties["Schema"] === undefined ? {} : schemaValue(template.prop(resource, "Schema"), file, schemaPath);
    models.add(
      cfnModelName(ctx, resource),
      contentType === undefined ? "application/json" : str(contentType, file, child(modelProps, "ContentType"), "ContentType"),
      schema,
      "model",
      file,
      schemaPath,
      resource.properties["Name"] === undefined ? resource.path : child(modelProps, "Name"),
    );
  }
  models.check();
  for (const resource of template.resources.values()) {
    if (resource.type === "AWS::ApiGateway::Method" && apis.apiOf(resource) === entry.logicalId) {
      const route = cfnMethod(ctx, apis, resource, entry.logicalId, models);
      routes.push(route);
    } else if (resource.type === "AWS::ApiGateway::GatewayResponse" && apis.apiOf(resource) === entry.logicalId) {
      const responsePropsPath = child(resource.path, "Properties");
      const [type, config] = gatewayResponse(
        str(template.prop(resource, "ResponseType"), file, child(responsePropsPath, "ResponseType"), "ResponseType"),
        template.prop(resource, "StatusCode"),
        stringMap(template.prop(resource, "ResponseParameters"), file, child(responsePropsPath, "ResponseParameters"), "ResponseParameters"),
        stringMap(template.prop(resource, "ResponseTemplates"), file, child(responsePropsPath, "ResponseTemplates"), "ResponseTemplates"),
        file,
        child(responsePropsPath, "ResponseType"),
        child(responsePropsPath, "StatusCode"),
      );
      gatewayResponses[type] = config;
    }
  }
  const binaryMediaTypes = [...(definition?.parts.binaryMediaTypes ?? [])];
  list(template.prop(entry, "BinaryMediaTypes"), file, child(propsPath, "BinaryMediaTypes"), "BinaryMediaTypes").forEach((rawType, index) => {
    const type = str(rawType, file, child(child(propsPath, "BinaryMediaTypes"), index), "binary media type");
    if (!binaryMediaTypes.includes(type)) binaryMediaTypes.push(type);
  });
  let apiKeySource = definition?.parts.apiKeySource ?? "HEADER";
  const keySource = template.prop(entry, "ApiKeySourceType");
  if (keySource !== undefined) {
    if (keySource !== "HEADER" && keySource !== "AUTHORIZER") fail(file, child(propsPath, "ApiKeySourceType"), "ApiKeySourceType must be HEADER or AUTHORIZER");
    apiKeySource = keySource;
  }
  const stages = ctx.stages.get(entry.logicalId) ?? [];
  if (stages.length === 0) fail(file, entry.path, `RestApi "${entry.logicalId}" has no stage (add an AWS::ApiGateway::Stage or a Deployment with StageName)`);
  const nameV = template.prop(entry, "Name");
  return {
    logicalId: entry.logicalId,
    id,
    name: nameV !== undefined ? str(nameV, file, child(propsPath, "Name"), "Name") : (definition?.parts.title ?? entry.logicalId),
    stages,
    root: buildTree(id, routes, bare),
    binaryMediaTypes,
    apiKeySource,
    gatewayResponses,
    models: models.models,
    authorizers: {},
    location: { file, path: entry.path },
  };
}
