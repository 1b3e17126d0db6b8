import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  type Config,
  ConfigError,
  createLogger,
  type Logger,
  loadConfig,
  type Role,
  roleNeedsStation,
} from "@mingfang/core";
import type { DemoUser } from "@mingfang/db";
import { writeAssessmentFile } from "./assessment.js";
import { CliRepository } from "./cli.repository.js";
import { type DemoCameras, startDemoCameras } from "./demo-cameras.js";
import { openInfra, type Platform, parseRoles, requireDatabase, startPlatform } from "./platform.js";

/** One line per demo scene: its cameras and what should fire (docs/demo-footage.md). */
function sceneLines(simulated: DemoCameras | undefined): string[] {
  const by = new Map<string, { ids: number[]; fires: string[] }>();
  for (const [id, s] of simulated?.scenes ?? []) {
    const e = by.get(s.name) ?? { ids: [], fires: s.fires };
    e.ids.push(id);
    by.set(s.name, e);
  }
  return [...by].map(
    ([clip, e]) =>
      `    ${clip.padEnd(27)} cameras ${e.ids.join(",")}: ${e.fires.length ? `should raise ${e.fires.join(", ")}` : "compliant, nothing should fire"}`,
  );
}

type Opts = Record<string, string | boolean | undefined>;

function fail(msg: string): never {
  process.stderr.write(`mingfang: ${msg}\n`);
  process.exit(1);
}

