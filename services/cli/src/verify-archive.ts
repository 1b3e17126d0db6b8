/**
 * `mingfang verify-archive <file.zip>`: checks a case's archive (docs/recordings.md "Case archives") against
 * its own manifest.json and SHA256SUMS. Every file of the ZIP is read (streamed, never whole in memory) and
 * its SHA-256 recomputed; each file is then reported
 *
 *   OK        its SHA-256 (and size) agree with manifest.json and SHA256SUMS
 *   MISMATCH  they do not (or the two lists disagree, or it cannot be decompressed)
 *   MISSING   a list names it but the ZIP does not hold it
 *   EXTRA     the ZIP holds it but neither list names it
 *   ABSENT    not a problem: the manifest says the file could not be included at export, and why
 *
 * and the command exits 1 on any problem (also when manifest.json or SHA256SUMS is missing or unreadable).
 * Needs no database, no Redis and no settings: the archive is checked on its own.
 */
import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Open, type ZipEntry } from "unzipper";

export type VerifyStatus = "OK" | "MISMATCH" | "MISSING" | "EXTRA" | "ABSENT";

export interface VerifyLine {
  status: VerifyStatus;
  path: string;
  detail: string;
}

export interface VerifyReport {
  ok: boolean;
  /** The case and the export, from the manifest, when it could be read. */
  title: string | null;
  lines: VerifyLine[];
  /** Problems that concern the archive as a whole (no manifest, a bad SHA256SUMS line). */
  errors: string[];
}

interface Listed {
  sha256: string;
  bytes?: number;
  storedSha256?: string;
}

interface Manifest {
  title: string;
  files: Map<string, Listed>;
  missing: { path: string; reason: string; detail: string }[];
}

type Actual = { sha256: string; bytes: number } | { error: string };

const HEX64 = /^[0-9a-f]{64}$/;

async function digest(entry: ZipEntry): Promise<Actual> {
  const hash = createHash("sha256");
  let bytes = 0;
  try {
    await pipeline(
      entry.stream(),
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          hash.update(chunk);
          bytes += chunk.length;
          cb();
        },
      }),
    );
  } catch (err) {
    return { error: `cannot be read: ${(err as Error).message}` };
  }
  return { sha256: hash.digest("hex"), bytes };
}

async function readText(entry: ZipEntry | undefined): Promise<string | null> {
  if (!entry) return null;
  const chunks: Buffer[] = [];
  for await (const c of entry.stream()) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** manifest.json → its files and missing list; throws with a message when it is not a case archive's. */
export function parseManifest(text: string): Manifest {
  const m = JSON.parse(text) as Record<string, unknown>;
  if (!m || typeof m !== "object" || !Array.isArray(m.files))
    throw new Error("manifest.json has no files list");
  const files = new Map<string, Listed>();
  for (const f of m.files as Record<string, unknown>[]) {
    if (typeof f?.path !== "string" || typeof f.sha256 !== "string" || !HEX64.test(f.sha256))
      throw new Error(`manifest.json: a file without a path or a SHA-256: ${JSON.stringify(f)}`);
    files.set(f.path, {
      sha256: f.sha256,
      ...(typeof f.bytes === "number" ? { bytes: f.bytes } : {}),
      ...(typeof f.storedSha256 === "string" ? { storedSha256: f.storedSha256 } : {}),
    });
  }
  const c = (m.case ?? {}) as Record<string, unknown>;
  const by = (m.generatedBy ?? {}) as Record<string, unknown>;
  const missing = Array.isArray(m.missing)
    ? (m.missing as Record<string, unknown>[]).map((x) => ({
        path: String(x?.path ?? ""),
        reason: String(x?.reason ?? ""),
        detail: String(x?.detail ?? ""),
      }))
    : [];
  return {
    title: `case ${String(c.code ?? "?")} (${String(c.title ?? "")}), made ${String(m.generatedAt ?? "?")} by ${String(by.username ?? "?")}`,
    files,
    missing,
  };
}

/** SHA256SUMS → path → hash (`<hash>  <path>` or `<hash> *<path>`); bad lines are reported, not fatal. */
export function parseSums(text: string, errors: string[]): Map<string, string> {
  const out = new Map<string, string>();
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line);
    if (!m) errors.push(`SHA256SUMS line ${i + 1} is not "<sha256>  <path>": ${line.slice(0, 80)}`);
    else out.set(m[2]!, m[1]!.toLowerCase());
  });
  return out;
}

