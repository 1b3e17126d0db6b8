/**
 * Prometheus metrics of an ingest node (prom-client), on the registry the process serves: the API's
 * /metrics when the api role runs in the same process, else the internal listener's (INTERNAL_PORT,
 * services/cli/src/internal.ts).
 *
 * - `mingfang_ingest_cameras{status,state}`: the cameras this node runs, by status (online, offline,
 *   stalled) and supervisor state (CAMERA_STATES), read from the owners at each scrape.
 * - `mingfang_ingest_camera_restarts`: ffmpeg restarts summed over the cameras this node runs now.
 * - `mingfang_ingest_frames_sampled_total`: frames put on the `frames` queue by this node.
 * - `mingfang_ingest_lease_moves_total{reason}`: camera leases this node took or gave up (multi-node
 *   ingest, camera-assigner.ts: acquired, rebalance, lost, disabled, shutdown).
 *
 * The cameras' statuses are read from the service at scrape time, so a camera stopped or moved away is
 * counted nowhere.
 */
import type { CameraStatus } from "@mingfang/core";
import { Counter, Gauge, type Registry } from "prom-client";
import type { FrameSink } from "../pipeline/sinks.js";

/** What the metrics read from the ingest: the status of each camera this node runs now. */
export interface RunningCameras {
  runningStatuses(): CameraStatus[];
}

export interface IngestMetrics {
  framesSampled: Counter;
  leaseMoves: Counter<"reason">;
  /** Wraps the frame sink (counts the frames sampled). */
  frameSink(inner: FrameSink): FrameSink;
  /** The ingest whose cameras the gauges read (set once it is built). */
  attach(ingest: RunningCameras): void;
}

export function registerIngestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry];
  let ingest: RunningCameras | undefined;
  const running = () => ingest?.runningStatuses() ?? [];
  new Gauge({
    name: "mingfang_ingest_cameras",
    help: "Cameras this ingest node runs, by status (online, offline, stalled) and supervisor state.",
    labelNames: ["status", "state"],
    registers,
    collect() {
      this.reset();
      for (const s of running()) this.inc({ status: s.status, state: s.state });
    },
  });
  new Gauge({
    name: "mingfang_ingest_camera_restarts",
    help: "ffmpeg restarts, summed over the cameras this ingest node runs now (since each camera started here).",
    registers,
    collect() {
      this.set(running().reduce((n, s) => n + s.restarts, 0));
    },
  });
  const framesSampled = new Counter({
    name: "mingfang_ingest_frames_sampled_total",
    help: "Frames this ingest node put on the frames queue for analysis.",
    registers,
  });
  const leaseMoves = new Counter({
    name: "mingfang_ingest_lease_moves_total",
    help: "Camera leases this ingest node took or gave up, by reason (acquired, rebalance, lost, disabled, shutdown).",
    labelNames: ["reason"],
    registers,
  });
  return {
    framesSampled,
    leaseMoves,
    attach(i) {
      ingest = i;
    },
    frameSink: (inner) => ({
      async push(cameraId, jpeg, width, height, source) {
        await inner.push(cameraId, jpeg, width, height, source);
        framesSampled.inc();
      },
      close: () => inner.close(),
    }),
  };
}
