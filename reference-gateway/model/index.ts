export * from "./types.ts";
export * from "./websocket.ts";
export * from "./http-api.ts";
