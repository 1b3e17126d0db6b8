/**
 * A case's archive (案卷, docs/recordings.md "Case archives"): one ZIP the enforcement brigade hands over.
 *
 *   case.html                      the case's record as a printable page (case-archive.html.ts)
 *   alerts/<alert id>/evidence.jpg the evidence image; frame.jpg the undrawn frame (when there is one)
 *   alerts/<alert id>/clip.mp4     the alert's clip (ready or partial)
 *   photos/01-rectification.jpg …  the case's photos, in upload order
 *   manifest.json                  the case, who made the archive and when, every file (path, bytes, SHA-256,
 *                                  what it is) and every file that could not be included, with the reason
 *   SHA256SUMS                     `sha256sum -c` lines for every file but itself
 *
 * Streamed: one file open at a time, read from disk straight into the ZIP (archiver), never the whole
 * archive in memory. Each media file is opened once and read twice from the open handle: first to check
 * it against its stored SHA-256 (a file that fails, or is gone, is listed as missing with the reason, not
 * dropped silently), then into the archive while its SHA-256 is computed again for the manifest. JPEG, PNG
 * and MP4 are stored (they do not compress); the page and the manifest are deflated.
 */
import { createHash } from "node:crypto";
import { type FileHandle, open } from "node:fs/promises";
import path from "node:path";
import { type Readable, Transform, type TransformCallback, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import archiver, { type Archiver } from "archiver";
import type { CaseRow } from "./case.repository.js";
import {
  type ArchiveFileKind,
  type ArchivePhotoRow,
  type MissingFile,
  plannedFiles,
  type SourceFile,
} from "./case-archive.files.js";
import { type CaseEventRow, renderCasePage } from "./case-archive.html.js";
import type { ArchiveAlertRow } from "./case-archive.repository.js";

export const ARCHIVE_FORMAT = "mingfang-case-archive/1";

export interface ManifestFile {
  path: string;
  bytes: number;
  sha256: string;
  kind: ArchiveFileKind;
  description: string;
  alertId?: string;
  attachmentId?: string;
  /** The SHA-256 the platform recorded when the file was made (media files): equal to `sha256`. */
  storedSha256?: string;
}

export interface ArchiveManifest {
  format: typeof ARCHIVE_FORMAT;
  case: { id: string; code: string; title: string; station: string; workshop: string | null; state: string };
  generatedAt: string;
  generatedBy: { id: number; username: string; displayName: string };
  /** Every file of the archive but manifest.json and SHA256SUMS, in archive order. */
  files: ManifestFile[];
  /** Files the case refers to that are not in the archive, and why. */
  missing: MissingFile[];
}

export interface ArchiveInput {
  /** DATA_DIR/media. */
  mediaRoot: string;
  c: CaseRow;
  events: CaseEventRow[];
  alerts: ArchiveAlertRow[];
  photos: ArchivePhotoRow[];
  generatedBy: ArchiveManifest["generatedBy"];
  now: Date;
}

/** Counts and hashes what passes through. */
class Digest extends Transform {
  readonly hash = createHash("sha256");
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

async function hashOf(stream: Readable): Promise<{ sha256: string; bytes: number }> {
  const d = new Digest();
  d.resume();
  await pipeline(stream, d);
  return { sha256: d.hash.digest("hex"), bytes: d.bytes };
}

/** The ZIP being written, and a promise that rejects when it fails or the reader goes away. */
interface Zip {
  zip: Archiver;
  broken: Promise<never>;
  date: Date;
}

function openZip(out: Writable, date: Date): Zip {
  const zip = archiver("zip", { zlib: { level: 6 } });
  const broken = new Promise<never>((_, reject) => {
    zip.on("error", reject);
    zip.on("warning", reject);
    out.on("error", reject);
    out.on("close", () => reject(new Error("the archive's reader went away")));
  });
  broken.catch(() => zip.abort());
  zip.pipe(out);
  return { zip, broken, date };
}

/** Appends one entry and resolves once archiver has written it, with its SHA-256 and size. */
async function addEntry(z: Zip, name: string, source: Readable | Buffer, store: boolean) {
  const written = new Promise<void>((resolve) => {
    const onEntry = (e: { name: string }) => {
      if (e.name !== name) return;
      z.zip.off("entry", onEntry);
      resolve();
    };
    z.zip.on("entry", onEntry);
  });
  if (Buffer.isBuffer(source)) {
    z.zip.append(source, { name, date: z.date, store });
    await Promise.race([written, z.broken]);
    return { sha256: createHash("sha256").update(source).digest("hex"), bytes: source.length };
  }
  const d = new Digest();
  // A read error (the disk) fails this entry, whether or not archiver has begun to read it.
  const failed = new Promise<never>((_, reject) => d.on("error", reject));
  failed.catch(() => {});
  source.on("error", (err) => d.destroy(err));
  z.zip.append(source.pipe(d), { name, date: z.date, store });
  await Promise.race([written, z.broken, failed]);
  return { sha256: d.hash.digest("hex"), bytes: d.bytes };
}

type Opened = { fh: FileHandle } | { missing: MissingFile };

/** Opens a media file and checks it against its stored SHA-256; the open handle, or why it is missing. */
async function openChecked(mediaRoot: string, f: SourceFile): Promise<Opened> {
  const miss = (reason: MissingFile["reason"], detail: string): Opened => ({
    missing: {
      path: f.path,
      kind: f.kind,
      reason,
      detail,
      ...(f.alertId ? { alertId: f.alertId } : {}),
      ...(f.attachmentId ? { attachmentId: f.attachmentId } : {}),
    },
  });
  const root = path.resolve(mediaRoot);
  const abs = path.resolve(root, f.source);
  if (!abs.startsWith(root + path.sep)) return miss("not_on_disk", "outside the media folder");
  let fh: FileHandle;
  try {
    fh = await open(abs, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return miss("not_on_disk", f.source);
    throw err;
  }
  let sha256: string;
  try {
    ({ sha256 } = await hashOf(fh.createReadStream({ start: 0, autoClose: false })));
  } catch (err) {
    await fh.close();
    return miss("not_on_disk", `unreadable: ${(err as Error).message}`);
  }
  if (f.storedSha256 && sha256 !== f.storedSha256) {
    await fh.close();
    return miss("hash_mismatch", `SHA-256 ${sha256}, stored ${f.storedSha256}`);
  }
  return { fh };
}

/** The media files, checked then copied; returns what went in and what did not. */
async function addMedia(z: Zip, mediaRoot: string, planned: SourceFile[], missing: MissingFile[]) {
  const files: ManifestFile[] = [];
  for (const f of planned) {
    const o = await openChecked(mediaRoot, f);
    if ("missing" in o) {
      missing.push(o.missing);
      continue;
    }
    try {
      const r = await addEntry(z, f.path, o.fh.createReadStream({ start: 0, autoClose: false }), true);
      files.push({
        path: f.path,
        ...r,
        kind: f.kind,
        description: f.description,
        ...(f.alertId ? { alertId: f.alertId } : {}),
        ...(f.attachmentId ? { attachmentId: f.attachmentId } : {}),
        ...(f.storedSha256 ? { storedSha256: f.storedSha256 } : {}),
      });
    } finally {
      await o.fh.close();
    }
  }
  return files;
}

/** `sha256sum -c` lines: "<hash>  <path>" (two spaces: text mode, as sha256sum writes them). */
export function sha256sums(files: { path: string; sha256: string }[]): string {
  return files.map((f) => `${f.sha256}  ${f.path}\n`).join("");
}

/**
 * Writes the archive to `out` (ended when done) and resolves with its manifest. Rejects (and stops
 * writing) when a file cannot be read midway or `out` closes early; `out` is then left unfinished.
 */
export async function writeCaseArchive(input: ArchiveInput, out: Writable): Promise<ArchiveManifest> {
  const z = openZip(out, input.now);
  try {
    return await writeEntries(z, input);
  } catch (err) {
    z.zip.abort();
    throw err;
  }
}

async function writeEntries(z: Zip, input: ArchiveInput): Promise<ArchiveManifest> {
  const { c, now } = input;
  const plan = plannedFiles(input.alerts, input.photos);
  const missing = [...plan.missing];
  const media = await addMedia(z, input.mediaRoot, plan.files, missing);
  missing.sort((a, b) => a.path.localeCompare(b.path));
  const page = Buffer.from(
    renderCasePage({
      c,
      events: input.events,
      alerts: input.alerts,
      files: media,
      missing,
      generatedAt: now,
      generatedBy: `${input.generatedBy.displayName}（${input.generatedBy.username}）`,
    }),
  );
  const pageEntry = await addEntry(z, "case.html", page, false);
  const files: ManifestFile[] = [
    { path: "case.html", ...pageEntry, kind: "case_page", description: "案件办理记录（可打印页面）" },
    ...media,
  ];
  const manifest: ArchiveManifest = {
    format: ARCHIVE_FORMAT,
    case: {
      id: c.id,
      code: c.code,
      title: c.title,
      station: c.station_name,
      workshop: c.workshop_name ?? null,
      state: c.state,
    },
    generatedAt: now.toISOString(),
    generatedBy: input.generatedBy,
    files,
    missing,
  };
  const m = await addEntry(z, "manifest.json", Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), false);
  await addEntry(
    z,
    "SHA256SUMS",
    Buffer.from(sha256sums([...files, { path: "manifest.json", ...m }])),
    false,
  );
  await Promise.race([z.zip.finalize(), z.broken]);
  return manifest;
}
