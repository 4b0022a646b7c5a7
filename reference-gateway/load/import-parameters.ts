/**
 * Import parameters change how API Gateway reads an OpenAPI Body (api-gateway-import-api-basePath): `basepath`
 * ignore (the default, and how gateproof reads every definition), prepend or split the OpenAPI base path into the
 * resource paths; `endpointConfigurationTypes` sets the endpoint type; `ignore=documentation` skips documentation.
 * A mode gateproof does not read the Body with would serve other paths than AWS, so it stops the load.
 */
import { fail } from "./errors.ts";
import { child } from "./json-path.ts";
import { obj, str } from "./values.ts";

/** `basepath` (REST Parameters) / `BasePath` (AWS::ApiGatewayV2::Api): only `ignore` is read as AWS reads it. */
export function refuseBasePathMode(value: unknown, file: string, path: string): void {
  if (value === undefined) return;
  const mode = str(value, file, path, "base path mode");
  if (mode !== "ignore") fail(file, path, `base path mode "${mode}" is not supported yet (only ignore, the default: the OpenAPI base path is not part of resource paths)`);
}

/** AWS::ApiGateway::RestApi `Parameters`; tells whether they make the API PRIVATE. */
export function restImportParameters(value: unknown, file: string, path: string): { endpointPrivate: boolean } {
  const params = obj(value, file, path, "Parameters");
  let endpointPrivate = false;
  for (const [key, raw] of Object.entries(params)) {
    const at = child(path, key);
    if (key === "basepath") refuseBasePathMode(raw, file, at);
    else if (key === "endpointConfigurationTypes") endpointPrivate = str(raw, file, at, key).toUpperCase() === "PRIVATE";
    else if (key === "ignore") {
      if (str(raw, file, at, key) !== "documentation") fail(file, at, `import parameter ignore must be documentation`);
    } else fail(file, at, `import parameter ${key} is not supported yet (basepath, endpointConfigurationTypes, ignore)`);
  }
  return { endpointPrivate };
}
