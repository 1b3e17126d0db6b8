/**
 * System status contract: the response of `GET /api/system/status` (bureau admin), what the system
 * status page shows, gathered
 * from the database, Redis, BullMQ, the WebSocket hub, the file system and the process — never from
 * Prometheus text.
 */
import { type Static, type TSchema, Type } from "typebox";

const Count = Type.Integer({ minimum: 0 });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const CAMERA_HEALTH = ["online", "offline", "stalled", "disabled", "unknown"] as const;
export type CameraHealth = (typeof CAMERA_HEALTH)[number];

export const SystemCamera = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  workshopName: Type.String(),
  stationId: Type.Integer(),
  /** unknown: enabled, but no ingest reports it (no status key in Redis). */
  status: Type.Union([
    Type.Literal("online"),
    Type.Literal("offline"),
    Type.Literal("stalled"),
    Type.Literal("disabled"),
    Type.Literal("unknown"),
  ]),
  /** The ingest's state machine state (live, backoff, …), null without a report. */
  state: Nullable(Type.String()),
  since: Nullable(Type.String({ format: "date-time" })),
  lastFrameAt: Nullable(Type.String({ format: "date-time" })),
  fps: Nullable(Type.Number()),
  lastError: Nullable(Type.String()),
  /** The ingest node running it when the ingest nodes share the cameras (leases), else null. */
  node: Nullable(Type.String()),
});
export type SystemCamera = Static<typeof SystemCamera>;

export const SystemQueue = Type.Object({
  name: Type.String(),
  waiting: Count,
  active: Count,
  delayed: Count,
  failed: Count,
  /** Age of the oldest waiting job (the queue's lag), null when none waits. */
  oldestWaitingSeconds: Nullable(Type.Number({ minimum: 0 })),
});
export type SystemQueue = Static<typeof SystemQueue>;

export const SystemStatus = Type.Object({
  at: Type.String({ format: "date-time" }),
  cameras: Type.Object({
    total: Count,
    byStatus: Type.Record(Type.String(), Count),
    /** Every camera of the database with its reported status (the cameras table of the page). */
    items: Type.Array(SystemCamera),
  }),
  analytics: Type.Object({
    /** Workers that reported within the last 20 s. */
    workers: Count,
    framesPerSecond: Type.Number({ minimum: 0 }),
    frameMs: Nullable(Type.Number({ minimum: 0 })),
    modelMs: Type.Record(Type.String(), Type.Number({ minimum: 0 })),
    lagSeconds: Nullable(Type.Number({ minimum: 0 })),
    analysed: Count,
    failed: Count,
    alerts: Count,
    updatedAt: Nullable(Type.String({ format: "date-time" })),
  }),
  queues: Type.Array(SystemQueue),
  websocket: Type.Object({
    clients: Count,
    sent: Count,
    droppedSlow: Count,
    droppedSilent: Count,
    replayed: Count,
  }),
  events: Type.Object({
    /** The newest committed event's seq (decimal string), "0" when none. */
    seq: Type.String(),
    /** The newest seq this API process delivered to its consoles. */
    deliveredSeq: Type.String(),
  }),
  disk: Type.Object({
    path: Type.String(),
    totalBytes: Nullable(Type.Number({ minimum: 0 })),
    freeBytes: Nullable(Type.Number({ minimum: 0 })),
    /** Size of DATA_DIR/media (evidence, HLS, photos); null if it cannot be read. */
    mediaBytes: Nullable(Type.Number({ minimum: 0 })),
    /** The walk stopped at its file limit: mediaBytes is a lower bound. */
    mediaPartial: Type.Boolean(),
  }),
  process: Type.Object({
    pid: Type.Integer(),
    node: Type.String(),
    uptimeSeconds: Type.Number({ minimum: 0 }),
    rssBytes: Type.Number({ minimum: 0 }),
    heapUsedBytes: Type.Number({ minimum: 0 }),
    heapTotalBytes: Type.Number({ minimum: 0 }),
  }),
});
export type SystemStatus = Static<typeof SystemStatus>;
