export { startGateway, type GatewayOptions, type GatewayUrl, type RunningGateway } from "./server.ts";
export { loadDefinition, LoadError, type LoadOptions } from "./load/index.ts";
export type * from "./model/index.ts";
