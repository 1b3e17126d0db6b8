/**
 * The docker-compose stack without containers: the five Mingfang processes docker-compose.yml runs (one
 * api, two ingest, two analytics, each `mingfang serve --roles <role>` from the built CLI) with the
 * environment `docker-compose config` gives each service. Only what a container would see differently is
 * replaced: the host names of PostgreSQL and Redis by this run's (a fresh database on 127.0.0.1:5432, the
 * run's private Redis in a logical database of its own), /run/secrets/* by dummy secret files, the `data`
 * volume (DATA_DIR) by one temporary directory the five share, and the ports and bind addresses by free
 * ports on 127.0.0.1 (the containers each have their own 8080 and 9100).
 *
 * As the compose file's health checks would: the API's /readyz and the workers' internal /readyz answer
 * (through deploy/healthcheck.mjs); /metrics is on the internal listener only. Then the camera simulator
 * serves three cameras, the admin (password from its secret file) points three seeded cameras at it and
 * turns the others off: the cameras go live (their HLS playlist and a segment served through the API) and
 * both analytics processes report analysed frames. The two ingest nodes share the cameras through leases
 * (each live camera's status names its node; that no camera is pulled twice is ingest-nodes.integration's).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { type AnalyticsStats, createRedis, REDIS_KEYS, type Redis } from "@mingfang/core";
import { CameraSimulator, simulatedCameras } from "@mingfang/ingest";
import { spawnTethered, type TetheredProcess } from "@mingfang/process";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../pg.js";
import {
  type ComposeConfig,
  composeConfig,
  DUMMY_SECRETS,
  envOf,
  healthTestOf,
  ROOT,
  writeDummySecrets,
} from "../support/compose-config.js";
import { waitFor } from "../support/demo-process.mjs";

const CLI = path.join(ROOT, "services/cli/dist/main.js");
const run = promisify(execFile);

interface Proc {
  name: string;
  env: Record<string, string>;
  proc: TetheredProcess;
  output: string[];
  internalPort: number;
  exited: boolean;
}

// Ports of this file: a block of 10 per test process below the ephemeral range (where a port found free
// may be taken by an outgoing connection before the server binds it) and below the blocks of
// test/support/demo-process.mjs (20000–31999); a port in use is skipped.
let nextPort = 10_000 + (process.pid % 1000) * 10;

async function freePort(): Promise<number> {
  for (;;) {
    const port = ++nextPort;
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once("error", () => resolve(false));
      srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

const t0 = Date.now();
/** A timing line for docs/operations.md's figures. */
const mark = (what: string) =>
  process.stderr.write(`[compose-stack] ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

/** What the test replaces in a service's environment, and nothing else (checked). */
const REPLACED = ["DATA_DIR", "DATABASE_URL", "REDIS_URL", "HOST", "PORT", "INTERNAL_HOST", "INTERNAL_PORT"];

describe("the docker-compose stack as processes: api, 2 × ingest, 2 × analytics", () => {
  let config: ComposeConfig;
  let db: TestDatabase;
  let redis: Redis;
  let redisUrl: string;
  let dataDir: string;
  let secretsDir: string;
  let apiPort: number;
  let api: Proc;
  const procs: Proc[] = [];
  const sim = new CameraSimulator();
  let cookie = "";
  /** The cameras the simulator serves. */
  let live: number[] = [];
  const call = (url: string, init: RequestInit = {}) =>
    fetch(`http://127.0.0.1:${apiPort}${url}`, {
      ...init,
      headers: { cookie, "content-type": "application/json", ...init.headers },
    });
  const cams = simulatedCameras(3, "compose-e2e", "cmp");

  /** A service's compose environment with the host-specific values replaced. */
  async function localEnv(service: string): Promise<Record<string, string>> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(envOf(config.services[service]!))) {
      env[k] = v.replace(/^\/run\/secrets\//, `${secretsDir}/`);
    }
    env.DATA_DIR = dataDir;
    env.REDIS_URL = redisUrl;
    if (env.DATABASE_URL) {
      const url = new URL(db.url);
      // The run's server takes the test user without a password; the password file is still read.
      if (url.password) delete env.DATABASE_PASSWORD_FILE;
      env.DATABASE_URL = url.toString();
    }
    if (env.HOST) env.HOST = "127.0.0.1";
    if (env.PORT) env.PORT = String(apiPort);
    env.INTERNAL_HOST = "127.0.0.1";
    env.INTERNAL_PORT = String(await freePort());
    return env;
  }

  function start(name: string, env: Record<string, string>, args: string[]): Proc {
    const output: string[] = [];
    const proc = spawnTethered(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...env },
      logLine: (_s, line) => {
        output.push(line);
        if (output.length > 400) output.shift();
      },
    });
    const p: Proc = { name, env, proc, output, internalPort: Number(env.INTERNAL_PORT), exited: false };
    proc.exited.then(() => {
      p.exited = true;
    });
    procs.push(p);
    return p;
  }

  const tail = (p: Proc) => `${p.name}:\n${p.output.slice(-30).join("\n")}`;

  async function ok(url: string, init?: RequestInit): Promise<Response | undefined> {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) }).catch(() => undefined);
    return res?.ok ? res : undefined;
  }

  /** As the admin (password from its secret file): three seeded cameras to the simulator, the others off. */
  async function pointCamerasAtSimulator(): Promise<void> {
    const login = await fetch(`http://127.0.0.1:${apiPort}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: DUMMY_SECRETS.admin_password }),
    });
    expect(login.status).toBe(200);
    cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
    const ids: number[] = [];
    for (let page = 1; ; page++) {
      const body = (await (await call(`/api/cameras?pageSize=200&page=${page}`)).json()) as {
        items: { id: number }[];
        total: number;
      };
      ids.push(...body.items.map((c) => c.id));
      if (ids.length >= body.total || body.items.length === 0) break;
    }
    expect(ids.length).toBeGreaterThan(cams.length);
    for (const [i, id] of ids.slice(0, cams.length).entries()) {
      const res = await call(`/api/cameras/${id}`, {
        method: "PATCH",
        body: JSON.stringify({
          sourceUrl: sim.rtspUrl(cams[i]!.key, "main"),
          subUrl: sim.rtspUrl(cams[i]!.key, "sub"),
          analyse: true,
          enabled: true,
        }),
      });
      expect(res.status, await res.text()).toBe(200);
    }
    for (const id of ids.slice(cams.length)) {
      const res = await call(`/api/cameras/${id}`, {
        method: "PATCH",
        body: JSON.stringify({ enabled: false }),
      });
      expect(res.status).toBe(200);
    }
    live = ids.slice(0, cams.length);
  }

  beforeAll(async () => {
    secretsDir = mkdtempSync(path.join(tmpdir(), "mf-compose-secrets-"));
    writeDummySecrets(secretsDir);
    config = composeConfig({ MINGFANG_SECRETS_DIR: secretsDir });
    dataDir = mkdtempSync(path.join(tmpdir(), "mf-compose-data-"));
    db = await createTestDatabase(inject("pgUrl")!);
    // A logical database of this file's own in the run's Redis: the stack's keys and queues are the real ones.
    const u = new URL(inject("redisUrl"));
    u.pathname = `/${1 + (process.pid % 15)}`;
    redisUrl = u.toString();
    redis = createRedis(redisUrl);
    await redis.flushdb();
    apiPort = await freePort();
    await sim.start({ cameras: cams, discoveryInterface: false, dataDir: path.join(ROOT, ".test-data") });
    mark("simulator started");
  }, 120_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.proc.stop(15_000)));
    await sim.stop();
    await redis?.flushdb().catch(() => {});
    redis?.disconnect();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(secretsDir, { recursive: true, force: true });
  }, 60_000);

  it("starts every process with the compose environment, healthy by the compose health checks", async () => {
    const apiEnv = await localEnv("api");
    const composeEnv = envOf(config.services.api!);
    for (const [k, v] of Object.entries(composeEnv)) {
      if (!REPLACED.includes(k) && !v.startsWith("/run/secrets/")) expect(apiEnv[k], k).toBe(v);
    }
    // `mingfang seed` as docs/operations.md says (stations, workshops, their cameras; migrations first).
    const seeded = await run(process.execPath, [CLI, "seed"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...apiEnv },
    });
    expect(seeded.stdout).toMatch(/seed: 18 stations, 42 pilot workshops/);
    mark("seeded");
    api = start("api", apiEnv, ["serve", "--roles", "api"]);
    const ready = `http://127.0.0.1:${apiPort}/readyz`;
    await waitFor(
      () => {
        if (api.exited) throw new Error(`the API exited\n${tail(api)}`);
        return ok(ready);
      },
      60_000,
      () => `the API ready\n${tail(api)}`,
    );
    mark("api ready");
    // The compose file's own check, its port mapped to this run's.
    const [, ...check] = config.services.api!.healthcheck!.test as string[];
    expect(check.join(" ")).toBe(healthTestOf(config.services.api!).replace(/^CMD /, ""));
    const mapped = check.map((a) => a.replace("127.0.0.1:8080", `127.0.0.1:${apiPort}`));
    await run(mapped[0] === "node" ? process.execPath : mapped[0]!, mapped.slice(1), { cwd: ROOT });
    // /metrics and /api/docs only on the internal listener.
    expect((await fetch(`http://127.0.0.1:${apiPort}/metrics`)).status).toBe(404);
    expect((await ok(`http://127.0.0.1:${api.internalPort}/metrics`))?.status).toBe(200);

    // Before the ingest starts: the seeded cameras point at a simulator that does not run here.
    await pointCamerasAtSimulator();
    mark("cameras pointed at the simulator");
    for (const service of ["ingest", "analytics"]) {
      for (const n of [1, 2])
        start(`${service}-${n}`, await localEnv(service), ["serve", "--roles", service]);
    }
    for (const p of procs.filter((x) => x !== api)) {
      const [, ...c] = config.services[p.name.replace(/-\d$/, "")]!.healthcheck!.test as string[];
      const args = c.map((a) => a.replace("127.0.0.1:9100", `127.0.0.1:${p.internalPort}`));
      await waitFor(
        () =>
          run(process.execPath, args.slice(1), { cwd: ROOT }).then(
            () => true,
            () => false,
          ),
        90_000,
        () => `${p.name} healthy\n${tail(p)}`,
        500,
      );
      mark(`${p.name} healthy`);
      // Its metrics on the same internal port, where deploy/prometheus.yml scrapes them.
      const metrics = await ok(`http://127.0.0.1:${p.internalPort}/metrics`);
      expect(await metrics?.text()).toContain(`mingfang_${p.name.replace(/-\d$/, "")}_`);
    }
  }, 180_000);

  it("puts cameras live through the API and has both analytics processes analyse their frames", async () => {
    // Each camera's playlist and one of its segments, through the API with a signed URL.
    for (const id of live) {
      await waitFor(
        async () => {
          const { hls } = (await (await call(`/api/cameras/${id}/live`)).json()) as { hls: string };
          const playlist = await ok(`http://127.0.0.1:${apiPort}${hls}`);
          const text = playlist ? await playlist.text() : "";
          const segment = text.split("\n").find((l) => l && !l.startsWith("#"));
          if (!text.startsWith("#EXTM3U") || !segment) return false;
          const segUrl = new URL(segment, `http://127.0.0.1:${apiPort}${hls}`);
          return ok(segUrl.toString());
        },
        60_000,
        () => `camera ${id} live through the API\n${procs.map(tail).join("\n")}`,
        1000,
      );
    }

    mark("cameras live through the API");
    // The two ingest nodes share the cameras through leases (REDIS_URL is set): each live camera's status
    // names the one node that runs it.
    for (const id of live) {
      const status = JSON.parse((await redis.get(REDIS_KEYS.cameraStatus(id))) ?? "{}") as { node?: string };
      expect(status.node, `camera ${id}'s owning node`).toMatch(/\S/);
    }
    // Both analytics processes report frames analysed (REDIS_KEYS.analyticsStats, what the system page reads).
    const stats = await waitFor(
      async () => {
        const all = Object.values(await redis.hgetall(REDIS_KEYS.analyticsStats)).map(
          (v) => JSON.parse(v) as AnalyticsStats,
        );
        return all.length >= 2 && all.reduce((n, s) => n + s.analysed, 0) >= cams.length ? all : undefined;
      },
      60_000,
      () =>
        `analysed frames from 2 workers\n${procs
          .filter((p) => p.name.startsWith("analytics"))
          .map(tail)
          .join("\n")}`,
      1000,
    );
    mark("frames analysed by both workers");
    expect(stats).toHaveLength(2);
    process.stderr.write(`[compose-stack] analysed per worker: ${stats.map((s) => s.analysed).join(", ")}\n`);
    for (const p of procs) expect(p.exited, `${p.name} still running`).toBe(false);
  }, 150_000);
});
