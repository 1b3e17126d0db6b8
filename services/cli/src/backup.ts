/**
 * `mingfang backup --out DIR` and `mingfang restore --from DIR` (docs/operations.md "Backup and restore").
 *
 * A backup is a directory: `database.dump` (`pg_dump -Fc`, the whole database of DATABASE_URL), `media/`
 * (a copy of DATA_DIR/media — evidence, frames, clips, recordings, case and activity photos — without
 * `hls/`, the live segments that are rewritten every few seconds), `manifest.json` (every file with its
 * size and SHA-256) and `SHA256SUMS` (the same, for `sha256sum -c`). A restore first checks every file
 * against the manifest and touches nothing if one differs; then `pg_restore --clean --if-exists` into
 * DATABASE_URL, then puts every media file of the backup back (files the backup does not know are left).
 *
 * PostgreSQL only: an embedded PGlite directory is backed up by stopping the platform and copying DATA_DIR.
 * The password of DATABASE_URL goes to pg_dump/pg_restore in PGPASSWORD, never on their command line.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { maskUserInfo } from "@mingfang/core";

export const DUMP_FILE = "database.dump";
export const MEDIA_DIR = "media";
/** Folders of DATA_DIR/media not backed up: live HLS segments (a rolling buffer, rewritten constantly). */
export const MEDIA_EXCLUDED = ["hls"];

export interface BackupFile {
  path: string;
  bytes: number;
  sha256: string;
}

export interface BackupManifest {
  format: "mingfang-backup";
  version: 1;
  createdAt: string;
  database: BackupFile & { tool: string };
  media: { excluded: string[]; files: BackupFile[] };
}

const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

export const PGLITE_REFUSAL =
  "backup/restore work on PostgreSQL (DATABASE_URL); this platform uses the embedded PGlite database in DATA_DIR/pglite, which pg_dump cannot read. Back it up by stopping mingfang and copying the whole DATA_DIR (e.g. tar -C DATA_DIR -czf mingfang-data.tar.gz .); restore by putting that copy back while mingfang is stopped.";

/** The URL without its password, and the environment that carries the password instead. */
function pgConnection(databaseUrl: string): { url: string; env: NodeJS.ProcessEnv } {
  const url = new URL(databaseUrl);
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (url.password) {
    env.PGPASSWORD = decodeURIComponent(url.password);
    url.password = "";
  }
  return { url: url.toString(), env };
}

