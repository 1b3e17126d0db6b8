/**
 * WebSocket `/ws` and Redis pub/sub event contracts. Server → client events carry a monotonically
 * increasing `seq` (the `events` table); a client that reconnects sends the last `seq` it saw.
 */
import { type Static, Type } from "typebox";

export const EVENT_KINDS = [
  "alert.created",
  "alert.updated",
  "case.created",
  "case.updated",
  "camera.status",
  /** A citizen left feedback on a demonstration site's public page (stationId: the site's station). */
  "public_feedback.created",
  /** A station answered or closed a feedback item. */
  "public_feedback.updated",
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export const CAMERA_STATES = ["idle", "connecting", "live", "backoff", "stalled", "stopped"] as const;
export type CameraState = (typeof CAMERA_STATES)[number];

/** What the ingest publishes about a camera (Redis key `mingfang:camera:<id>:status`, channel `mingfang:camera-status`). */
export const CameraStatus = Type.Object(
  {
    cameraId: Type.Integer(),
    /** online: live; offline: cannot connect; stalled: connected but no data. */
    status: Type.Union([
      Type.Literal("online"),
      Type.Literal("offline"),
      Type.Literal("stalled"),
      Type.Literal("disabled"),
    ]),
    state: Type.String(),
    fps: Type.Union([Type.Number(), Type.Null()]),
    bitrateKbps: Type.Union([Type.Number(), Type.Null()]),
    lastFrameAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
    lastError: Type.Union([Type.String(), Type.Null()]),
    since: Type.String({ format: "date-time" }),
    restarts: Type.Integer({ minimum: 0 }),
    updatedAt: Type.String({ format: "date-time" }),
    /** The ingest node running the camera (INGEST_NODE_ID), when the ingest nodes share the cameras. */
    node: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type CameraStatus = Static<typeof CameraStatus>;

export const REDIS_KEYS = {
  cameraStatus: (id: number) => `mingfang:camera:${id}:status`,
  cameraStatusChannel: "mingfang:camera-status",
  /** The API's event fan-out between API processes. */
  eventsChannel: "mingfang:events",
  /** The API announces a camera's creation, change or deletion to the ingest: payload `{"cameraId":N}`. */
  cameraConfigChannel: "mingfang:camera-config",
  /** What the ingest runs, kept by the API (hash: field = camera id, value = CameraSpecRecord JSON). */
  cameraSpecs: "mingfang:camera-specs",
  /** The latest analysed frame of a camera (JPEG bytes), written by the ingest. */
  cameraSnapshot: (id: number) => `mingfang:camera:${id}:snapshot`,
  /** Each analytics worker's recent figures (hash: field = worker id, value = AnalyticsStats JSON). */
  analyticsStats: "mingfang:analytics:stats",
  /**
   * Analytics scale-out, per camera (one hash tag per camera, so a Lua script's keys share a slot): the
   * lock of the worker analysing it (value: that analysis's token, with a TTL), its newest admitted capture
   * time (`<ms>:<token>`), and its rule state (hash: `seq`, `data`) that follows its frames between workers.
   */
  analyticsCameraLock: (id: number) => `mingfang:analytics:{camera:${id}}:lock`,
  analyticsCameraNewest: (id: number) => `mingfang:analytics:{camera:${id}}:newest`,
  analyticsCameraState: (id: number) => `mingfang:analytics:{camera:${id}}:state`,
  /**
   * The bytes a queue job refers to (a frame's JPEG, an alert's evidence and frame), binary, with a TTL
   * (BLOB_TTL_SECONDS): `mingfang:blob:<kind>:<uuid>`. Written by redis/blob-store.ts only.
   */
  blob: (kind: BlobKind, id: string) => `mingfang:blob:${kind}:${id}`,
  /** The live ingest nodes (sorted set: member = node id, score = expiry in Redis' clock, ms). */
  ingestNodes: "mingfang:ingest:nodes",
  /** An ingest node's heartbeat (JSON IngestNodeInfo, expires with the node). */
  ingestNode: (nodeId: string) => `mingfang:ingest:node:${nodeId}`,
  /** A camera's lease: `<fencing token>:<node id>`, PX = INGEST_LEASE_TTL_SECONDS. */
  ingestLease: (cameraId: number) => `mingfang:ingest:lease:${cameraId}`,
  /** A camera's fencing counter: INCR at every lease acquisition, never expires. */
  ingestFence: (cameraId: number) => `mingfang:ingest:fence:${cameraId}`,
} as const;

/** What a blob holds: a sampled frame (frames queue) or an alert's evidence / undrawn frame (alerts queue). */
export const BLOB_KINDS = ["frame", "evidence", "alert-frame"] as const;
export type BlobKind = (typeof BLOB_KINDS)[number];

/**
 * A job's reference to its bytes, as the queue contracts accept it: a blob key and nothing else, so that
 * a forged job cannot make a consumer read or delete any other key.
 */
export const BLOB_KEY_PATTERN =
  "^mingfang:blob:(frame|evidence|alert-frame):[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

/**
 * How long a blob outlives its job at most. A frame is dropped as stale after `maxFrameAgeS` (10 s by
 * default) anyway; its blob is deleted after analysis or when a newer frame replaces its job, so the TTL
 * only bounds what a crash leaves behind. An alert's blobs must survive every retry of its intake: 20
 * attempts with exponential back-off from 500 ms span about 3 days; failed alert jobs are kept 7 days.
 */
export const BLOB_TTL_SECONDS = {
  frame: 120,
  evidence: 7 * 24 * 3600,
  "alert-frame": 7 * 24 * 3600,
} as const satisfies Record<BlobKind, number>;

/**
 * What an analytics worker reports every few seconds for the system status page (REDIS_KEYS.analyticsStats):
 * rates and means over its last interval, so that no reader has to parse Prometheus text.
 */
export const AnalyticsStats = Type.Object(
  {
    worker: Type.String(),
    at: Type.String({ format: "date-time" }),
    intervalSeconds: Type.Number({ minimum: 0 }),
    /** Frames analysed per second over the interval. */
    framesPerSecond: Type.Number({ minimum: 0 }),
    /** Mean time to analyse one frame over the interval (null: no frame analysed). */
    frameMs: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
    /** Mean time per model (and decode) per frame over the interval. */
    modelMs: Type.Record(Type.String(), Type.Number({ minimum: 0 })),
    /** Age of the last frame analysed when its analysis began. */
    lagSeconds: Type.Number({ minimum: 0 }),
    /** Totals since the worker started. */
    analysed: Type.Integer({ minimum: 0 }),
    failed: Type.Integer({ minimum: 0 }),
    alerts: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type AnalyticsStats = Static<typeof AnalyticsStats>;
