export * from "./catalogue.ts";
export * from "./gateway-error.ts";
export * from "./render.ts";
