/** CloudFormation API Gateway and Lambda resources, in the shape `cdk synth` emits. */
import type { Authorizer, AuthorizationType, CanarySettings, GatewayResponseConfig, GatewayResponseType, LambdaFunction, Method, MethodResponse, RequestValidator, RestApi } from "../model/types.ts";
import { fail } from "./errors.ts";
import { checkCodeDir, checkHandler, checkRuntime, LAMBDA_DEFAULTS, makeFunction, writeInlineCode } from "./functions.ts";
import { apiId, authorizerId, generatedFunctionName, resourceId } from "./ids.ts";
import { gatewayResponse, readIntegration, type IntegrationDialect } from "./integration.ts";
import type { ResourceEntry } from "./intrinsics.ts";
import { child } from "./json-path.ts";
import { refuseDisabledDefaultEndpoint } from "./default-endpoint.ts";
import { restImportParameters } from "./import-parameters.ts";
import { cfnEndpointIsPrivate, refusePrivateWithoutPolicy } from "./private-api.ts";
import { readApiDefinition } from "./definition.ts";
import { ModelSet, schemaValue } from "./models.ts";
import { CFN_AUTHORIZER, readAuthorizer } from "./security/authorizers.ts";
import { requireEnforced } from "./security/gate.ts";
import { readPolicy } from "./security/policy.ts";
import { authorizersOf } from "./security/schemes.ts";
import { addStage, type StackContext } from "./stack-context.ts";
import { buildTree, type BarePath, type Route } from "./tree.ts";
import { objectGetter, readStageSettings } from "./stage-settings.ts";
import { bool, boolMap, checkKeys, int, isObject, list, obj, optStr, stageName, stageVariables, str, stringMap } from "./values.ts";

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
    timeoutSeconds: timeoutV === undefined ? LAMBDA_DEFAULTS.timeoutSeconds : int(timeoutV, file, propPath(entry, "Timeout"), "Timeout", 1, 900),
    memorySize: memory === undefined ? LAMBDA_DEFAULTS.memorySize : int(memory, file, propPath(entry, "MemorySize"), "MemorySize", 128, 10240),
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

  /** Logical id of the API whose id is `value` (a resolved `Ref`), e.g. a usage plan's `ApiStages[].ApiId`. */
  apiOfId(value: unknown, jsonPath: string): string {
    const id = str(value, this.ctx.t.file, jsonPath, "ApiId");
    return this.byId.get(id) ?? fail(this.ctx.t.file, jsonPath, `ApiId "${id}" does not refer to a RestApi in this template`);
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

const STAGE_DESCRIPTION_KEYS = new Set(["Variables", "Description", "MethodSettings", "LoggingLevel", "MetricsEnabled", "DataTraceEnabled", "TracingEnabled", "AccessLogSetting", "Tags", "CacheClusterEnabled", "CachingEnabled", "CacheTtlInSeconds", "CacheDataEncrypted", "ThrottlingRateLimit", "ThrottlingBurstLimit", "DocumentationVersion", "ClientCertificateId", "CacheClusterSize", "CanarySetting"]);
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
      const settings = readStageSettings(objectGetter(stageDescription, descriptionPath), file, ctx.enforcedStageSettings, { value: stageDescription, path: descriptionPath });
      const canary = canarySettings(stageDescription["CanarySetting"], file, child(descriptionPath, "CanarySetting")) ?? deploymentCanary;
      addStage(ctx, api, {
        name: stageName(name, file, child(propsPath, "StageName")),
        variables: stageVariables(stageDescription["Variables"], file, child(descriptionPath, "Variables")),
        ...(canary ? { canary } : {}),
        ...settings,
      });
    } else if (resource.type === "AWS::ApiGateway::Stage") {
      checkKeys(resource.properties, STAGE_KEYS, file, propsPath, "AWS::ApiGateway::Stage");
      const api = apis.apiOf(resource);
      const resolved = obj(template.resolve(resource.properties, propsPath), file, propsPath, "Properties");
      const settings = readStageSettings(objectGetter(resolved, propsPath), file, ctx.enforcedStageSettings);
      const canary = canarySettings(resolved["CanarySetting"], file, child(propsPath, "CanarySetting"));
      addStage(ctx, api, {
        name: stageName(resolved["StageName"], file, child(propsPath, "StageName")),
        variables: stageVariables(resolved["Variables"], file, child(propsPath, "Variables")),
        ...(canary ? { canary } : {}),
        ...settings,
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

const AUTHORIZATION_TYPES = new Set<AuthorizationType>(["NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"]);

/**
 * A method's AuthorizationType, AuthorizerId, AuthorizationScopes and ApiKeyRequired (AWS::ApiGateway::Method):
 * AuthorizerId goes with CUSTOM (a TOKEN/REQUEST authorizer) or COGNITO_USER_POOLS, scopes with COGNITO_USER_POOLS.
 */
function cfnMethodSecurity(ctx: StackContext, entry: ResourceEntry, authorizers: Record<string, Authorizer>): Pick<Method, "authorizationType" | "authorizerId" | "authorizationScopes" | "apiKeyRequired"> {
  const { t } = ctx;
  const file = t.file;
  const propsPath = child(entry.path, "Properties");
  const typePath = child(propsPath, "AuthorizationType");
  const idPath = child(propsPath, "AuthorizerId");
  const scopesPath = child(propsPath, "AuthorizationScopes");
  const rawType = optStr(t.prop(entry, "AuthorizationType"), file, typePath, "AuthorizationType") ?? "NONE";
  if (!AUTHORIZATION_TYPES.has(rawType as AuthorizationType)) fail(file, typePath, `AuthorizationType "${rawType}" must be NONE, AWS_IAM, CUSTOM or COGNITO_USER_POOLS`);
  const authorizationType = rawType as AuthorizationType;
  const authorizationScopes = list(t.prop(entry, "AuthorizationScopes"), file, scopesPath, "AuthorizationScopes").map((s, i) => str(s, file, child(scopesPath, i), "scope"));
  if (authorizationScopes.length > 0 && authorizationType !== "COGNITO_USER_POOLS") fail(file, scopesPath, "AuthorizationScopes apply to COGNITO_USER_POOLS methods only");
  const idValue = t.prop(entry, "AuthorizerId");
  let authorizerId: string | undefined;
  if (authorizationType === "CUSTOM" || authorizationType === "COGNITO_USER_POOLS") {
    if (idValue === undefined) fail(file, propsPath, `AuthorizationType ${authorizationType} needs an AuthorizerId`);
    authorizerId = str(idValue, file, idPath, "AuthorizerId");
    const authorizer = authorizers[authorizerId];
    if (!authorizer) return fail(file, idPath, `AuthorizerId "${authorizerId}" does not refer to an authorizer of this RestApi`);
    const cognito = authorizer.type === "COGNITO_USER_POOLS";
    if (cognito !== (authorizationType === "COGNITO_USER_POOLS")) fail(file, typePath, `AuthorizationType ${authorizationType} does not match ${authorizer.type} authorizer "${authorizer.name}"`);
    requireEnforced(ctx.enforced, cognito ? "cognito-authorizer" : "lambda-authorizer", file, idPath, `${cognito ? "Cognito" : "Lambda"} authorizer "${authorizer.name}"`);
  } else if (idValue !== undefined) fail(file, idPath, `AuthorizerId needs AuthorizationType CUSTOM or COGNITO_USER_POOLS, not ${authorizationType}`);
  if (authorizationType === "AWS_IAM") requireEnforced(ctx.enforced, "iam", file, typePath, "IAM authorization (AuthorizationType AWS_IAM)");
  const apiKeyRequired = bool(t.prop(entry, "ApiKeyRequired"), file, child(propsPath, "ApiKeyRequired"), "ApiKeyRequired");
  if (apiKeyRequired) requireEnforced(ctx.enforced, "api-key", file, child(propsPath, "ApiKeyRequired"), "API key requirement (ApiKeyRequired)");
  return { authorizationType, ...(authorizerId ? { authorizerId } : {}), authorizationScopes, apiKeyRequired };
}

const AUTHORIZER_KEYS = new Set(["RestApiId", "Name", "Type", "AuthorizerUri", "AuthorizerCredentials", "IdentitySource", "IdentityValidationExpression", "AuthorizerResultTtlInSeconds", "ProviderARNs", "AuthType"]);

function cfnAuthorizer(ctx: StackContext, entry: ResourceEntry, api: string): Authorizer {
  const { t } = ctx;
  const propsPath = child(entry.path, "Properties");
  checkKeys(entry.properties, AUTHORIZER_KEYS, t.file, propsPath, "AWS::ApiGateway::Authorizer");
  const fields = obj(t.resolve(entry.properties, propsPath), t.file, propsPath, "Properties");
  const name = str(fields["Name"] ?? fail(t.file, propsPath, "AWS::ApiGateway::Authorizer needs a Name"), t.file, child(propsPath, "Name"), "Name");
  return readAuthorizer({ id: authorizerId(api, entry.logicalId), name, fields, path: propsPath, functions: ctx.index, file: t.file }, CFN_AUTHORIZER);
}

function cfnMethod(ctx: StackContext, apis: CfnApis, entry: ResourceEntry, api: string, models: ModelSet, authorizers: Record<string, Authorizer>): Route {
  const template = ctx.t;
  const file = template.file;
  const propsPath = child(entry.path, "Properties");
  checkKeys(entry.properties, METHOD_KEYS, file, propsPath, "AWS::ApiGateway::Method");
  const security = cfnMethodSecurity(ctx, entry, authorizers);
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
    ...security,
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

const REST_API_KEYS = new Set(["Name", "Body", "BodyS3Location", "BinaryMediaTypes", "ApiKeySourceType", "Description", "EndpointConfiguration", "Tags", "FailOnWarnings", "Mode", "Parameters", "DisableExecuteApiEndpoint", "Policy"]);

export function cfnRestApi(ctx: StackContext, apis: CfnApis, entry: ResourceEntry): RestApi {
  const template = ctx.t;
  const file = template.file;
  const propsPath = child(entry.path, "Properties");
  checkKeys(entry.properties, REST_API_KEYS, file, propsPath, "AWS::ApiGateway::RestApi", {
    CloneFrom: "CloneFrom is not supported yet",
    MinimumCompressionSize: "MinimumCompressionSize is not supported yet",
  });
  refuseDisabledDefaultEndpoint(template.prop(entry, "DisableExecuteApiEndpoint"), file, child(propsPath, "DisableExecuteApiEndpoint"));
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
  const authorizers = definition ? authorizersOf(definition.parts.schemes) : {};
  for (const resource of template.resources.values()) {
    if (resource.type === "AWS::ApiGateway::Authorizer" && apis.apiOf(resource) === entry.logicalId) {
      const authorizer = cfnAuthorizer(ctx, resource, id);
      authorizers[authorizer.id] = authorizer;
    }
  }
  // Policy: an object or JSON text (AWS::ApiGateway::RestApi).
  let policy = definition?.parts.policy;
  if (entry.properties["Policy"] !== undefined) {
    policy = readPolicy(template.prop(entry, "Policy"), file, child(propsPath, "Policy"), { region: ctx.region, accountId: ctx.accountId, apiId: id });
    requireEnforced(ctx.enforced, "resource-policy", file, child(propsPath, "Policy"), "resource policy (Policy)");
  }
  const endpointPath = child(propsPath, "EndpointConfiguration");
  const parametersPath = child(propsPath, "Parameters");
  const imported = restImportParameters(template.prop(entry, "Parameters"), file, parametersPath);
  if (cfnEndpointIsPrivate(template.prop(entry, "EndpointConfiguration"), file, endpointPath)) refusePrivateWithoutPolicy(true, policy, file, endpointPath);
  else refusePrivateWithoutPolicy(imported.endpointPrivate, policy, file, child(parametersPath, "endpointConfigurationTypes"));
  for (const resource of template.resources.values()) {
    if (resource.type === "AWS::ApiGateway::Method" && apis.apiOf(resource) === entry.logicalId) {
      const route = cfnMethod(ctx, apis, resource, entry.logicalId, models, authorizers);
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
    authorizers,
    ...(policy ? { policy } : {}),
    location: { file, path: entry.path },
  };
}
