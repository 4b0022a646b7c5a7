export { AdminRouter, type AdminHandler, type AdminRequest, type AdminResponse } from "./router.ts";
export { createAdminServer } from "./server.ts";
