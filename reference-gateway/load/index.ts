export { loadDefinition, type LoadOptions } from "./load.ts";
export { LoadError } from "./errors.ts";
