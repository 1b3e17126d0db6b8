/**
 * Helpers for the alert tests and the bench: a producer on the app's alerts queue, alert payloads,
 * cameras of two stations, and a WebSocket console that records what it receives.
 */
import { createHash, randomUUID } from "node:crypto";
import type { AlertJob, Redis } from "@mingfang/core";
import { ALERT_JOB_OPTIONS, QUEUES, redisBlobStore } from "@mingfang/core";
import type { Db } from "@mingfang/db";
import { Queue } from "bullmq";
import WebSocket from "ws";
import { queueConnection, queuePrefix } from "../../services/api/src/queues/queue-connections.js";

export function alertProducer(redis: Redis): {
  add(job: AlertJob): Promise<void>;
  queue: Queue;
  close(): Promise<void>;
} {
  const connection = queueConnection(redis);
  const queue = new Queue(QUEUES.alerts, { connection, prefix: queuePrefix(redis) });
  return {
    queue,
    add: async (job) => {
      await queue.add("alert", job, { jobId: job.id, ...ALERT_JOB_OPTIONS });
    },
    close: async () => {
      await queue.close();
      connection.disconnect();
    },
  };
}

/** A small fake JPEG: the pipeline stores bytes, it does not decode them. */
export function fakeJpeg(seed: string): Buffer {
  return Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
    Buffer.from(`evidence ${seed}`),
    Buffer.from([0xff, 0xd9]),
  ]);
}

/** The undrawn frame that `makeAlert(…, { frame: true })` sends beside the evidence. */
export const fakeFrame = (id: string) => fakeJpeg(`frame ${id}`);

/**
 * An alert job as the analytics worker queues it: its evidence (`fakeJpeg(id)`) and, with `frame`, its
 * undrawn frame (`fakeFrame(id)`) stored as blobs on `redis` (the app's connection, which intake reads
 * them from), the job referring to them.
 */
export async function makeAlert(
  redis: Redis,
  cameraId: number,
  over: Partial<AlertJob> & { evidence?: boolean; frame?: boolean } = {},
): Promise<AlertJob> {
  const { evidence = true, frame = false, ...rest } = over;
  const id = rest.id ?? randomUUID();
  const jpeg = fakeJpeg(id);
  const undrawn = fakeFrame(id);
  const blobs = redisBlobStore(redis);
  return {
    id,
    cameraId,
    type: "no_hat",
    confidence: 0.87,
    boxes: [{ x: 0.1, y: 0.2, w: 0.3, h: 0.4, label: "head", score: 0.87 }],
    capturedAt: new Date().toISOString(),
    ...(evidence
      ? {
          evidenceKey: await blobs.put("evidence", jpeg),
          evidenceSha256: createHash("sha256").update(jpeg).digest("hex"),
        }
      : {}),
    ...(frame
      ? {
          frameKey: await blobs.put("alert-frame", undrawn),
          frameSha256: createHash("sha256").update(undrawn).digest("hex"),
        }
      : {}),
    model: "test-model",
    ...rest,
  };
}

export interface StationCamera {
  stationId: number;
  stationCode: string;
  cameraId: number;
  area: string;
  workshopId: number;
}

/** One camera in each of two stations (the first two stations that have cameras). */
export async function camerasOfTwoStations(db: Db): Promise<[StationCamera, StationCamera]> {
  const rows = await db
    .selectFrom("cameras as c")
    .innerJoin("workshops as w", "w.id", "c.workshop_id")
    .innerJoin("stations as s", "s.id", "w.station_id")
    .select([
      "s.id as stationId",
      "s.code as stationCode",
      "c.id as cameraId",
      "c.area",
      "w.id as workshopId",
    ])
    .orderBy("s.id")
    .orderBy("c.id")
    .execute();
  const seen = new Map<number, StationCamera>();
  for (const r of rows) if (!seen.has(r.stationId)) seen.set(r.stationId, r);
  const two = [...seen.values()].slice(0, 2);
  if (two.length < 2) throw new Error("the seed has fewer than two stations with cameras");
  return two as [StationCamera, StationCamera];
}

export interface WsMessage {
  type: string;
  seq?: string;
  kind?: string;
  stationId?: number | null;
  payload?: Record<string, unknown>;
  [k: string]: unknown;
}

/** A console: connects with the session cookie, records every message. */
export class WsProbe {
  readonly messages: WsMessage[] = [];
  closeCode: number | null = null;
  private constructor(readonly socket: WebSocket) {
    socket.on("message", (d) => this.messages.push(JSON.parse(String(d)) as WsMessage));
    socket.on("close", (code) => {
      this.closeCode = code;
    });
  }

  static open(baseUrl: string, cookie: string, since?: string): Promise<WsProbe> {
    const url = `${baseUrl.replace(/^http/, "ws")}/ws${since !== undefined ? `?since=${since}` : ""}`;
    const socket = new WebSocket(url, { headers: { cookie } });
    const probe = new WsProbe(socket);
    return new Promise((resolve, reject) => {
      socket.once("open", () => resolve(probe));
      socket.once("unexpected-response", (_req, res) =>
        reject(new Error(`ws upgrade refused: ${res.statusCode}`)),
      );
      socket.once("error", reject);
    });
  }

  events(kind?: string): WsMessage[] {
    return this.messages.filter((m) => m.type === "event" && (kind === undefined || m.kind === kind));
  }

  /** The highest seq seen (events, heartbeats, synced, reset): what a console sends back as `since`. */
  lastSeq(): string {
    let top = 0n;
    for (const m of this.messages) if (m.seq !== undefined && BigInt(m.seq) > top) top = BigInt(m.seq);
    return top.toString();
  }

  async waitFor(pred: (p: WsProbe) => boolean, ms = 10_000): Promise<void> {
    const end = Date.now() + ms;
    while (!pred(this)) {
      if (Date.now() > end) throw new Error(`timed out; got ${JSON.stringify(this.messages.slice(-5))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once("close", () => resolve());
      this.socket.close();
    });
  }
}

export async function waitUntil(
  cond: () => Promise<boolean> | boolean,
  ms = 15_000,
  what = "condition",
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * An alert row written straight to the table (no queue, no evidence), created at `at` and acknowledged
 * `ackAfterS` seconds later (null: still new): what the period figures (dashboard, assessment) count.
 */
export async function insertAlertRow(
  db: Db,
  a: { cameraId: number; stationId: number; type: string; at: Date; ackAfterS: number | null },
): Promise<void> {
  const cam = await db
    .selectFrom("cameras")
    .select("workshop_id")
    .where("id", "=", a.cameraId)
    .executeTakeFirstOrThrow();
  const acked = a.ackAfterS === null ? null : new Date(a.at.getTime() + a.ackAfterS * 1000);
  await db
    .insertInto("alerts")
    .values({
      id: randomUUID(),
      camera_id: a.cameraId,
      workshop_id: cam.workshop_id,
      station_id: a.stationId,
      type: a.type,
      confidence: 0.9,
      grade: 2,
      status: acked ? "acknowledged" : "new",
      captured_at: a.at,
      created_at: a.at,
      acknowledged_at: acked,
      evidence_path: null,
      evidence_sha256: null,
      acknowledged_by: null,
      ack_note: null,
      escalated_at: null,
    })
    .execute();
}
