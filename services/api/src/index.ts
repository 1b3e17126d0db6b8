export { buildApp } from "./app.js";
export type { ApiDeps } from "./context.js";
export { HttpError } from "./errors.js";
export { SESSION_COOKIE } from "./plugins/auth.plugin.js";
