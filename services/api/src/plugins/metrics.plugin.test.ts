/**
 * The platform's metrics on the real app's /metrics, against what this test puts in Redis and the queues:
 * cameras by status (database joined with the ingest's reports), a frame waiting on `frames` (depth and
 * the oldest job's age), a console on /ws, and an alert through the real intake counted by type.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type CameraStatus, QUEUES, REDIS_KEYS } from "@mingfang/core";
import { ensureAdmin, seedReferenceData } from "@mingfang/db";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertProducer, makeAlert, WsProbe, waitUntil } from "../../../../test/support/alert-fixtures.js";
import { ADMIN_PASSWORD, buildTestApp, type TestApp } from "../../../../test/support/harness.js";
import { queueConnection, queuePrefix } from "../queues/queue-connections.js";

let t: TestApp;
let dataDir: string;
let frames: Queue;
let base = "";

/** The value of one sample of the Prometheus text (labels: a subset that must match), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1] as string, x[2] as string]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

const scrape = async () => (await t.app.inject({ url: "/metrics" })).body;

function online(cameraId: number): CameraStatus {
  const now = new Date().toISOString();
  return {
    cameraId,
    status: "online",
    state: "live",
    fps: 25,
    bitrateKbps: null,
    lastFrameAt: now,
    lastError: null,
    since: now,
    restarts: 0,
    updatedAt: now,
  };
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "mingfang-metrics-"));
  // The stations, workshops and cameras, and the admin; not the demo users (argon2 for each: slow).
  t = await buildTestApp({ env: { DATA_DIR: dataDir }, seed: false });
  await seedReferenceData(t.db, { credentialsKey: t.keyring.credentials });
  await ensureAdmin(t.db, ADMIN_PASSWORD);
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  const addr = t.app.server.address();
  base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  frames = new Queue(QUEUES.frames, { connection: queueConnection(t.redis), prefix: queuePrefix(t.redis) });
});

afterAll(async () => {
  await frames?.obliterate({ force: true }).catch(() => undefined);
  await frames?.close();
  await t?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("platform metrics on /metrics", { timeout: 90_000 }, () => {
  it("counts the cameras by status: the ingest's reports joined with the database", async () => {
    const cams = await t.db.selectFrom("cameras").select(["id", "enabled"]).orderBy("id").execute();
    const enabled = cams.filter((c) => c.enabled);
    expect(enabled.length).toBeGreaterThan(2);
    await t.redis.set(REDIS_KEYS.cameraStatus(enabled[0]!.id), JSON.stringify(online(enabled[0]!.id)));
    const text = await scrape();
    expect(sample(text, "mingfang_cameras", { status: "online" })).toBe(1);
    expect(sample(text, "mingfang_cameras", { status: "unknown" })).toBe(enabled.length - 1);
    expect(sample(text, "mingfang_cameras", { status: "disabled" })).toBe(cams.length - enabled.length);
  });

  it("reports each queue's depth and the age of its oldest waiting job", async () => {
    await frames.add("frame", { cameraId: 1 }, { timestamp: Date.now() - 20_000 });
    const text = await scrape();
    expect(sample(text, "mingfang_queue_jobs", { queue: "frames", state: "waiting" })).toBe(1);
    expect(sample(text, "mingfang_queue_jobs", { queue: "escalations", state: "waiting" })).toBe(0);
    const lag = sample(text, "mingfang_queue_oldest_waiting_seconds", { queue: "frames" });
    expect(lag).toBeGreaterThanOrEqual(19);
    expect(sample(text, "mingfang_queue_oldest_waiting_seconds", { queue: "alerts" })).toBe(0);
  });

  it("counts the consoles on /ws and the alerts stored, by type", async () => {
    const cookie = await t.login("admin");
    const ws = await WsProbe.open(base, cookie);
    await ws.waitFor((p) => p.messages.some((m) => m.type === "hello"));
    expect(sample(await scrape(), "mingfang_ws_clients")).toBe(1);
    const cam = await t.db.selectFrom("cameras").select("id").orderBy("id").executeTakeFirstOrThrow();
    const producer = alertProducer(t.redis);
    try {
      await producer.add(await makeAlert(t.redis, cam.id, { type: "no_gloves" }));
      await waitUntil(
        async () => sample(await scrape(), "mingfang_alerts_created_total", { type: "no_gloves" }) === 1,
        60_000,
        "the alert counted",
      );
      expect(sample(await scrape(), "mingfang_ws_messages_sent_total")).toBeGreaterThanOrEqual(2);
    } finally {
      await producer.close();
      await ws.close();
    }
    await waitUntil(async () => sample(await scrape(), "mingfang_ws_clients") === 0, 20_000, "ws closed");
  });
});
