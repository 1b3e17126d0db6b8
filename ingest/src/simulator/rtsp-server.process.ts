/**
 * The RTSP side of the simulator: one tethered `/usr/bin/python3 ingest/python/rtsp-simulator.py` process
 * (GStreamer's RTSP server) serving every camera on one port, and its HTTP control port for faults.
 */
import { existsSync } from "node:fs";
import { request } from "node:http";
import { fileURLToPath } from "node:url";
import { spawnTethered, type TetheredProcess } from "@mingfang/process";

/** Same relative path from src/simulator (vitest) and dist/simulator (built). */
export const RTSP_SIMULATOR_SCRIPT = fileURLToPath(
  new URL("../../python/rtsp-simulator.py", import.meta.url),
);
/** Debian's Python: it has the `gi` bindings (python3-gi); a pyenv/venv python usually does not. */
export const SYSTEM_PYTHON = "/usr/bin/python3";

/** The environment without a pyenv/venv's Python settings, which would break Debian's interpreter. */
function pythonEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ["PYTHONHOME", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONSTARTUP"]) delete env[k];
  return env;
}

export type RtspFault = "stop" | "stall" | "garbage" | "cover" | "shift" | "blur" | "resume";

export interface RtspCameraConfig {
  key: string;
  username: string;
  password: string;
  /** Name of a clip in `clips`. */
  clip: string;
  /** Start position in the clip, in frames (so that cameras do not show the same picture). */
  offset: number;
}

export interface RtspServerConfig {
  host: string;
  /** 0 → a free port. */
  rtspPort: number;
  clips: Record<string, { main: string; sub: string; fps: number }>;
  /** Per clip, its tampering variants (effect → clip name), served on the faults cover, shift, blur. */
  variants?: Record<string, Record<string, string>>;
  cameras: RtspCameraConfig[];
}

export interface RtspCameraStatus {
  mode: "normal" | "stop" | "stall" | "garbage" | "cover" | "shift" | "blur";
  clients: number;
  media: { main: number; sub: number };
  /** RTSP sessions playing each path now (PLAY to TEARDOWN or disconnect). */
  sessions: { main: number; sub: number };
  /** The most sessions each path ever had at once since the simulator started. */
  maxSessions: { main: number; sub: number };
}

export class RtspServerProcess {
  private constructor(
    private readonly proc: TetheredProcess,
    readonly rtspPort: number,
    readonly controlPort: number,
    readonly host: string,
  ) {}

  get pid(): number {
    return this.proc.pid;
  }

  get exited(): TetheredProcess["exited"] {
    return this.proc.exited;
  }

  static async start(
    config: RtspServerConfig,
    log: (line: string) => void = () => {},
    timeoutMs = 30_000,
  ): Promise<RtspServerProcess> {
    if (!existsSync(SYSTEM_PYTHON)) {
      throw new Error(`${SYSTEM_PYTHON} is missing: the simulator needs Debian's python3 with python3-gi`);
    }
    let onReady: (ports: { rtspPort: number; controlPort: number }) => void = () => {};
    const ready = new Promise<{ rtspPort: number; controlPort: number }>((resolve) => {
      onReady = resolve;
    });
    const tail: string[] = [];
    const proc = spawnTethered(SYSTEM_PYTHON, [RTSP_SIMULATOR_SCRIPT], {
      // The configuration (with credentials) goes in the environment, not in argv (`ps` shows argv).
      env: {
        ...pythonEnv(),
        MINGFANG_RTSP_SIM_CONFIG: JSON.stringify({ ...config, controlPort: 0 }),
        PYTHONUNBUFFERED: "1",
      },
      logLine: (stream, line) => {
        if (stream === "stdout" && line.startsWith("{")) {
          try {
            const msg = JSON.parse(line) as { event?: string; rtspPort?: number; controlPort?: number };
            if (msg.event === "ready" && msg.rtspPort && msg.controlPort) {
              onReady({ rtspPort: msg.rtspPort, controlPort: msg.controlPort });
              return;
            }
          } catch {
            // Not ours: logged below.
          }
        }
        tail.push(line);
        if (tail.length > 20) tail.shift();
        log(line);
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      ready,
      proc.exited.then(
        (e) => new Error(`rtsp-simulator exited (${e.signal ?? `code ${e.code}`}): ${tail.join(" | ")}`),
      ),
      new Promise<Error>((resolve) => {
        timer = setTimeout(
          () => resolve(new Error(`rtsp-simulator not ready after ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
    clearTimeout(timer);
    if (outcome instanceof Error) {
      await proc.stop(1000);
      throw outcome;
    }
    return new RtspServerProcess(proc, outcome.rtspPort, outcome.controlPort, config.host);
  }

  private control<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          host: this.host,
          port: this.controlPort,
          method,
          path,
          headers: data
            ? { "content-type": "application/json", "content-length": Buffer.byteLength(data) }
            : {},
          timeout: 15_000,
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => {
            text += c;
          });
          res.on("end", () => {
            if (res.statusCode === 200) resolve(JSON.parse(text) as T);
            else reject(new Error(`rtsp-simulator control ${path}: ${res.statusCode} ${text}`));
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error("rtsp-simulator control: timeout")));
      req.on("error", reject);
      req.end(data);
    });
  }

  async fault(key: string, mode: RtspFault): Promise<void> {
    await this.control("POST", "/fault", { key, mode });
  }

  async status(): Promise<Record<string, RtspCameraStatus>> {
    return (await this.control<{ cameras: Record<string, RtspCameraStatus> }>("GET", "/status")).cameras;
  }

  stop(): Promise<void> {
    return this.proc.stop(3000);
  }
}