/** Runs a PostgreSQL client tool; rejects with its exit code and (masked) standard error. */
function runPgTool(tool: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      if (stderr.length < 8000) stderr += d.toString("utf8");
    });
    child.on("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "ENOENT"
          ? new Error(
              `${tool} not found: install Debian's postgresql-client (sudo apt-get install -y postgresql-client)`,
            )
          : err,
      ),
    );
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${tool} failed (exit ${code}): ${maskUserInfo(stderr.trim())}`));
    });
  });
}

/** Copies `src` to `dst` (or only reads it, without `dst`), returning its size and SHA-256. */
async function copyHashed(src: string, dst?: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash("sha256");
  let bytes = 0;
  const count = (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
  };
  if (dst) {
    await mkdir(path.dirname(dst), { recursive: true });
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        count(chunk);
        cb(null, chunk);
      },
    });
    await pipeline(createReadStream(src), tap, createWriteStream(dst));
  } else {
    for await (const chunk of createReadStream(src)) count(chunk as Buffer);
  }
  return { bytes, sha256: hash.digest("hex") };
}

/** Every regular file under `root` (relative paths, `/`-separated, sorted), without the excluded folders. */
async function mediaFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = await readdir(path.join(root, rel), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    for (const e of entries) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && !(rel === "" && MEDIA_EXCLUDED.includes(e.name))) await walk(child);
      else if (e.isFile()) out.push(child);
    }
  };
  await walk("");
  return out.sort();
}

/** An empty or new directory for the backup: never mixes two backups. */
async function prepareOut(out: string): Promise<void> {
  const existing = await readdir(out).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [];
    throw err;
  });
  if (existing.length) throw new Error(`--out ${out}: the directory is not empty; give a new one`);
  await mkdir(out, { recursive: true });
}

/** Copies DATA_DIR/media into the backup; files deleted meanwhile (retention) are skipped. */
async function backupMedia(
  mediaRoot: string,
  out: string,
  print: (l: string) => void,
): Promise<BackupFile[]> {
  const files: BackupFile[] = [];
  for (const rel of await mediaFiles(mediaRoot)) {
    try {
      const r = await copyHashed(path.join(mediaRoot, rel), path.join(out, MEDIA_DIR, rel));
      files.push({ path: `${MEDIA_DIR}/${rel}`, ...r });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      print(`  skipped ${rel}: deleted while the backup ran`);
    }
  }
  return files;
}

export interface BackupOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  out: string;
  print: (line: string) => void;
}

export async function backup(o: BackupOptions): Promise<BackupManifest> {
  if (!o.databaseUrl) throw new Error(PGLITE_REFUSAL);
  const out = path.resolve(o.out);
  await prepareOut(out);
  const started = Date.now();
  const { url, env } = pgConnection(o.databaseUrl);
  const dump = path.join(out, DUMP_FILE);
  o.print(`backup: pg_dump -Fc → ${dump}`);
  await runPgTool("pg_dump", ["-Fc", "--no-owner", "--no-acl", "-f", dump, "-d", url], env);
  const db = await copyHashed(dump);
  o.print(
    `backup: database dumped (${seconds(started)} s); ${path.join(o.dataDir, "media")} → ${path.join(out, MEDIA_DIR)} (without ${MEDIA_EXCLUDED.join(", ")}/)`,
  );
  const files = await backupMedia(path.join(o.dataDir, "media"), out, o.print);
  const manifest: BackupManifest = {
    format: "mingfang-backup",
    version: 1,
    createdAt: new Date().toISOString(),
    database: { path: DUMP_FILE, ...db, tool: "pg_dump -Fc --no-owner --no-acl" },
    media: { excluded: MEDIA_EXCLUDED, files },
  };
  await writeFile(path.join(out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const sums = [manifest.database, ...files].map((f) => `${f.sha256}  ${f.path}\n`).join("");
  await writeFile(path.join(out, "SHA256SUMS"), sums);
  const bytes = files.reduce((n, f) => n + f.bytes, 0);
  o.print(
    `backup: done in ${seconds(started)} s — database ${db.bytes} bytes, ${files.length} media files (${bytes} bytes); check with: cd ${out} && sha256sum -c SHA256SUMS`,
  );
  return manifest;
}

/** The manifest of a backup directory, or a clear error. */
export async function readManifest(dir: string): Promise<BackupManifest> {
  let m: BackupManifest;
  try {
    m = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as BackupManifest;
  } catch (err) {
    throw new Error(
      `--from ${dir}: no readable manifest.json (${(err as Error).message}); not a mingfang backup?`,
    );
  }
  if (m.format !== "mingfang-backup" || m.version !== 1)
    throw new Error(`--from ${dir}: unknown backup format`);
  return m;
}

/** Every file of the backup against its manifest: the problems, none when intact. */
export async function verifyBackup(dir: string, m: BackupManifest): Promise<string[]> {
  const problems: string[] = [];
  for (const f of [m.database, ...m.media.files]) {
    if (f.path.split("/").includes("..") || path.isAbsolute(f.path)) {
      problems.push(`BAD PATH ${f.path}`);
      continue;
    }
    const r = await copyHashed(path.join(dir, f.path)).catch(() => undefined);
    if (!r) problems.push(`MISSING ${f.path}`);
    else if (r.sha256 !== f.sha256 || r.bytes !== f.bytes) problems.push(`MISMATCH ${f.path}`);
  }
  return problems;
}

/** Puts each media file back (through a temporary name, so a reader never sees half a file). */
async function restoreMedia(dir: string, mediaRoot: string, files: BackupFile[]): Promise<void> {
  for (const f of files) {
    const rel = f.path.slice(MEDIA_DIR.length + 1);
    const dst = path.join(mediaRoot, rel);
    const tmp = `${dst}.restoring`;
    const r = await copyHashed(path.join(dir, f.path), tmp);
    if (r.sha256 !== f.sha256) throw new Error(`${f.path} changed while it was being restored`);
    await rename(tmp, dst);
  }
}

export interface RestoreOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  from: string;
  print: (line: string) => void;
}

export async function restore(o: RestoreOptions): Promise<{ files: number }> {
  if (!o.databaseUrl) throw new Error(PGLITE_REFUSAL);
  const dir = path.resolve(o.from);
  await stat(dir).catch(() => {
    throw new Error(`--from ${dir}: no such directory`);
  });
  const started = Date.now();
  const m = await readManifest(dir);
  o.print(`restore: checking ${m.media.files.length + 1} files of the backup of ${m.createdAt}`);
  const problems = await verifyBackup(dir, m);
  if (problems.length)
    throw new Error(`the backup in ${dir} is damaged; nothing was restored:\n  ${problems.join("\n  ")}`);
  const { url, env } = pgConnection(o.databaseUrl);
  o.print(
    `restore: backup intact (${seconds(started)} s); pg_restore --clean --if-exists --single-transaction`,
  );
  await runPgTool(
    "pg_restore",
    [
      "--clean",
      "--if-exists",
      "--no-owner",
      "--no-acl",
      "--single-transaction",
      "-d",
      url,
      path.join(dir, DUMP_FILE),
    ],
    env,
  );
  o.print(`restore: database restored (${seconds(started)} s since the start)`);
  o.print(`restore: ${m.media.files.length} media files → ${path.join(o.dataDir, "media")}`);
  await restoreMedia(dir, path.join(o.dataDir, "media"), m.media.files);
  o.print(`restore: done in ${seconds(started)} s. Start mingfang (it applies any newer migrations).`);
  return { files: m.media.files.length };
}
