/**
 * The camera simulator for humans:
 *
 *   npm run simulator -- --cameras 4 [--rtsp-port 8554] [--onvif-base-port 18000] [--data-dir DIR]
 *                        [--secret S] [--show-credentials]
 *
 * Prints each camera's RTSP and ONVIF addresses, then reads commands on stdin:
 *   stop|stall|garbage|cover|shift|blur|resume <key>   status   quit
 */
import path from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { type CameraFault, CameraSimulator, simulatedCameras } from "./camera-simulator.js";
import { progressBar } from "./clips.js";

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

function intOption(argv: string[], name: string, fallback: number): number {
  const v = option(argv, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got "${v}"`);
  return n;
}

export async function main(argv: string[]): Promise<void> {
  const count = intOption(argv, "--cameras", 4);
  const showCredentials = argv.includes("--show-credentials");
  const cameras = simulatedCameras(count, option(argv, "--secret") ?? "mingfang-simulator");
  const sim = new CameraSimulator();
  const bar = await progressBar("encoding clips");
  const dataDir = option(argv, "--data-dir");
  await sim.start({
    cameras,
    rtspPort: intOption(argv, "--rtsp-port", 8554),
    onvifBasePort: intOption(argv, "--onvif-base-port", 0),
    ...(dataDir ? { dataDir } : {}),
    onClipProgress: bar.onProgress,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  bar.stop();
  const out = process.stdout;
  out.write(`${count} simulated cameras (RTSP on 127.0.0.1:${sim.rtspPort}, WS-Discovery on 127.0.0.1)\n`);
  for (const c of cameras) {
    out.write(
      `  ${c.key}  ${sim.rtspUrl(c.key, "main", { credentials: showCredentials })}  ` +
        `${sim.rtspUrl(c.key, "sub", { credentials: showCredentials })}  ONVIF ${sim.onvifUrl(c.key)}` +
        `${showCredentials ? `  (${c.username} / ${c.password})` : ""}\n`,
    );
  }
  if (!showCredentials) out.write("(user admin; --show-credentials prints the passwords)\n");
  out.write("commands: stop|stall|garbage|cover|shift|blur|resume <key>, status, quit\n");

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await sim.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown());
  process.on("SIGTERM", () => void shutdown());
  const rl = createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    const [cmd, key] = line.trim().split(/\s+/);
    void (async () => {
      try {
        if (cmd === "quit" || cmd === "exit") return shutdown();
        if (cmd === "status") {
          for (const s of await sim.status())
            out.write(
              `  ${s.key}: ${s.fault}, ${s.rtsp?.clients ?? 0} RTSP clients, ONVIF ${s.onvifListening ? "up" : "down"}\n`,
            );
          return;
        }
        if (cmd && ["stop", "stall", "garbage", "cover", "shift", "blur", "resume"].includes(cmd) && key) {
          await sim.fault(key, cmd as CameraFault);
          out.write(`  ${key}: ${cmd}\n`);
          return;
        }
        if (cmd) out.write("commands: stop|stall|garbage|cover|shift|blur|resume <key>, status, quit\n");
      } catch (err) {
        out.write(`  error: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    })();
  });
  rl.on("close", () => {
    // stdin closed (e.g. run in the background): keep serving until a signal.
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