function config(overrides: Record<string, string | undefined> = {}): Config {
  try {
    return loadConfig({ ...process.env, ...overrides });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
}

async function readPassword(prompt: string): Promise<string> {
  let pw: string;
  if (process.stdin.isTTY) {
    process.stderr.write(prompt);
    process.stdin.setRawMode(true);
    pw = await new Promise<string>((resolve) => {
      let buf = "";
      const onData = (d: Buffer) => {
        for (const ch of d.toString("utf8")) {
          if (ch === "\r" || ch === "\n") {
            process.stdin.off("data", onData);
            process.stdin.setRawMode(false);
            process.stdin.pause();
            process.stderr.write("\n");
            resolve(buf);
            return;
          }
          if (ch === "\u0003") process.exit(130);
          if (ch === "\u007f") buf = buf.slice(0, -1);
          else buf += ch;
        }
      };
      process.stdin.on("data", onData);
      process.stdin.resume();
    });
  } else {
    pw = readFileSync(0, "utf8").replace(/\r?\n$/, "");
  }
  const { PASSWORD_MAX, PASSWORD_MIN } = await import("@mingfang/db");
  if (pw.length < PASSWORD_MIN || pw.length > PASSWORD_MAX) {
    fail(`the password must have ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`);
  }
  return pw;
}

function onSignals(stop: () => Promise<void>, log: Logger): void {
  let count = 0;
  const handler = (sig: NodeJS.Signals) => {
    count++;
    if (count > 1) {
      log.warn("second signal: exiting at once");
      process.exit(130);
    }
    log.info({ signal: sig }, "stopping");
    stop()
      .then(() => process.exit(0))
      .catch((err) => {
        log.error({ err }, "stop failed");
        process.exit(1);
      });
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}

export async function run(cmd: string, o: Opts): Promise<void> {
  try {
    await dispatch(cmd, o);
  } catch (err) {
    fail((err as Error).message);
  }
}

async function serve(o: Opts): Promise<void> {
  const cfg = config();
  const log = createLogger({ level: cfg.LOG_LEVEL, format: cfg.LOG_FORMAT });
  const roles = parseRoles(String(o.roles));
  const p = await startPlatform(cfg, log, roles);
  onSignals(p.stop, log);
  if (p.adminPassword) {
    process.stdout.write(
      `\nFirst admin created: admin / ${p.adminPassword}\n(printed once; change it after signing in)\n\n`,
    );
  }
  log.info({ url: p.url, roles }, "mingfang is serving");
}

async function migrate(): Promise<void> {
  const cfg = config();
  const log = createLogger({ level: cfg.LOG_LEVEL, format: cfg.LOG_FORMAT });
  const infra = await openInfra(cfg, log, { redis: false });
  await infra.close();
  process.stdout.write("migrations: up to date\n");
}

async function seed(o: Opts): Promise<void> {
  const cfg = config();
  const log = createLogger({ level: cfg.LOG_LEVEL, format: cfg.LOG_FORMAT });
  const { seedDemoUsers, seedReferenceData } = await import("@mingfang/db");
  const infra = await openInfra(cfg, log, { redis: false });
  try {
    const r = await seedReferenceData(infra.database.db, {
      credentialsKey: infra.keyring.credentials,
      progress: (m) => process.stdout.write(`seed: ${m}\n`),
    });
    process.stdout.write(
      `seed: ${r.stations} stations, ${r.workshops} pilot workshops, ${r.cameras} cameras\n`,
    );
    if (o.demoUsers) {
      const n = await seedDemoUsers(infra.database.db, cfg.MINGFANG_DEMO_PASSWORD);
      process.stdout.write(`seed: ${n} demo users created\n`);
    }
    // With REDIS_URL set, a running ingest learns the seeded cameras now, not at the API's next start.
    if (infra.redis) {
      const { resyncCameraSpecs } = await import("@mingfang/api");
      await resyncCameraSpecs({ db: infra.database.db, redis: infra.redis, logger: log });
    }
  } finally {
    await infra.close();
  }
}

async function userAdd(o: Opts): Promise<void> {
  const cfg = config();
  const log = createLogger({ level: "warn", format: cfg.LOG_FORMAT });
  const role = String(o.role) as Role;
  if (roleNeedsStation(role) && !o.station) fail(`--station is required for role ${role}`);
  if (!roleNeedsStation(role) && o.station) fail(`role ${role} has no station`);
  const password = await readPassword("Password: ");
  const { hashPassword } = await import("@mingfang/db");
  const infra = await openInfra(cfg, log, { redis: false });
  try {
    const repo = new CliRepository(infra.database.db);
    let stationId: number | null = null;
    if (o.station) {
      const id = await repo.stationIdByCode(String(o.station));
      if (id === undefined) fail(`no station with code '${o.station}' (run 'mingfang seed' first?)`);
      stationId = id;
    }
    const username = String(o.username).toLowerCase();
    if (!/^[a-z0-9][a-z0-9._-]{2,63}$/.test(username)) fail("username: 3–64 of a-z 0-9 . _ -");
    if (await repo.userExists(username)) fail(`user '${username}' already exists`);
    await repo.createUser({
      username,
      displayName: String(o.displayName ?? username),
      passwordHash: await hashPassword(password),
      role,
      stationId,
    });
    process.stdout.write(`user '${username}' created (${role})\n`);
  } finally {
    await infra.close();
  }
}

async function userPasswd(o: Opts): Promise<void> {
  const cfg = config();
  const log = createLogger({ level: "warn", format: cfg.LOG_FORMAT });
  const password = await readPassword("New password: ");
  const { hashPassword } = await import("@mingfang/db");
  const infra = await openInfra(cfg, log, { redis: false });
  try {
    const username = String(o.username).toLowerCase();
    const changed = await new CliRepository(infra.database.db).setPassword(
      username,
      await hashPassword(password),
    );
    if (!changed) fail(`no user '${username}'`);
    process.stdout.write(`password of '${username}' changed; their sessions ended\n`);
  } finally {
    await infra.close();
  }
}

/** `mingfang assessment`: the year-end assessment workbook (docs/assessment.md). */
async function assessment(o: Opts): Promise<void> {
  const year = Number(o.year);
  if (!Number.isInteger(year)) fail("--year: a year such as 2026");
  if (!o.out) fail("--out: the workbook's file name (.xlsx)");
  const cfg = config();
  const log = createLogger({ level: "warn", format: cfg.LOG_FORMAT });
  const infra = await openInfra(cfg, log, { redis: false });
  try {
    await writeAssessmentFile(infra.database.db, {
      year,
      ...(o.station ? { station: String(o.station) } : {}),
      out: String(o.out),
      print: (line) => process.stdout.write(`${line}\n`),
    });
  } finally {
    await infra.close();
  }
}

/** `mingfang verify-archive <file.zip>`: a case archive against its manifest (verify-archive.ts). */
async function verifyArchiveCommand(o: Opts): Promise<void> {
  const { reportLines, verifyArchive } = await import("./verify-archive.js");
  const file = String(o.file);
  const report = await verifyArchive(file);
  process.stdout.write(`${reportLines(file, report).join("\n")}\n`);
  if (!report.ok) process.exitCode = 1;
}

/** A whole non-negative number option, or undefined. */
function count(o: Opts, key: string, name: string): number | undefined {
  if (o[key] === undefined) return undefined;
  const n = Number(o[key]);
  if (!Number.isInteger(n) || n < 0) fail(`${name} must be a whole number ≥ 0`);
  return n;
}

/** `mingfang models retrain --check C`: fine-tune, measure old and new, install only if not worse (models.ts). */
async function modelsRetrain(o: Opts): Promise<void> {
  const { retrainModel } = await import("./models.js");
  const { resolveInstalledModelsDir } = await import("@mingfang/core");
  const installedDir = resolveInstalledModelsDir(config());
  const lr = o.lr === undefined ? undefined : Number(o.lr);
  if (lr !== undefined && !(lr > 0)) fail("--lr must be a positive number");
  const epochs = count(o, "epochs", "--epochs");
  const baseLimit = count(o, "baseLimit", "--base-limit");
  const r = await retrainModel({
    check: String(o.check),
    installedDir,
    ...(o.feedback ? { feedback: String(o.feedback) } : {}),
    ...(epochs !== undefined ? { epochs } : {}),
    ...(lr !== undefined ? { lr } : {}),
    ...(baseLimit ? { baseLimit } : {}),
    ...(o.baseData ? { baseData: String(o.baseData) } : {}),
    ...(o.strict ? { strict: true } : {}),
    ...(o.python ? { python: String(o.python) } : {}),
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  if (r.installed) {
    process.stdout.write(
      `installed version ${r.version} (was ${r.from}) in ${r.dir}: ${r.reason}. Restart the analytics role to load it; undo with: mingfang models rollback --check ${String(o.check)}\n`,
    );
  } else {
    process.stdout.write(
      `not installed (version ${r.from} stays): ${r.reason}. Candidate and report: ${r.dir}\n`,
    );
    process.exitCode = 2;
  }
}

/** `mingfang models rollback --check C`: the previous version back (models.ts). */
async function modelsRollback(o: Opts): Promise<void> {
  const { rollbackModel } = await import("./models.js");
  const { resolveInstalledModelsDir } = await import("@mingfang/core");
  const r = rollbackModel({ check: String(o.check), installedDir: resolveInstalledModelsDir(config()) });
  process.stdout.write(
    `rolled back version ${r.removed}; version ${r.active} is in use (${r.activeDir}). Restart the analytics role to load it.\n`,
  );
}

/** `mingfang backup --out DIR` / `restore --from DIR`: PostgreSQL and DATA_DIR/media (backup.ts). */
async function backupCommand(o: Opts): Promise<void> {
  const cfg = config();
  const { backup } = await import("./backup.js");
  const { resolveDataDir } = await import("@mingfang/core");
  const print = (line: string) => process.stdout.write(`${line}\n`);
  await backup({ databaseUrl: cfg.DATABASE_URL, dataDir: resolveDataDir(cfg), out: String(o.out), print });
}

async function restoreCommand(o: Opts): Promise<void> {
  const cfg = config();
  const { restore } = await import("./backup.js");
  const { resolveDataDir } = await import("@mingfang/core");
  const print = (line: string) => process.stdout.write(`${line}\n`);
  await restore({ databaseUrl: cfg.DATABASE_URL, dataDir: resolveDataDir(cfg), from: String(o.from), print });
}

const COMMANDS: Record<string, (o: Opts) => Promise<void>> = {
  backup: backupCommand,
  restore: restoreCommand,
  "models-retrain": modelsRetrain,
  "models-rollback": modelsRollback,
  assessment,
  serve,
  demo,
  migrate,
  seed,
  "user-add": userAdd,
  "user-passwd": userPasswd,
  "verify-archive": verifyArchiveCommand,
};

async function dispatch(cmd: string, o: Opts): Promise<void> {
  const command = COMMANDS[cmd];
  if (!command) fail(`unknown command ${cmd}`);
  return command(o);
}

async function demo(o: Opts): Promise<void> {
  const overrides: Record<string, string | undefined> = {};
  if (o.port) overrides.PORT = String(o.port);
  if (o.dataDir) overrides.DATA_DIR = String(o.dataDir);
  const cfg = config(overrides);
  const cameraCount = Number(o.cameras ?? 42);
  if (!Number.isInteger(cameraCount) || cameraCount < 0 || cameraCount > 200)
    fail("--cameras: a whole number 0..200");
  const log = createLogger({ level: cfg.LOG_LEVEL, format: cfg.LOG_FORMAT });
  const started = Date.now();
  const { demoUsers, seedDemoUsers, seedReferenceData } = await import("@mingfang/db");
  let simulated: DemoCameras | undefined;
  const p = await startPlatform(cfg, log, ["api", "ingest", "analytics"], {
    prepare: async (infra) => {
      const { db } = requireDatabase(infra);
      await seedReferenceData(db, {
        credentialsKey: infra.keyring.credentials,
        simulatorRtspBase: `rtsp://127.0.0.1:${cfg.SIMULATOR_RTSP_PORT}`,
        progress: (m) => log.info(`seed: ${m}`),
      });
      await seedDemoUsers(db, cfg.MINGFANG_DEMO_PASSWORD);
      simulated = await startDemoCameras(infra, cfg, cameraCount, log);
      return () => simulated!.stop();
    },
    cameraIds: [],
  });
  onSignals(p.stop, log);
  // The ingest starts with no camera; now that the simulator serves, hand it the demo's cameras.
  await p.ingest?.add(simulated?.cameraIds ?? []);
  const pwFile = path.join(p.infra.dataDir, "admin-password.txt");
  if (p.adminPassword) writeFileSync(pwFile, `${p.adminPassword}\n`, { mode: 0o600 });
  const lines = demoBanner({
    cfg,
    p,
    pwFile,
    simulated,
    users: demoUsers(),
    seconds: (Date.now() - started) / 1000,
  });
  process.stdout.write(`${lines.join("\n")}\n`);
}

/** What the demo prints once it runs: the URLs, the scenes, the users. */
function demoBanner(d: {
  cfg: Config;
  p: Platform;
  pwFile: string;
  simulated: DemoCameras | undefined;
  users: DemoUser[];
  seconds: number;
}): string[] {
  const { cfg, p, pwFile, simulated, users } = d;
  const base = p.url ?? `http://localhost:${cfg.PORT}`;
  return [
    "",
    "  明坊 Mingfang demo is running",
    "",
    `  Console         ${base}/   (sign in as mingshui.duty, mingshui.staff, brigade or admin)`,
    `  API             ${base}/api`,
    `  API docs        ${base}/api/docs`,
    `  Health          ${base}/healthz   ${base}/readyz   ${base}/metrics`,
    `  Data            ${p.infra.dataDir} (embedded ${p.infra.database?.kind}, private Redis ${p.infra.redisUrl})`,
    `  Cameras         ${simulated?.cameraIds.length ?? 0} simulated pilot cameras (RTSP 127.0.0.1:${cfg.SIMULATOR_RTSP_PORT}); live HLS via GET /api/cameras/:id/live`,
    ...sceneLines(simulated),
    `  Public sites    ${base}/public`,
    "",
    "  Users",
    p.adminPassword
      ? `    admin                       bureau_admin      password: ${p.adminPassword}  (printed once; also in ${pwFile})`
      : cfg.MINGFANG_ADMIN_PASSWORD
        ? "    admin                       bureau_admin      password: MINGFANG_ADMIN_PASSWORD"
        : `    admin                       bureau_admin      password: as printed at first start (${pwFile})`,
    `    <station>.staff             station_staff     password: ${cfg.MINGFANG_DEMO_PASSWORD}`,
    `    <station>.duty              duty_officer      password: ${cfg.MINGFANG_DEMO_PASSWORD}`,
    `    brigade                     brigade_officer   password: ${cfg.MINGFANG_DEMO_PASSWORD}`,
    `    stations: ${users
      .filter((u) => u.role === "duty_officer")
      .map((u) => u.stationCode)
      .join(", ")}`,
    "    e.g. mingshui.duty, shuangshan.staff",
    "",
    `  Ready in ${d.seconds.toFixed(1)} s. Ctrl-C stops everything.`,
    "",
  ];
}
