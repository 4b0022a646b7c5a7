export * from "./scope.ts";
export * from "./substitution.ts";
export * from "./select.ts";
export * from "./values.ts";
