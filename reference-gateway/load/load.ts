/** loadDefinition: SAM / CloudFormation / OpenAPI file → GatewayModel. */
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { GatewayModel, LambdaFunction } from "../model/types.ts";
import { detectKind, readDocument } from "./detect.ts";
import { ENFORCED_SECURITY, ENFORCED_STAGE_SETTINGS } from "./enforcement.ts";
import type { EnforcedStageSettings } from "./stage-settings.ts";
import { fail } from "./errors.ts";
import { FunctionIndex, LAMBDA_DEFAULTS, makeFunction } from "./functions.ts";
import { apiId } from "./ids.ts";
import { readOpenApi } from "./openapi.ts";
import type { EnforcedSecurity } from "./security/gate.ts";
import { authorizersOf } from "./security/schemes.ts";
import { loadStack } from "./stack.ts";
import { buildTree } from "./tree.ts";
import { isObject, stageName } from "./values.ts";

export interface LoadOptions {
  parameterOverrides?: Record<string, string>;
  /** OpenAPI only; default "prod". */
  stage?: string;
  /** OpenAPI only: where `<name>.{mjs,js,cjs}` or `<name>/index.{mjs,js,cjs}` implement the Lambda functions the definition names. */
  functionsDir?: string;
  /** Default "gateproof". */
  stackName?: string;
  /** Default "us-east-1". */
  region?: string;
  /** Default "123456789012". */
  accountId?: string;
  /** Security features the runtime enforces (default ENFORCED_SECURITY); any other security construct is a LoadError. */
  enforcedSecurity?: EnforcedSecurity;
  /** Stage settings the runtime enforces (default ENFORCED_STAGE_SETTINGS): throttling, caching, access logs. */
  enforcedStageSettings?: EnforcedStageSettings;
}

export async function loadDefinition(file: string, options: LoadOptions = {}): Promise<GatewayModel> {
  const abs = resolve(file);
  const region = options.region ?? "us-east-1";
  const accountId = options.accountId ?? "123456789012";
  const stackName = options.stackName ?? "gateproof";
  const parameterOverrides = options.parameterOverrides ?? {};
  const enforced = options.enforcedSecurity ?? ENFORCED_SECURITY;
  const doc = readDocument(abs);
  const kind = detectKind(doc, abs);
  if (kind !== "openapi") {
    return loadStack(doc as Record<string, unknown>, abs, { region, accountId, stackName, parameterOverrides, enforced, enforcedStageSettings: options.enforcedStageSettings ?? ENFORCED_STAGE_SETTINGS }, kind === "sam");
  }
  const overrideNames = Object.keys(parameterOverrides);
  if (overrideNames.length > 0) fail(abs, "$", `parameter override "${overrideNames[0]}" does not match any parameter (OpenAPI definitions have no parameters)`);
  return loadOpenApiFile(doc as Record<string, unknown>, abs, { region, accountId, stackName, stage: options.stage ?? "prod", functionsDir: options.functionsDir, enforced });
}

const EXTENSIONS = [".mjs", ".js", ".cjs"];

function functionFromDir(dir: string, name: string, region: string, accountId: string): LambdaFunction | undefined {
  for (const ext of EXTENSIONS) {
    const f = join(dir, `${name}${ext}`);
    if (existsSync(f) && statSync(f).isFile()) return fromDir(dir, `${name}.handler`, f);
  }
  for (const ext of EXTENSIONS) {
    const f = join(dir, name, `index${ext}`);
    if (existsSync(f) && statSync(f).isFile()) return fromDir(join(dir, name), "index.handler", f);
  }
  return undefined;

  function fromDir(codeDir: string, handler: string, codeFile: string): LambdaFunction {
    return makeFunction({
      logicalId: name,
      functionName: name,
      runtime: "nodejs20.x",
      handler,
      codeDir,
      ...LAMBDA_DEFAULTS,
      environment: {},
      location: { file: codeFile, path: "$" },
      region,
      accountId,
    });
  }
}

function loadOpenApiFile(
  doc: Record<string, unknown>,
  file: string,
  o: { region: string; accountId: string; stackName: string; stage: string; functionsDir: string | undefined; enforced: EnforcedSecurity },
): GatewayModel {
  const functions: Record<string, LambdaFunction> = {};
  const dir = o.functionsDir === undefined ? undefined : resolve(o.functionsDir);
  const index = new FunctionIndex(functions, (name, f, path) => {
    if (dir === undefined) return fail(f, path, `integration uri points at Lambda function "${name}"; pass a functions directory to run it`);
    return functionFromDir(dir, name, o.region, o.accountId) ?? fail(f, path, `Lambda function "${name}" not found in ${dir} (looked for ${name}.{mjs,js,cjs} and ${name}/index.{mjs,js,cjs})`);
  });
  const info = doc["info"];
  const title = isObject(info) && typeof info["title"] === "string" ? info["title"] : "Api";
  const logicalId = title.replace(/[^A-Za-z0-9]/g, "") || "Api";
  const id = apiId(o.stackName, logicalId);
  const parts = readOpenApi(doc, { file, path: "$", functions: index, apiId: id, region: o.region, accountId: o.accountId, enforced: o.enforced });
  return {
    sourceFile: file,
    region: o.region,
    accountId: o.accountId,
    functions,
    apiKeys: [],
    usagePlans: [],
    restApis: [
      {
        logicalId,
        id,
        name: isObject(info) && typeof info["title"] === "string" ? info["title"] : logicalId,
        stages: [{ name: stageName(o.stage, file, "$"), variables: {} }],
        root: buildTree(id, parts.routes),
        binaryMediaTypes: parts.binaryMediaTypes,
        apiKeySource: parts.apiKeySource ?? "HEADER",
        gatewayResponses: parts.gatewayResponses,
        models: parts.models.models,
        authorizers: authorizersOf(parts.schemes),
        ...(parts.policy ? { policy: parts.policy } : {}),
        location: { file, path: "$" },
      },
    ],
  };
}
