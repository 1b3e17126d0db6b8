/**
 * The demo's cameras: the camera simulator serves the first camera of the first N pilot workshops, each
 * with the credentials sealed in its row, on SIMULATOR_RTSP_PORT — exactly what the seed registered.
 */
import { type Config, decrypt, type Logger } from "@mingfang/core";
import { CameraSimulator, progressBar, type SimulatedCamera } from "@mingfang/ingest";
import type { Infra } from "./platform.js";

export interface DemoCameras {
  cameraIds: number[];
  simulator: CameraSimulator;
  stop(): Promise<void>;
}

/** `rtsp://user:pass@127.0.0.1:8554/<key>/main` → the simulator's camera. */
export function simulatedFromUrl(url: string, name: string): SimulatedCamera {
  const u = new URL(url);
  const key = u.pathname.split("/").filter(Boolean)[0];
  if (!key) throw new Error("a seeded camera URL without a key");
  return { key, username: decodeURIComponent(u.username), password: decodeURIComponent(u.password), name };
}

export async function startDemoCameras(
  infra: Infra,
  cfg: Config,
  count: number,
  log: Logger,
): Promise<DemoCameras> {
  const db = infra.database.db;
  // The first camera (lowest id: the processing room) of each pilot workshop, in station order.
  const rows = await db
    .selectFrom("cameras as c")
    .innerJoin("workshops as w", "w.id", "c.workshop_id")
    .select(["c.id", "c.name", "c.source_url_enc", "w.name as workshop", "w.id as wid"])
    .where("w.pilot", "=", true)
    .where("c.enabled", "=", true)
    .orderBy("w.station_id")
    .orderBy("w.id")
    .orderBy("c.id")
    .execute();
  const firstPerWorkshop = new Map<number, (typeof rows)[number]>();
  for (const r of rows) if (!firstPerWorkshop.has(r.wid)) firstPerWorkshop.set(r.wid, r);
  const chosen = [...firstPerWorkshop.values()].slice(0, count);
  const cameras: SimulatedCamera[] = [];
  const ids: number[] = [];
  for (const r of chosen) {
    if (!r.source_url_enc) continue;
    const url = decrypt(infra.keyring.credentials, r.source_url_enc);
    if (!url.startsWith(`rtsp://`) || !url.includes(`@127.0.0.1:${cfg.SIMULATOR_RTSP_PORT}/`)) {
      log.warn({ cameraId: r.id }, "camera does not point at the simulator; not simulated");
      continue;
    }
    cameras.push(simulatedFromUrl(url, `${r.workshop} ${r.name}`));
    ids.push(r.id);
  }
  const simulator = new CameraSimulator();
  if (cameras.length === 0) return { cameraIds: [], simulator, stop: async () => {} };
  const bar = process.stderr.isTTY ? await progressBar("encoding demo clips") : undefined;
  try {
    await simulator.start({
      cameras,
      rtspPort: cfg.SIMULATOR_RTSP_PORT,
      discoveryInterface: cfg.DISCOVERY_INTERFACE,
      dataDir: infra.dataDir,
      ...(bar ? { onClipProgress: bar.onProgress } : {}),
      log: (line) => log.debug({ component: "simulator" }, line),
    });
  } catch (err) {
    throw new Error(
      `the camera simulator did not start (is port ${cfg.SIMULATOR_RTSP_PORT} free? set SIMULATOR_RTSP_PORT): ${(err as Error).message}`,
    );
  } finally {
    bar?.stop();
  }
  log.info({ cameras: cameras.length, port: simulator.rtspPort }, "camera simulator serving");
  return { cameraIds: ids, simulator, stop: () => simulator.stop() };
}
