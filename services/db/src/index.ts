export * from "./auth/password.js";
export * from "./database.js";
export * from "./schema.js";
export * from "./seed/seed.js";
