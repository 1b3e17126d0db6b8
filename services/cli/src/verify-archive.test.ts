/**
 * `mingfang verify-archive` on a real case archive made by the API (evidence on disk, a real ffmpeg clip,
 * photos): the archive verifies; one flipped byte in a copy is a MISMATCH naming the file; a file removed
 * with `zip -d` is MISSING, one added is EXTRA; the built command prints the report and exits 0 or 1.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { camerasOfTwoStations } from "../../../test/support/alert-fixtures.js";
import { type ArchiveCase, makeArchiveCase } from "../../../test/support/case-archive-fixtures.js";
import { buildTestApp, type TestApp } from "../../../test/support/harness.js";
import { reportLines, verifyArchive } from "./verify-archive.js";

const run = promisify(execFile);
const CLI = fileURLToPath(new URL("../dist/main.js", import.meta.url));

let t: TestApp;
let dir: string;
let kase: ArchiveCase;
let good: string;

/** A copy of the good archive to spoil. */
function copy(name: string): string {
  const f = path.join(dir, name);
  copyFileSync(good, f);
  return f;
}

/** The built command's output and exit code. */
async function cli(file: string): Promise<{ code: number; stdout: string }> {
  try {
    const r = await run(process.execPath, [CLI, "verify-archive", file], { timeout: 60_000 });
    return { code: 0, stdout: r.stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "" };
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "mingfang-verify-"));
  t = await buildTestApp({
    env: { DATA_DIR: dir },
    alerts: { workers: false, cooldownMinutes: 0 },
    recordings: { workers: false },
  });
  const [A] = await camerasOfTwoStations(t.db);
  const duty = await t.login(`${A.stationCode}.duty`);
  kase = await makeArchiveCase(t, A, duty, path.join(dir, "media"));
  const res = await t.app.inject({ url: `/api/cases/${kase.caseId}/archive`, headers: { cookie: duty } });
  expect(res.statusCode, res.body).toBe(200);
  good = path.join(dir, "good.zip");
  writeFileSync(good, res.rawPayload);
}, 120_000);

afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("mingfang verify-archive", () => {
  it("passes an archive as the API made it: every file OK, the files absent at export listed", async () => {
    const r = await verifyArchive(good);
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
    const ok = r.lines.filter((l) => l.status === "OK").map((l) => l.path);
    expect(ok).toContain("case.html");
    expect(ok).toContain("manifest.json");
    expect(ok).toContain(`alerts/${kase.alertIds[0]}/clip.mp4`);
    expect(ok).toHaveLength(8);
    expect(r.lines.filter((l) => l.status === "ABSENT")).toHaveLength(4);
    expect(r.title).toContain(kase.code);
    const { code, stdout } = await cli(good);
    expect(code, stdout).toBe(0);
    if (process.env.SHOW_REPORT) {
      process.stderr.write(stdout);
      copyFileSync(good, "/tmp/good-archive.zip");
    }
    expect(stdout).toContain("verify-archive: OK: 8 files verified, 4 absent at export");
    expect(stdout).toMatch(new RegExp(`^OK +alerts/${kase.alertIds[0]}/clip\\.mp4$`, "m"));
  });

  it("fails on one flipped byte, naming the file", async () => {
    const bad = copy("flipped.zip");
    const bytes = readFileSync(bad);
    // The clip is stored (not deflated): its bytes are in the ZIP as they are.
    const at = bytes.indexOf(kase.clip.subarray(4000, 4064));
    expect(at).toBeGreaterThan(0);
    bytes[at + 10] = bytes[at + 10]! ^ 0xff;
    writeFileSync(bad, bytes);
    const r = await verifyArchive(bad);
    expect(r.ok).toBe(false);
    const clip = `alerts/${kase.alertIds[0]}/clip.mp4`;
    expect(r.lines.filter((l) => l.status !== "OK" && l.status !== "ABSENT").map((l) => l.path)).toEqual([
      clip,
    ]);
    expect(r.lines.find((l) => l.path === clip)!.detail).toMatch(/manifest\.json says .*SHA256SUMS says/);
    const { code, stdout } = await cli(bad);
    expect(code).toBe(1);
    expect(stdout).toMatch(new RegExp(`^MISMATCH +${clip.replace(/\./g, "\\.")}  SHA-256`, "m"));
    expect(stdout).toContain("verify-archive: FAILED: 1 MISMATCH, 0 MISSING, 0 EXTRA");
  });

  it("fails on a removed file (MISSING) and an added one (EXTRA)", async () => {
    const bad = copy("changed.zip");
    await run("zip", ["-q", "-d", bad, "photos/01-on_site.jpg"]);
    const extra = path.join(dir, "notes.txt");
    writeFileSync(extra, "added later\n");
    await run("zip", ["-q", "-j", bad, extra]);
    const r = await verifyArchive(bad);
    expect(r.ok).toBe(false);
    const byStatus = (s: string) => r.lines.filter((l) => l.status === s).map((l) => l.path);
    expect(byStatus("MISSING")).toEqual(["photos/01-on_site.jpg"]);
    expect(byStatus("EXTRA")).toEqual(["notes.txt"]);
    expect(byStatus("MISMATCH")).toEqual([]);
    expect(reportLines(bad, r).at(-1)).toBe("verify-archive: FAILED: 0 MISMATCH, 1 MISSING, 1 EXTRA");
    expect((await cli(bad)).code).toBe(1);
  });

  it("fails without its manifest, and on a file that is not a ZIP", async () => {
    const bad = copy("no-manifest.zip");
    await run("zip", ["-q", "-d", bad, "manifest.json"]);
    const r = await verifyArchive(bad);
    expect(r.ok).toBe(false);
    expect(r.errors.join("\n")).toContain("MISSING manifest.json");
    expect(r.lines.find((l) => l.path === "manifest.json")?.status).toBe("MISSING");
    const notZip = path.join(dir, "not.zip");
    writeFileSync(notZip, "hello");
    await expect(verifyArchive(notZip)).rejects.toThrow(/not a readable ZIP/);
    const { code } = await cli(notZip);
    expect(code).toBe(1);
  });
});
