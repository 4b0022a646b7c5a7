export { LambdaRuntime } from "./runtime.ts";
export type { LambdaRuntimeOptions, InvokeResult, LambdaErrorShape } from "./types.ts";
