import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { bearerTransform } from "./bearer.ts";
import { apiKeyTransform, basePathTransform, hostTransform, stageTransform } from "./rewrite.ts";
import { shiftDatesTransform } from "./shift-dates.ts";
import { credentialsFromEnv, sigv4Transform } from "./sigv4.ts";
import type { Transform, TransformContext } from "./transform.ts";
import type { OutgoingRequest } from "../send/outgoing.ts";

export type { Transform, TransformContext } from "./transform.ts";

export class TransformSpecError extends Error {}

function pair(name: string, argument: string): [string, string] {
  const colon = argument.indexOf(":");
  if (colon <= 0 || colon === argument.length - 1) throw new TransformSpecError(`${name} expects FROM:TO, got ${JSON.stringify(argument)}`);
  return [argument.slice(0, colon), argument.slice(colon + 1)];
}

const BUILT_IN: Record<string, (argument: string, name: string) => Transform> = {
  host: (argument) => hostTransform(argument),
  "base-path": (argument, name) => basePathTransform(...pair(name, argument)),
  stage: (argument, name) => stageTransform(...pair(name, argument)),
  "api-key": (argument) => apiKeyTransform(argument),
  bearer: (argument) => bearerTransform(argument),
  sigv4: (argument, name) => {
    const [region, service] = argument.split("/");
    if (!region || !service) throw new TransformSpecError(`${name} expects REGION/SERVICE, got ${JSON.stringify(argument)}`);
    return sigv4Transform(region, service, credentialsFromEnv());
  },
  "shift-dates": () => shiftDatesTransform,
};

/**
 * `--transform` values: `name=argument` for a built-in (host, base-path, stage, api-key, bearer, sigv4,
 * shift-dates), or the path of a module whose default export is a Transform.
 */
export async function loadTransform(spec: string): Promise<Transform> {
  const eq = spec.indexOf("=");
  const name = eq === -1 ? spec : spec.slice(0, eq);
  const builtIn = BUILT_IN[name];
  if (builtIn) {
    if (eq === -1 && name !== "shift-dates") throw new TransformSpecError(`${name} needs an argument: ${name}=…`);
    return builtIn(eq === -1 ? "" : spec.slice(eq + 1), name);
  }
  const file = resolve(spec);
  if (!existsSync(file)) throw new TransformSpecError(`unknown transform ${JSON.stringify(spec)}: not one of ${Object.keys(BUILT_IN).join(", ")} and not a file`);
  // A TypeScript transform goes through tsx: the `gateproof` command runs precompiled JavaScript, without a TS loader.
  const module = (/\.[cm]?ts$/.test(file) ? await (await import("tsx/esm/api")).tsImport(pathToFileURL(file).href, import.meta.url) : await import(pathToFileURL(file).href)) as { default?: unknown };
  if (typeof module.default !== "function") throw new TransformSpecError(`${spec}: its default export is not a transform function`);
  return module.default as Transform;
}

export async function applyTransforms(transforms: Transform[], request: OutgoingRequest, context: TransformContext): Promise<OutgoingRequest> {
  let current = request;
  for (const transform of transforms) current = await transform(current, context);
  return current;
}
