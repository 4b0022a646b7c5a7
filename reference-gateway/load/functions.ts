/** LambdaFunction construction (shared by SAM, CloudFormation and the OpenAPI functions directory) and the lookup of integration URIs. */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LambdaFunction, SourceLocation } from "../model/types.ts";
import { fail } from "./errors.ts";
import { functionArn } from "./ids.ts";

export interface FunctionInput {
  logicalId: string;
  functionName: string;
  runtime: string;
  handler: string;
  codeDir: string;
  timeoutSeconds: number;
  memorySize: number;
  environment: Record<string, string>;
  location: SourceLocation;
  region: string;
  accountId: string;
}

/** A function's Timeout (seconds) and MemorySize (MB) when the template gives none: Lambda's defaults (AWS::Lambda::Function). */
export const LAMBDA_DEFAULTS = { timeoutSeconds: 3, memorySize: 128 } as const;

export function makeFunction(input: FunctionInput): LambdaFunction {
  const { region, accountId, ...rest } = input;
  return { ...rest, arn: functionArn(region, accountId, input.functionName) };
}

export function checkRuntime(runtime: unknown, file: string, path: string): string {
  if (runtime === undefined) return fail(file, path, "Runtime is required");
  if (typeof runtime !== "string") return fail(file, path, "Runtime must be a string");
  if (!/^nodejs\d/.test(runtime)) fail(file, path, `Runtime ${runtime} is not supported yet (only nodejs runtimes)`);
  return runtime;
}

export function checkHandler(handler: unknown, file: string, path: string): string {
  if (typeof handler !== "string" || !/^.+\.[^./]+$/.test(handler)) return fail(file, path, "Handler must look like file.export");
  return handler;
}

/** A local code directory; a missing path or a file (e.g. a .zip) is refused. */
export function checkCodeDir(dir: string, file: string, path: string): string {
  if (!existsSync(dir)) fail(file, path, `code location ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) fail(file, path, `code location ${dir} is not a directory (zip archives are not supported yet)`);
  return dir;
}

/**
 * Writes inline code (SAM InlineCode, Lambda Code.ZipFile) to `<tmp>/gateproof-inline/<hash>/index.js`.
 * Lambda treats inline Node.js code as CommonJS, so the directory gets a `{"type":"commonjs"}` package.json.
 */
export function writeInlineCode(code: string): string {
  const hash = createHash("sha256").update(code).digest("hex").slice(0, 16);
  const dir = join(tmpdir(), "gateproof-inline", hash);
  const target = join(dir, "index.js");
  if (existsSync(target)) return dir;
  mkdirSync(dir, { recursive: true });
  const suffix = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  writeFileSync(join(dir, `package.json.${suffix}`), '{"type":"commonjs"}\n');
  renameSync(join(dir, `package.json.${suffix}`), join(dir, "package.json"));
  writeFileSync(join(dir, `index.js.${suffix}`), code);
  renameSync(join(dir, `index.js.${suffix}`), target);
  return dir;
}

const LAMBDA_URI = /^arn:(aws[a-z-]*):apigateway:([a-z0-9-]+):lambda:path\/2015-03-31\/functions\/(.+)\/invocations$/;
const FUNCTION_ARN = /^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]+)(?::([A-Za-z0-9_$-]+))?$/;

/** Finds the functions an AWS_PROXY integration URI points at. */
export class FunctionIndex {
  constructor(
    readonly functions: Record<string, LambdaFunction>,
    /** Called for a function name not in `functions` (plain OpenAPI: the functions directory). */
    private readonly fallback?: (name: string, file: string, path: string) => LambdaFunction | undefined,
  ) {}

  /** Returns the logical id of the function behind `uri`, or throws a LoadError. */
  resolveUri(uri: string, file: string, path: string): string {
    const m = LAMBDA_URI.exec(uri);
    if (!m) return fail(file, path, `AWS_PROXY uri must be arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations, got "${uri}"`);
    const fnRef = m[3]!;
    const arn = FUNCTION_ARN.exec(fnRef);
    const name = arn ? arn[4]! : fnRef;
    const unqualified = arn ? fnRef.replace(/:[A-Za-z0-9_$-]+$/, (q) => (arn[5] ? "" : q)) : undefined;
    const all = Object.values(this.functions);
    const hit =
      (unqualified && all.find((f) => f.arn === unqualified)) ||
      all.find((f) => f.functionName === name) ||
      this.fallback?.(name, file, path);
    if (!hit) return fail(file, path, `integration uri points at Lambda function "${name}", which is not defined`);
    this.functions[hit.logicalId] = hit;
    return hit.logicalId;
  }
}
