/**
 * The demo's cameras: the camera simulator serves the first camera of the first N pilot workshops, each
 * with the credentials sealed in its row, on SIMULATOR_RTSP_PORT — exactly what the seed registered.
 * Each camera gets a scene (demoSceneFor: the scenes of DEMO_SCENES first, then quiet compliant workshops;
 * ingest/src/simulator/demo-scenes.ts, the table in docs/demo-footage.md): its clip, and on its row the
 * scene's zones, schedule and analytics overrides.
 */
import { type Config, decrypt, type Logger } from "@mingfang/core";
import {
  CameraSimulator,
  DEMO_BACKGROUND_SCENES,
  DEMO_SCENES,
  type DemoScene,
  demoSceneFor,
  progressBar,
  type SimulatedCamera,
} from "@mingfang/ingest";
import { CliRepository } from "./cli.repository.js";
import { type Infra, requireDatabase } from "./infra.js";

export interface DemoCameras {
  cameraIds: number[];
  /** Camera id → the scene it shows. */
  scenes: Map<number, DemoScene>;
  simulator: CameraSimulator;
  stop(): Promise<void>;
}

/**
 * The served cameras the demo records continuously (the second and third: 明水 station's, whose duty officer
 * the README signs in as), so that the playback timeline has a day to scrub; the others keep the default (a
 * clip per alert). About 0.4 GiB per camera-hour. Not the first: a demo of one camera (the tests') records
 * nothing by default.
 */
export const DEMO_CONTINUOUS = { from: 1, count: 2 } as const;

const asJson = (v: unknown): unknown => (typeof v === "string" ? JSON.parse(v) : v);

/**
 * Zones the demo may (re)draw: none, or exactly the zones of one of its scenes. Zones someone drew by hand
 * are left alone (and with them the camera's schedule and analytics overrides).
 */
export function demoOwnsZones(zones: unknown): boolean {
  const z = asJson(zones);
  if (z === null || z === undefined || (Array.isArray(z) && z.length === 0)) return true;
  const text = JSON.stringify(z);
  return [...DEMO_SCENES, ...DEMO_BACKGROUND_SCENES].some(
    (s) => s.zones.length > 0 && JSON.stringify(s.zones) === text,
  );
}

/** `rtsp://user:pass@127.0.0.1:8554/<key>/main` → the simulator's camera. */
export function simulatedFromUrl(url: string, name: string): SimulatedCamera {
  const u = new URL(url);
  const key = u.pathname.split("/").filter(Boolean)[0];
  if (!key) throw new Error("a seeded camera URL without a key");
  return { key, username: decodeURIComponent(u.username), password: decodeURIComponent(u.password), name };
}

type PilotCamera = Awaited<ReturnType<CliRepository["pilotCameras"]>>[number];
type Simulatable = PilotCamera & { url: string };

/** The seeded pilot cameras that point at the simulator (a camera someone added by hand is left alone). */
async function simulatableCameras(repo: CliRepository, infra: Infra, cfg: Config): Promise<Simulatable[]> {
  // The first camera (lowest id: the processing room) of each pilot workshop, in station order.
  const rows = await repo.pilotCameras();
  const pointsAtSimulator = (enc: string | null): string | undefined => {
    if (!enc) return undefined;
    const url = decrypt(infra.keyring.credentials, enc);
    return url.startsWith("rtsp://") && url.includes(`@127.0.0.1:${cfg.SIMULATOR_RTSP_PORT}/`)
      ? url
      : undefined;
  };
  return rows.flatMap((r) => {
    const url = pointsAtSimulator(r.source_url_enc);
    return url ? [{ ...r, url }] : [];
  });
}

/** The first `count` workshops' first simulatable camera, each with its scene. */
function chooseCameras(simulatable: Simulatable[], count: number) {
  const firstPerWorkshop = new Map<number, Simulatable>();
  for (const r of simulatable) if (!firstPerWorkshop.has(r.wid)) firstPerWorkshop.set(r.wid, r);
  const chosen = [...firstPerWorkshop.values()].slice(0, count);
  const scenes = new Map<number, DemoScene>();
  const cameras: SimulatedCamera[] = chosen.map((r, i) => {
    const scene = demoSceneFor(i);
    scenes.set(r.id, scene);
    return {
      ...simulatedFromUrl(r.url, `${r.workshop} ${r.name}`),
      clip: scene.clip,
      ...(scene.startSecond !== undefined ? { startSecond: scene.startSecond } : {}),
    };
  });
  return { chosen, scenes, cameras };
}

/**
 * The scene's zones, schedule and overrides on the camera's row (what the analytics reads), unless someone
 * drew zones of their own on it.
 */
async function applySceneRules(
  repo: CliRepository,
  chosen: Simulatable[],
  scenes: Map<number, DemoScene>,
  log: Logger,
): Promise<void> {
  for (const r of chosen) {
    const scene = scenes.get(r.id) as DemoScene;
    if (!demoOwnsZones(r.zones)) {
      log.info({ cameraId: r.id }, "demo camera has zones of its own: its scene's rules are not applied");
      continue;
    }
    await repo.setCameraRules(r.id, {
      zones: JSON.stringify(scene.zones),
      schedule: scene.schedule ? JSON.stringify(scene.schedule) : null,
      analytics: scene.analytics ? JSON.stringify(scene.analytics) : null,
    });
  }
}

async function startSimulator(
  simulator: CameraSimulator,
  cameras: SimulatedCamera[],
  infra: Infra,
  cfg: Config,
  log: Logger,
): Promise<void> {
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
}

export async function startDemoCameras(
  infra: Infra,
  cfg: Config,
  count: number,
  log: Logger,
): Promise<DemoCameras> {
  const repo = new CliRepository(requireDatabase(infra).db);
  const simulatable = await simulatableCameras(repo, infra, cfg);
  const { chosen, scenes, cameras } = chooseCameras(simulatable, count);
  const ids = chosen.map((r) => r.id);
  await applySceneRules(repo, chosen, scenes, log);
  const { from, count: continuous } = DEMO_CONTINUOUS;
  await repo.recordDefaultCameras(ids.slice(from, from + continuous), "continuous");
  // The seeded cameras the simulator does not serve are switched off for this run (and the served ones on),
  // so that the demo shows no camera as offline that was never meant to stream, nor raises camera_offline
  // alerts for them. `--cameras N` changes the split at the next start.
  await repo.setCamerasEnabled(ids, true);
  await repo.setCamerasEnabled(
    simulatable.map((r) => r.id).filter((id) => !ids.includes(id)),
    false,
  );
  const simulator = new CameraSimulator();
  if (cameras.length === 0) return { cameraIds: [], scenes, simulator, stop: async () => {} };
  await startSimulator(simulator, cameras, infra, cfg, log);
  const perScene: Record<string, number[]> = {};
  for (const [id, s] of scenes) perScene[s.name] = [...(perScene[s.name] ?? []), id];
  log.info(
    { cameras: cameras.length, port: simulator.rtspPort, scenes: perScene },
    "camera simulator serving",
  );
  return { cameraIds: ids, scenes, simulator, stop: () => simulator.stop() };
}
