/**
 * Disabling the default execute-api endpoint (DisableExecuteApiEndpoint on RestApi, Serverless::Api, HttpApi and
 * ApiGatewayV2::Api; `disableExecuteApiEndpoint` of x-amazon-apigateway-endpoint-configuration) makes AWS answer
 * 403 Forbidden there, so that clients must come through a custom domain, often one with mutual TLS
 * (api-gateway-swagger-extensions-endpoint-configuration). gateproof serves every API on its default endpoint and
 * has no custom domains: serving such an API would open what AWS keeps shut, so the load stops instead.
 */
import { fail } from "./errors.ts";
import { child } from "./json-path.ts";
import { bool, isObject, list } from "./values.ts";

const X_ENDPOINT = "x-amazon-apigateway-endpoint-configuration";
const REASON = "a disabled default endpoint is not supported yet (AWS answers 403 Forbidden there and gateproof serves no custom domain, so the API would be served open)";

/** DisableExecuteApiEndpoint as a resource property (SAM or CloudFormation), already resolved. */
export function refuseDisabledDefaultEndpoint(value: unknown, file: string, path: string): void {
  if (bool(value, file, path, "DisableExecuteApiEndpoint")) fail(file, path, `DisableExecuteApiEndpoint: ${REASON}`);
}

/**
 * The extension where an OpenAPI document puts it: at the root (Swagger 2) or on a Server object (OpenAPI 3,
 * where API Gateway's export writes it).
 */
export function refuseDisabledDefaultEndpointInOpenApi(doc: Record<string, unknown>, file: string, path: string): void {
  const places: { holder: unknown; path: string }[] = [{ holder: doc, path }];
  const serversPath = child(path, "servers");
  list(doc["servers"], file, serversPath, "servers").forEach((server, i) => places.push({ holder: server, path: child(serversPath, i) }));
  for (const { holder, path: holderPath } of places) {
    if (!isObject(holder) || holder[X_ENDPOINT] === undefined) continue;
    const configPath = child(holderPath, X_ENDPOINT);
    const config = holder[X_ENDPOINT];
    if (!isObject(config)) return fail(file, configPath, `${X_ENDPOINT} must be an object`);
    const flagPath = child(configPath, "disableExecuteApiEndpoint");
    if (bool(config["disableExecuteApiEndpoint"], file, flagPath, "disableExecuteApiEndpoint")) fail(file, flagPath, `disableExecuteApiEndpoint: ${REASON}`);
  }
}
