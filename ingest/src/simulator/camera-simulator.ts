/**
 * N simulated IP cameras on 127.0.0.1, each as a real camera looks from the network:
 *   - RTSP `/<key>/main` and `/<key>/sub` (H.264, looping clips, per-camera Digest/Basic credentials), all
 *     from one tethered GStreamer process on one port;
 *   - an ONVIF device service per camera (own HTTP port) with main and sub profiles and a snapshot;
 *   - a WS-Discovery responder on the configured interface;
 *   - faults: stop (off: RTSP refused/closed, ONVIF down), stall, garbage, resume.
 *
 *   const sim = new CameraSimulator();
 *   await sim.start({ cameras: [{ key: "cam1", username: "admin", password: "secret" }], dataDir });
 *   sim.rtspUrl("cam1", "sub");   // rtsp://admin:secret@127.0.0.1:PORT/cam1/sub
 *   await sim.fault("cam1", "stall");
 *   await sim.stop();
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import type { ProbeMatch } from "@mingfang/onvif";
import type { ClipRecipe } from "./clip-recipes.js";
import { type Clip, type ClipSet, ensureClips } from "./clips.js";
import { OnvifDevice, SNAPSHOT_PATH } from "./onvif-device.js";
import type { DeviceBehaviour, DeviceDescription } from "./onvif-soap.js";
import { type RtspCameraStatus, type RtspFault, RtspServerProcess } from "./rtsp-server.process.js";
import { WsDiscoveryResponder } from "./ws-discovery.responder.js";

const run = promisify(execFile);

export type CameraFault = RtspFault;
export type CameraStream = "main" | "sub";

export interface SimulatedCamera {
  /** URL-safe id: `[A-Za-z0-9_-]+`; the RTSP paths are `/<key>/main` and `/<key>/sub`. */
  key: string;
  username: string;
  password: string;
  /** Human name (ONVIF device name scope). Default: the key. */
  name?: string;
  /** Clip to serve (a recipe name). Default: the clips in turn. */
  clip?: string;
  /**
   * Second of the clip the camera is at when the simulator starts (whole seconds, wrapped round the
   * clip). Default: a second derived from the key, so that cameras on one clip show different pictures.
   */
  startSecond?: number;
  /** ONVIF misbehaviour for tests: no profiles, SOAP faults on some operations. */
  onvif?: DeviceBehaviour;
}

export interface CameraSimulatorOptions {
  cameras: SimulatedCamera[];
  /** RTSP port; default 0 (a free port; read `rtspPort` after start). */
  rtspPort?: number;
  /** Camera i's ONVIF service listens on onvifBasePort + i; default 0 (free ports). */
  onvifBasePort?: number;
  /** IPv4 address whose interface joins WS-Discovery; default "127.0.0.1"; false: no responder. */
  discoveryInterface?: string | false;
  /** Where the clips are cached (`<dataDir>/clips`); default the configuration's DATA_DIR. */
  dataDir?: string;
  /** Clip recipes (default: CLIP_RECIPES). */
  recipes?: readonly ClipRecipe[];
  /** Progress of clip encoding when the cache is missing. */
  onClipProgress?: (doneSeconds: number, totalSeconds: number, file: string) => void;
  /** Lines from the RTSP process (stderr). */
  log?: (line: string) => void;
}

export interface CameraState {
  key: string;
  fault: "none" | Exclude<CameraFault, "resume">;
  rtsp: RtspCameraStatus | undefined;
  onvifListening: boolean;
}

const HOST = "127.0.0.1";
const KEY_RE = /^[A-Za-z0-9_-]+$/;

interface Running {
  spec: SimulatedCamera;
  clip: Clip;
  device: OnvifDevice;
  fault: CameraState["fault"];
  endpoint: string;
}

