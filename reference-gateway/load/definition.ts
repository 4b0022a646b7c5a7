/** The OpenAPI definition of a SAM Api / CloudFormation RestApi: inline (with AWS::Include) or a local file. */
import { fail } from "./errors.ts";
import { apiId } from "./ids.ts";
import { isObject, readDocument } from "./detect.ts";
import type { ResourceEntry } from "./intrinsics.ts";
import { child } from "./json-path.ts";
import { readOpenApi, type ApiParts, type OpenApiContext } from "./openapi.ts";
import type { SchemeEntry } from "./security/schemes.ts";
import type { StackContext } from "./stack-context.ts";
import { obj, str } from "./values.ts";

export interface ApiDefinition {
  parts: ApiParts;
  /** SAM merges event paths into an inline DefinitionBody, but leaves a DefinitionUri file as it is. */
  mergeEvents: boolean;
}

function checkOpenApi(doc: unknown, file: string, path: string): void {
  const ok = isObject(doc) && ((typeof doc["openapi"] === "string" && doc["openapi"].startsWith("3.")) || doc["swagger"] === "2.0");
  if (!ok) fail(file, path, "API definition must be an OpenAPI 3.x or Swagger 2.0 document");
}

/**
 * `bodyKey` holds an inline definition (intrinsics resolved; `Fn::Transform: AWS::Include` reads a local file).
 * `locationKey` is SAM's `DefinitionUri` (a local path string) or CloudFormation's `BodyS3Location`, whose `Key` is
 * read as a local file path relative to the template: gateproof never downloads from S3.
 */
export function readApiDefinition(ctx: StackContext, entry: ResourceEntry, bodyKey: string, locationKey: string, extraSchemes: SchemeEntry[] = []): ApiDefinition | undefined {
  const { t } = ctx;
  const openApi = (file: string, path: string): OpenApiContext => ({
    file,
    path,
    functions: ctx.index,
    apiId: apiId(ctx.stackName, entry.logicalId),
    region: ctx.region,
    accountId: ctx.accountId,
    enforced: ctx.enforced,
    extraSchemes,
  });
  const props = child(entry.path, "Properties");
  const body = entry.properties[bodyKey];
  const location = entry.properties[locationKey];
  if (body !== undefined && location !== undefined) fail(t.file, child(props, locationKey), `${bodyKey} and ${locationKey} are mutually exclusive`);
  if (body !== undefined) {
    const bodyPath = child(props, bodyKey);
    if (isObject(body) && Object.keys(body).length === 1 && body["Fn::Transform"] !== undefined) {
      const { includedFile } = t.includeTarget(body["Fn::Transform"], child(bodyPath, "Fn::Transform"));
      const doc = t.resolve(readDocument(includedFile, t.file, bodyPath), "$", includedFile);
      checkOpenApi(doc, includedFile, "$");
      return { parts: readOpenApi(doc, openApi(includedFile, "$")), mergeEvents: true };
    }
    const doc = t.resolve(body, bodyPath);
    checkOpenApi(doc, t.file, bodyPath);
    return { parts: readOpenApi(doc, openApi(t.file, bodyPath)), mergeEvents: true };
  }
  if (location !== undefined) {
    const locPath = child(props, locationKey);
    const loc = t.resolve(location, locPath);
    let local: string;
    if (locationKey === "DefinitionUri") {
      if (typeof loc !== "string" || /^s3:\/\//i.test(loc)) return fail(t.file, locPath, "DefinitionUri from S3 is not supported yet (use a local file path)");
      local = loc;
    } else {
      const o = obj(loc, t.file, locPath, locationKey);
      local = str(o["Key"], t.file, child(locPath, "Key"), `${locationKey}.Key`);
    }
    const file = t.localPath(local);
    const doc = readDocument(file, t.file, locPath);
    checkOpenApi(doc, file, "$");
    return { parts: readOpenApi(doc, openApi(file, "$")), mergeEvents: false };
  }
  return undefined;
}
