/**
 * vitest globalSetup: one private Redis for the whole run, and a PostgreSQL for the tests.
 *
 * PostgreSQL, in order: `TEST_PG_URL`; the local server at postgres://postgres@127.0.0.1:5432/postgres if it
 * accepts us; a private cluster made with Debian's PostgreSQL binaries (/usr/lib/postgresql/<v>/bin) in a
 * temporary directory; else none (`pgUrl` is null and PostgreSQL tests must skip) — which fails the run
 * when CI=true. `MINGFANG_TEST_PG=private` skips the first two and always makes a private cluster.
 *
 * Values reach the test workers through provide/inject (see provided.d.ts), not process.env.
 */
import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { ensureClips } from "../ingest/src/simulator/clips.js";
import { findFreePort, startPrivateRedis } from "../services/process/src/private-redis.js";
import { spawnTethered, type TetheredProcess } from "../services/process/src/tethered.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TEST_DATA = join(ROOT, ".test-data");
const DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres";

function log(msg: string): void {
  process.stderr.write(`[test-setup] ${msg}\n`);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes data directories of runs that are gone (killed before their teardown; their servers, being
 * tethered, died with them): `.test-data/redis-<pid>` and `<tmp>/mingfang-pg-<pid>-*`.
 */
function removeStaleDirs(): void {
  const sweep = (dir: string, pattern: RegExp) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      const m = pattern.exec(entry);
      if (m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]))) {
        rmSync(join(dir, entry), { recursive: true, force: true });
      }
    }
  };
  sweep(TEST_DATA, /^redis-(\d+)$/);
  sweep(tmpdir(), /^mingfang-pg-(\d+)-/);
}

async function canConnect(url: string, timeoutMs = 3000): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (err) {
    return (err as Error).message || String(err);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The newest Debian PostgreSQL bin directory that has initdb and postgres. */
function findPostgresBin(): string | undefined {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = join(base, v, "bin");
    if (existsSync(join(bin, "initdb")) && existsSync(join(bin, "postgres"))) return bin;
  }
  return undefined;
}

function postgresUser(): { uid: number; gid: number } | undefined {
  for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
    const [name, , uid, gid] = line.split(":");
    if (name === "postgres" && uid && gid) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

function run(cmd: string, args: string[], opts: { uid?: number; gid?: number; cwd: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { ...opts, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${err.message}\n${stdout}${stderr}`.trim()));
      else resolve();
    });
  });
}

interface PrivateCluster {
  url: string;
  stop(): Promise<void>;
}

/**
 * initdb + postgres in a temporary directory, trust auth, 127.0.0.1 on a free port, durability off (test
 * data only). As root both run as the `postgres` user (PostgreSQL refuses root). Tethered: dies with us.
 */
async function startPrivateCluster(bin: string): Promise<PrivateCluster> {
  const isRoot = process.getuid?.() === 0;
  const user = isRoot ? postgresUser() : undefined;
  if (isRoot && !user)
    throw new Error("running as root but there is no `postgres` user to run PostgreSQL as");
  const dir = mkdtempSync(join(tmpdir(), `mingfang-pg-${process.pid}-`));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, "data");
  const ids = user ? { uid: user.uid, gid: user.gid } : {};
  let proc: TetheredProcess | undefined;
  try {
    await run(
      join(bin, "initdb"),
      ["-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"],
      { ...ids, cwd: dir },
    );
    const port = await findFreePort();
    const tail: string[] = [];
    proc = spawnTethered(
      join(bin, "postgres"),
      [
        "-D",
        data,
        "-p",
        String(port),
        "-k",
        dir,
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "max_connections=200",
      ],
      {
        ...ids,
        cwd: dir,
        stopSignal: "SIGINT", // "fast" shutdown: does not wait for clients to disconnect
        orphanGraceMs: 5000,
        logLine: (_s, line) => {
          tail.push(line);
          if (tail.length > 30) tail.shift();
        },
      },
    );
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    let exited = false;
    void proc.exited.then(() => {
      exited = true;
    });
    const deadline = Date.now() + 30_000;
    let lastError: string | undefined = "not tried";
    while (!exited && Date.now() < deadline) {
      lastError = await canConnect(url, 2000);
      if (!lastError) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (lastError) {
      throw new Error(
        `private PostgreSQL did not start (${lastError}); its last output:\n${tail.join("\n")}`,
      );
    }
    const running = proc;
    return {
      url,
      async stop() {
        await running.stop(10_000);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await proc?.stop(2000);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function findPostgres(): Promise<{ url: string | null; stop?: () => Promise<void> }> {
  const forcePrivate = process.env.MINGFANG_TEST_PG === "private";
  const envUrl = process.env.TEST_PG_URL;
  if (envUrl && !forcePrivate) {
    const err = await canConnect(envUrl);
    if (err) throw new Error(`TEST_PG_URL is set but PostgreSQL there does not accept connections: ${err}`);
    log("PostgreSQL: TEST_PG_URL");
    return { url: envUrl };
  }
  if (!forcePrivate && !(await canConnect(DEFAULT_PG_URL))) {
    log(`PostgreSQL: local server at ${DEFAULT_PG_URL}`);
    return { url: DEFAULT_PG_URL };
  }
  const bin = findPostgresBin();
  if (bin) {
    const started = Date.now();
    const cluster = await startPrivateCluster(bin);
    log(`PostgreSQL: private cluster from ${bin} at ${cluster.url} (${Date.now() - started} ms)`);
    return cluster;
  }
  const message =
    "No PostgreSQL available: TEST_PG_URL is not set, nothing accepts connections at 127.0.0.1:5432, " +
    "and /usr/lib/postgresql/*/bin/initdb does not exist. Install it with `sudo apt-get install -y " +
    "postgresql` (or run `node deploy/setup.mjs --for test`).";
  if (process.env.CI === "true") throw new Error(`${message} CI must test PostgreSQL.`);
  const bar = "!".repeat(100);
  log(`${bar}\n${message}\nPostgreSQL tests will be SKIPPED.\n${bar}`);
  return { url: null };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  removeStaleDirs();
  const redisDir = join(TEST_DATA, `redis-${process.pid}`);
  rmSync(redisDir, { recursive: true, force: true });
  const redis = await startPrivateRedis({ dir: redisDir });
  let postgres: Awaited<ReturnType<typeof findPostgres>>;
  try {
    postgres = await findPostgres();
  } catch (err) {
    await redis.stop();
    throw err;
  }
  project.provide("redisUrl", redis.url);
  project.provide("pgUrl", postgres.url);
  // The simulator's default clips, shared by the tests that run it (under .test-data/clips): encoded once
  // here, not inside some test's time limit.
  const t0 = Date.now();
  const clips = await ensureClips({ dataDir: TEST_DATA });
  log(`simulator clips ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (${clips.dir})`);

  return async () => {
    await Promise.allSettled([redis.stop(), postgres.stop?.()]);
    rmSync(redisDir, { recursive: true, force: true });
  };
}
