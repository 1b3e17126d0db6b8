// Public surface of @mingfang/ingest. Shared file: add lines, do not rewrite.
export * from "./onvif/discovery.js";
export * from "./onvif/onvif-client.js";
export * from "./onvif/ws-discovery.js";
export * from "./simulator/camera-simulator.js";
export * from "./simulator/clip-recipes.js";
export * from "./simulator/clips.js";
