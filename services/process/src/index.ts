export * from "./private-redis.js";
export * from "./tethered.js";
