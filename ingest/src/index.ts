// Public surface of @mingfang/ingest. Shared file: add lines, do not rewrite.

export * from "./metrics/ingest-metrics.js";
export * from "./pipeline/camera-assigner.js";
export * from "./pipeline/camera-owner.js";
export * from "./pipeline/camera-source.js";
export * from "./pipeline/ffmpeg-args.js";
export * from "./pipeline/ingest-service.js";
export * from "./pipeline/lease.js";
export * from "./pipeline/node-registry.js";
export * from "./pipeline/privacy-mask.js";
export * from "./pipeline/rendezvous.js";
export * from "./pipeline/sinks.js";
export * from "./pipeline/start-gate.js";
export * from "./pipeline/supervisor-state.js";
export * from "./rtmp/nms-server.js";
export * from "./simulator/camera-simulator.js";
export * from "./simulator/clip-recipes.js";
export * from "./simulator/clips.js";
export * from "./simulator/demo-scenes.js";
export * from "./simulator/rendered-scenes.js";
