import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect } from "vitest";
import { LoadError, loadDefinition, type LoadOptions } from "../../../reference-gateway/load/index.ts";
import type { GatewayModel, Method, Resource, RestApi } from "../../../reference-gateway/model/types.ts";

/** Writes files into a fresh temp dir; returns the dir. */
export function writeFiles(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "gateproof-load-test-"));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

export const HANDLER = 'export const handler = async () => ({ statusCode: 200, body: "ok" });\n';

/** Loads `template` (file name `template.yaml` unless given) with extra files next to it. */
export async function load(template: string, extra: Record<string, string> = {}, options: LoadOptions = {}, name = "template.yaml"): Promise<{ model: GatewayModel; dir: string; file: string }> {
  const dir = writeFiles({ [name]: template, ...extra });
  const file = join(dir, name);
  return { model: await loadDefinition(file, options), dir, file };
}

export async function loadError(template: string, extra: Record<string, string> = {}, options: LoadOptions = {}, name = "template.yaml"): Promise<{ err: LoadError; file: string; dir: string }> {
  const dir = writeFiles({ [name]: template, ...extra });
  const file = join(dir, name);
  let err: unknown;
  try {
    await loadDefinition(file, options);
  } catch (e) {
    err = e;
  }
  expect(err, "expected a LoadError").toBeInstanceOf(LoadError);
  const le = err as LoadError;
  expect(le.message).toBe(`${le.file}: ${le.jsonPath}: ${le.reason}`);
  return { err: le, file, dir };
}

export async function expectLoadError(template: string, jsonPath: string, reason: string | RegExp, extra: Record<string, string> = {}, options: LoadOptions = {}, name = "template.yaml"): Promise<LoadError> {
  const { err, file } = await loadError(template, extra, options, name);
  expect(err.file).toBe(file);
  expect(err.jsonPath).toBe(jsonPath);
  if (typeof reason === "string") expect(err.reason).toBe(reason);
  else expect(err.reason).toMatch(reason);
  return err;
}

export function findResource(api: RestApi, path: string): Resource {
  const walk = (r: Resource): Resource | undefined => (r.path === path ? r : r.children.map(walk).find(Boolean));
  const hit = walk(api.root);
  if (!hit) throw new Error(`no resource ${path}; have ${allPaths(api).join(", ")}`);
  return hit;
}

export function method(api: RestApi, path: string, httpMethod: string): Method {
  const m = findResource(api, path).methods[httpMethod];
  if (!m) throw new Error(`no ${httpMethod} on ${path}`);
  return m;
}

export function allPaths(api: RestApi): string[] {
  const out: string[] = [];
  const walk = (r: Resource) => {
    out.push(`${r.path} ${Object.keys(r.methods).join(",")}`.trim());
    r.children.forEach(walk);
  };
  walk(api.root);
  return out;
}

/** A minimal SAM template with one function whose environment variables hold `vars` (YAML, indented 10 spaces). */
export function samWithEnv(vars: string, head = ""): string {
  return `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
${head}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: app.handler
      CodeUri: src
      Environment:
        Variables:
${vars}
`;
}
