/**
 * Prometheus metrics of an ingest node (prom-client), on the registry the process serves: the API's
 * /metrics when the api role runs in the same process, else the METRICS_PORT server (services/cli).
 *
 * - `mingfang_ingest_cameras{status,state}`: the cameras this node runs, by status (online, offline,
 *   stalled) and supervisor state (CAMERA_STATES), read from the owners at each scrape.
 * - `mingfang_ingest_camera_restarts`: ffmpeg restarts summed over the cameras this node runs now.
 * - `mingfang_ingest_frames_sampled_total`: frames put on the `frames` queue by this node.
 * - `mingfang_ingest_lease_moves_total{direction}`: camera leases this node acquired or lost (multi-node
 *   ingest; the lease code increments `leaseMoves`).
 *
 * The owners are found through the status sink every owner reports to (`statusSink` wraps the real one
 * and remembers which cameras reported), and their current status is read from the service at scrape
 * time, so a camera stopped or moved away is counted nowhere.
 */
import type { CameraStatus } from "@mingfang/core";
import { Counter, Gauge, type Registry } from "prom-client";
import type { FrameSink, StatusSink } from "../pipeline/sinks.js";

/** What the metrics read from the ingest: the owner of a camera, if this node runs it. */
export interface OwnerLookup {
  owner(id: number): { snapshotStatus(): CameraStatus } | undefined;
}

export interface IngestMetrics {
  framesSampled: Counter;
  leaseMoves: Counter<"direction">;
  /** Wraps the sink the owners report their status to (records which cameras exist). */
  statusSink(inner: StatusSink): StatusSink;
  /** Wraps the frame sink (counts the frames sampled). */
  frameSink(inner: FrameSink): FrameSink;
  /** The ingest whose owners the camera gauges read (set once it is built). */
  attach(ingest: OwnerLookup): void;
}

/** The current status of each camera this node runs (cameras it no longer runs are forgotten). */
function currentStatuses(seen: Set<number>, ingest: OwnerLookup | undefined): CameraStatus[] {
  const out: CameraStatus[] = [];
  for (const id of seen) {
    const owner = ingest?.owner(id);
    if (owner) out.push(owner.snapshotStatus());
    else seen.delete(id);
  }
  return out;
}

export function registerIngestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry];
  const seen = new Set<number>();
  let ingest: OwnerLookup | undefined;
  new Gauge({
    name: "mingfang_ingest_cameras",
    help: "Cameras this ingest node runs, by status (online, offline, stalled) and supervisor state.",
    labelNames: ["status", "state"],
    registers,
    collect() {
      this.reset();
      for (const s of currentStatuses(seen, ingest)) this.inc({ status: s.status, state: s.state });
    },
  });
  new Gauge({
    name: "mingfang_ingest_camera_restarts",
    help: "ffmpeg restarts, summed over the cameras this ingest node runs now (since each camera started here).",
    registers,
    collect() {
      this.set(currentStatuses(seen, ingest).reduce((n, s) => n + s.restarts, 0));
    },
  });
  const framesSampled = new Counter({
    name: "mingfang_ingest_frames_sampled_total",
    help: "Frames this ingest node put on the frames queue for analysis.",
    registers,
  });
  const leaseMoves = new Counter({
    name: "mingfang_ingest_lease_moves_total",
    help: "Camera leases this ingest node acquired (a camera moved here) or lost (moved away), by direction.",
    labelNames: ["direction"],
    registers,
  });
  return {
    framesSampled,
    leaseMoves,
    attach(i) {
      ingest = i;
    },
    statusSink: (inner) => ({
      publish(status) {
        seen.add(status.cameraId);
        return inner.publish(status);
      },
    }),
    frameSink: (inner) => ({
      async push(cameraId, jpeg, width, height, source) {
        await inner.push(cameraId, jpeg, width, height, source);
        framesSampled.inc();
      },
      close: () => inner.close(),
    }),
  };
}
