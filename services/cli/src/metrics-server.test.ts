/**
 * A process without the api role serves its own /metrics on its internal listener (INTERNAL_PORT, beside
 * /healthz and /readyz): `serve --roles ingest` as the CLI starts it (real Redis, no database), scraped over
 * HTTP; a port already taken is a clear error.
 */
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger, loadConfig } from "@mingfang/core";
import { findFreePort } from "@mingfang/process";
import { afterAll, describe, expect, inject, it } from "vitest";
import { type Platform, startPlatform } from "./platform.js";

const dirs: string[] = [];
const log = createLogger({ level: "silent" });

function env(internalPort: number) {
  const dataDir = mkdtempSync(path.join(tmpdir(), "mingfang-metrics-srv-"));
  dirs.push(dataDir);
  return loadConfig({
    MINGFANG_SECRET: "metrics-server-test-secret-0123456789abcdef",
    REDIS_URL: inject("redisUrl"),
    DATA_DIR: dataDir,
    RTMP_PORT: "0",
    INTERNAL_PORT: String(internalPort),
    INTERNAL_HOST: "127.0.0.1",
  });
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("INTERNAL_PORT of a process without the api role", () => {
  it("an ingest-only process serves the ingest's metrics and its process metrics", async () => {
    const port = await findFreePort();
    let p: Platform | undefined;
    try {
      p = await startPlatform(env(port), log, ["ingest"], { cameraIds: [] });
      expect(p.internalPort).toBe(port);
      expect(p.app).toBeUndefined();
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/plain");
      const text = await res.text();
      expect(text).toMatch(/^mingfang_ingest_frames_sampled_total\{service="mingfang-ingest"\} 0$/m);
      expect(text).toContain("# TYPE mingfang_ingest_lease_moves_total counter");
      expect(text).toContain("# TYPE mingfang_ingest_cameras gauge");
      expect(text).toMatch(/^mingfang_process_cpu_user_seconds_total\{service="mingfang-ingest"\} /m);
      expect(text).not.toContain("mingfang_http_request_duration_seconds");
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      await p?.stop();
    }
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  it("refuses to start on a port in use, naming the setting", async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", () => r()));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      await expect(startPlatform(env(port), log, ["ingest"], { cameraIds: [] })).rejects.toThrow(
        new RegExp(`INTERNAL_PORT ${port} on 127.0.0.1: cannot listen \\(EADDRINUSE\\)`),
      );
    } finally {
      taken.close();
    }
  });
});
