export * from "./types.ts";
export * from "./websocket.ts";
