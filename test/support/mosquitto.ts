/**
 * A private MQTT broker for the tests: Debian's `mosquitto` on 127.0.0.1 and a free port, anonymous,
 * no persistence, tethered to this process (it cannot outlive the test run).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { findFreePort, spawnTethered } from "@mingfang/process";

export interface PrivateMosquitto {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startPrivateMosquitto(): Promise<PrivateMosquitto> {
  const dir = mkdtempSync(path.join(tmpdir(), "mingfang-mqtt-"));
  const port = await findFreePort();
  const conf = path.join(dir, "mosquitto.conf");
  writeFileSync(
    conf,
    `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n`,
  );
  const lines: string[] = [];
  // Debian installs it in /usr/sbin, which a non-root PATH may lack.
  const bin = existsSync("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto";
  const proc = spawnTethered(bin, ["-c", conf], { logLine: (_s, l) => lines.push(l) });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) {
      await proc.stop();
      throw new Error(`mosquitto did not start on ${port}: ${lines.join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