function uuidFromKey(key: string): string {
  const h = createHash("sha1").update(`mingfang-simulator:${key}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

async function snapshotOf(file: string): Promise<Buffer> {
  const jpeg = file.replace(/\.mp4$/, ".jpg");
  if (!existsSync(jpeg)) {
    const tmp = `${jpeg}.${process.pid}.part.jpg`;
    await run("ffmpeg", [
      "-hide_banner",
      "-nostdin",
      "-loglevel",
      "error",
      "-y",
      "-ss",
      "1",
      "-i",
      file,
      "-frames:v",
      "1",
      "-q:v",
      "4",
      tmp,
    ]);
    const { rename } = await import("node:fs/promises");
    await rename(tmp, jpeg);
  }
  return readFileSync(jpeg);
}

/** Refuses bad or repeated keys and bad start seconds before anything starts. */
function validateCameras(cameras: readonly SimulatedCamera[]): void {
  const seen = new Set<string>();
  for (const c of cameras) {
    if (!KEY_RE.test(c.key)) throw new Error(`camera key "${c.key}" must match ${KEY_RE}`);
    if (seen.has(c.key)) throw new Error(`camera key "${c.key}" is used twice`);
    if (c.startSecond !== undefined && !(Number.isInteger(c.startSecond) && c.startSecond >= 0))
      throw new Error(`camera "${c.key}": startSecond must be a whole number of seconds >= 0`);
    seen.add(c.key);
  }
}

/** The clips (encoded when the cache lacks them) and a snapshot JPEG of each stream, by file path. */
async function prepareClips(
  opts: CameraSimulatorOptions,
): Promise<{ clipSet: ClipSet; snapshots: Map<string, Buffer> }> {
  let dataDir = opts.dataDir;
  if (!dataDir) {
    const { loadConfig } = await import("@mingfang/core");
    dataDir = loadConfig().DATA_DIR;
  }
  const clipSet = await ensureClips({
    dataDir,
    ...(opts.recipes ? { recipes: opts.recipes } : {}),
    ...(opts.onClipProgress ? { onProgress: opts.onClipProgress } : {}),
  });
  const snapshots = new Map<string, Buffer>();
  for (const c of clipSet.clips) {
    snapshots.set(c.main.path, await snapshotOf(c.main.path));
    snapshots.set(c.sub.path, await snapshotOf(c.sub.path));
  }
  return { clipSet, snapshots };
}

/** Each camera's clip: the one it names, else the clips in turn. */
function chooseClips(cameras: readonly SimulatedCamera[], clipSet: ClipSet) {
  const clipByName = new Map(clipSet.clips.map((c) => [c.name, c]));
  const plain = clipSet.clips.filter((c) => !c.tamper); // the tampering variants are served on faults only
  return cameras.map((spec, i) => {
    const clip = spec.clip ? clipByName.get(spec.clip) : plain[i % plain.length];
    if (!clip) throw new Error(`camera "${spec.key}": no clip named "${spec.clip}"`);
    return { spec, clip };
  });
}

/** Each camera starts at its own whole second of the clip (or the one it asks for). */
function startSecond(spec: SimulatedCamera, clip: Clip): number {
  return (
    (spec.startSecond ?? Number.parseInt(createHash("sha1").update(spec.key).digest("hex").slice(0, 8), 16)) %
    clip.duration
  );
}

/** What a camera's ONVIF service says about itself, listening on `port`. */
function deviceDescription(
  spec: SimulatedCamera,
  clip: Clip,
  port: number,
  rtspPort: number,
): DeviceDescription {
  return {
    deviceServiceUrl: `http://${HOST}:${port}/onvif/device_service`,
    mediaServiceUrl: `http://${HOST}:${port}/onvif/media_service`,
    snapshotUrl: `http://${HOST}:${port}${SNAPSHOT_PATH}`,
    manufacturer: "Mingfang Simulator",
    model: "SIM-IPC-2",
    firmwareVersion: "1.0.0",
    serialNumber: `SIM-${spec.key}`,
    hardwareId: "sim-h264",
    streams: (["main", "sub"] as const).map((token) => ({
      token,
      width: clip[token].width,
      height: clip[token].height,
      fps: clip.fps,
      kbps: token === "main" ? 900 : 300,
      rtspUrl: `rtsp://${HOST}:${rtspPort}/${spec.key}/${token}`,
    })),
  };
}