/** One file listed by the manifest and/or SHA256SUMS, against what the ZIP holds. */
function judge(
  path: string,
  actual: Actual | undefined,
  listed: Listed | undefined,
  sum: string | undefined,
) {
  const line = (status: VerifyStatus, detail = ""): VerifyLine => ({ status, path, detail });
  const where = [listed && "manifest.json", sum && "SHA256SUMS"].filter(Boolean).join(" and ");
  if (!actual) return line("MISSING", `listed in ${where}, not in the archive`);
  if ("error" in actual) return line("MISMATCH", actual.error);
  const problems: string[] = [];
  if (listed && listed.sha256 !== actual.sha256)
    problems.push(`SHA-256 ${actual.sha256}, manifest.json says ${listed.sha256}`);
  if (listed?.bytes !== undefined && listed.bytes !== actual.bytes)
    problems.push(`${actual.bytes} bytes, manifest.json says ${listed.bytes}`);
  if (sum && sum !== actual.sha256) problems.push(`SHA-256 ${actual.sha256}, SHA256SUMS says ${sum}`);
  if (listed?.storedSha256 && listed.storedSha256 !== listed.sha256)
    problems.push(`differs from the SHA-256 recorded when the file was made (${listed.storedSha256})`);
  if (!listed && path !== "manifest.json") problems.push("in SHA256SUMS but not in manifest.json");
  if (!sum) problems.push("in manifest.json but not in SHA256SUMS");
  return problems.length ? line("MISMATCH", problems.join("; ")) : line("OK");
}

/** Reads the archive and checks every file; throws only when the file is not a readable ZIP. */
export async function verifyArchive(file: string): Promise<VerifyReport> {
  let dir: Awaited<ReturnType<typeof Open.file>>;
  try {
    dir = await Open.file(file);
  } catch (err) {
    throw new Error(`${file} is not a readable ZIP archive (${(err as Error).message})`);
  }
  const files = dir.files.filter((e) => e.type === "File");
  const entries = new Map(files.map((e) => [e.path, e]));
  const errors: string[] = [];
  if (entries.size !== files.length) errors.push("the archive holds two entries of the same name");
  let manifest: Manifest | null = null;
  try {
    const text = await readText(entries.get("manifest.json"));
    if (text === null) errors.push("MISSING manifest.json: this is not a case archive, or it was removed");
    else manifest = parseManifest(text);
  } catch (err) {
    errors.push(`manifest.json cannot be read: ${(err as Error).message}`);
  }
  const sumsText = await readText(entries.get("SHA256SUMS")).catch(() => null);
  if (sumsText === null) errors.push("MISSING SHA256SUMS");
  const sums = parseSums(sumsText ?? "", errors);
  const actual = new Map<string, Actual>();
  for (const [p, e] of entries) if (p !== "SHA256SUMS") actual.set(p, await digest(e));
  const listedPaths = new Set([...(manifest?.files.keys() ?? []), ...sums.keys()]);
  const lines = [...listedPaths].map((p) => judge(p, actual.get(p), manifest?.files.get(p), sums.get(p)));
  for (const p of actual.keys())
    if (!listedPaths.has(p) && !(p === "manifest.json" && !sumsText))
      lines.push({
        status: "EXTRA",
        path: p,
        detail: "in the archive, in neither manifest.json nor SHA256SUMS",
      });
  for (const m of manifest?.missing ?? [])
    if (!entries.has(m.path))
      lines.push({
        status: "ABSENT",
        path: m.path,
        detail: `not included at export: ${m.reason}${m.detail ? ` (${m.detail})` : ""}`,
      });
  const ok = errors.length === 0 && lines.every((l) => l.status === "OK" || l.status === "ABSENT");
  return { ok, title: manifest?.title ?? null, lines, errors };
}

/** The report as the command prints it, one line per file, then a summary line. */
export function reportLines(file: string, r: VerifyReport): string[] {
  const out = [`verify-archive: ${file}${r.title ? `: ${r.title}` : ""}`];
  for (const l of r.lines) out.push(`${l.status.padEnd(9)} ${l.path}${l.detail ? `  ${l.detail}` : ""}`);
  for (const e of r.errors) out.push(`ERROR     ${e}`);
  const count = (s: VerifyStatus) => r.lines.filter((l) => l.status === s).length;
  const problems = ["MISMATCH", "MISSING", "EXTRA"] as const;
  const tally = problems.map((s) => `${count(s)} ${s}`).join(", ");
  out.push(
    r.ok
      ? `verify-archive: OK: ${count("OK")} files verified${count("ABSENT") ? `, ${count("ABSENT")} absent at export (listed in the manifest)` : ""}`
      : `verify-archive: FAILED: ${tally}${r.errors.length ? `, ${r.errors.length} errors` : ""}`,
  );
  return out;
}