export class CameraSimulator {
  private rtsp: RtspServerProcess | undefined;
  private discovery: WsDiscoveryResponder | undefined;
  private readonly cams = new Map<string, Running>();
  private clipSet: ClipSet | undefined;

  /** The RTSP port (after start). */
  get rtspPort(): number {
    if (!this.rtsp) throw new Error("simulator not started");
    return this.rtsp.rtspPort;
  }

  /** Pid of the GStreamer RTSP process (after start). */
  get rtspPid(): number | undefined {
    return this.rtsp?.pid;
  }

  get keys(): string[] {
    return [...this.cams.keys()];
  }

  get clips(): ClipSet | undefined {
    return this.clipSet;
  }

  async start(opts: CameraSimulatorOptions): Promise<void> {
    if (this.rtsp) throw new Error("simulator already started");
    validateCameras(opts.cameras);
    const { clipSet, snapshots } = await prepareClips(opts);
    this.clipSet = clipSet;
    const chosen = chooseClips(opts.cameras, clipSet);
    try {
      const rtspPort = await this.startRtsp(chosen, clipSet, opts);
      for (const [i, { spec, clip }] of chosen.entries()) {
        const port = opts.onvifBasePort ? opts.onvifBasePort + i : 0;
        await this.startDevice(spec, clip, port, rtspPort, snapshots);
      }
      await this.startDiscovery(opts);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** The one RTSP process for every camera; its port. */
  private async startRtsp(
    chosen: { spec: SimulatedCamera; clip: Clip }[],
    clipSet: ClipSet,
    opts: CameraSimulatorOptions,
  ): Promise<number> {
    this.rtsp = await RtspServerProcess.start(
      {
        host: HOST,
        rtspPort: opts.rtspPort ?? 0,
        clips: Object.fromEntries(
          clipSet.clips.map((c) => [c.name, { main: c.main.path, sub: c.sub.path, fps: c.fps }]),
        ),
        variants: Object.fromEntries(
          clipSet.clips.flatMap((c) => {
            const v = Object.fromEntries(
              clipSet.clips
                .filter((x) => x.tamper && x.name === `${c.name}--${x.tamper}`)
                .map((x) => [x.tamper, x.name]),
            );
            return Object.keys(v).length ? [[c.name, v]] : [];
          }),
        ),
        cameras: chosen.map(({ spec, clip }) => ({
          key: spec.key,
          username: spec.username,
          password: spec.password,
          clip: clip.name,
          offset: startSecond(spec, clip) * clip.fps,
        })),
      },
      opts.log,
    );
    const proc = this.rtsp;
    void proc.exited.then((e) => {
      // Unexpected: every camera is gone. Say so, for whoever is wondering why all streams stopped.
      if (this.rtsp === proc)
        opts.log?.(`rtsp-simulator exited unexpectedly (${e.signal ?? `code ${e.code}`})`);
    });
    return proc.rtspPort;
  }

  /** A camera's ONVIF device service. */
  private async startDevice(
    spec: SimulatedCamera,
    clip: Clip,
    port: number,
    rtspPort: number,
    snapshots: Map<string, Buffer>,
  ): Promise<void> {
    const device = new OnvifDevice({
      host: HOST,
      port,
      username: spec.username,
      password: spec.password,
      ...(spec.onvif ? { behaviour: spec.onvif } : {}),
      snapshot: (stream) => snapshots.get(clip[stream].path),
      describe: (devicePort) => deviceDescription(spec, clip, devicePort, rtspPort),
    });
    await device.start();
    this.cams.set(spec.key, {
      spec,
      clip,
      device,
      fault: "none",
      endpoint: `urn:uuid:${uuidFromKey(spec.key)}`,
    });
  }

  private async startDiscovery(opts: CameraSimulatorOptions): Promise<void> {
    const iface = opts.discoveryInterface ?? HOST;
    if (iface === false) return;
    const responder = new WsDiscoveryResponder(iface, () => this.probeMatches());
    try {
      await responder.start();
      this.discovery = responder;
    } catch (err) {
      // The cameras still stream; only discovery is missing (e.g. UDP 3702 held without SO_REUSEADDR).
      await responder.stop();
      opts.log?.(`WS-Discovery responder not started on ${iface}: ${(err as Error).message}`);
    }
  }

  private camera(key: string): Running {
    const cam = this.cams.get(key);
    if (!cam) throw new Error(`no simulated camera "${key}"`);
    return cam;
  }

  private probeMatches(): ProbeMatch[] {
    return [...this.cams.values()]
      .filter((c) => c.device.listening)
      .map((c) => ({
        endpoint: c.endpoint,
        types: ["dn:NetworkVideoTransmitter", "tds:Device"],
        scopes: [
          "onvif://www.onvif.org/type/video_encoder",
          "onvif://www.onvif.org/Profile/Streaming",
          `onvif://www.onvif.org/name/${encodeURIComponent(c.spec.name ?? c.spec.key)}`,
          "onvif://www.onvif.org/hardware/SIM-IPC-2",
          "onvif://www.onvif.org/location/zhangqiu",
        ],
        xaddrs: [c.device.url],
      }));
  }

  /** RTSP URL of a camera's stream; with its credentials unless `credentials: false`. */
  rtspUrl(key: string, stream: CameraStream, opts: { credentials?: boolean } = {}): string {
    const cam = this.camera(key);
    const auth =
      opts.credentials === false
        ? ""
        : `${encodeURIComponent(cam.spec.username)}:${encodeURIComponent(cam.spec.password)}@`;
    return `rtsp://${auth}${HOST}:${this.rtspPort}/${key}/${stream}`;
  }

  /** The camera's ONVIF device service URL (`http://127.0.0.1:PORT/onvif/device_service`). */
  onvifUrl(key: string): string {
    return this.camera(key).device.url;
  }

  /** The clip a camera serves (paths, sizes, fps). */
  clipOf(key: string): Clip {
    return this.camera(key).clip;
  }

  /**
   * stop: the camera is off (RTSP connections closed and new ones dropped, ONVIF service down, silent to
   * discovery); stall: RTSP connections stay open but no data flows; garbage: random bytes on its RTSP
   * connections; cover / shift / blur: the camera serves its clip's tampering variant (lens covered, view
   * turned, focus lost; only for a clip whose recipe has `tamperFaults`); resume: back to normal (ONVIF
   * listens again on the same port).
   */
  async fault(key: string, mode: CameraFault): Promise<void> {
    const cam = this.camera(key);
    if (!this.rtsp) throw new Error("simulator not started");
    await this.rtsp.fault(key, mode);
    if (mode === "stop") await cam.device.stop();
    if (mode === "resume") await cam.device.start();
    cam.fault = mode === "resume" ? "none" : mode;
  }

  async status(): Promise<CameraState[]> {
    const rtsp = this.rtsp ? await this.rtsp.status() : {};
    return [...this.cams.values()].map((c) => ({
      key: c.spec.key,
      fault: c.fault,
      rtsp: rtsp[c.spec.key],
      onvifListening: c.device.listening,
    }));
  }

  async stop(): Promise<void> {
    const rtsp = this.rtsp;
    this.rtsp = undefined;
    await Promise.all([
      this.discovery?.stop(),
      ...[...this.cams.values()].map((c) => c.device.stop()),
      rtsp?.stop(),
    ]);
    this.discovery = undefined;
    this.cams.clear();
  }
}

/** Demo/test helper: `count` cameras `cam01…` with per-camera passwords derived from `secret`. */
export function simulatedCameras(count: number, secret: string, prefix = "cam"): SimulatedCamera[] {
  const width = Math.max(2, String(count).length);
  return Array.from({ length: count }, (_, i) => {
    const key = `${prefix}${String(i + 1).padStart(width, "0")}`;
    const password = createHash("sha256").update(`${secret}:${key}`).digest("base64url").slice(0, 16);
    return { key, username: "admin", password };
  });
}
