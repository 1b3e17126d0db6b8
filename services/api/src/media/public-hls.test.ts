/**
 * Privacy masks through the API: set on a camera (validated, audited, shown), handed to the ingest only
 * for a public camera of a demonstration site, and the public HLS route serving the masked folder — never
 * the private one — for a masked camera, with cache headers suited to HLS.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseCameraSpecRecord, REDIS_KEYS } from "@mingfang/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";

const playlist = (prefix: string) => `#EXTM3U
#EXT-X-VERSION:6
#EXT-X-TARGETDURATION:1
#EXT-X-MEDIA-SEQUENCE:1700000000
#EXTINF:1.000000,
${prefix}1700000000.ts
`;
const MASK = [
  [0.1, 0.1],
  [0.4, 0.1],
  [0.4, 0.5],
];

describe("privacy masks: API, ingest spec and the public HLS route", () => {
  let t: TestApp;
  let admin: string;
  let cam: number;
  let workshop: number;
  let dir: string;

  const patch = (url: string, body: unknown) =>
    t.app.inject({
      method: "PATCH",
      url,
      headers: { cookie: admin, "content-type": "application/json" },
      payload: JSON.stringify(body),
    });
  const get = (file: string) => t.app.inject({ url: `/public/hls/${cam}/${file}` });
  const spec = async () => parseCameraSpecRecord(await t.redis.hget(REDIS_KEYS.cameraSpecs, String(cam)));

  beforeAll(async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "mf-masks-api-"));
    t = await buildTestApp({ env: { DATA_DIR: dataDir } });
    admin = await t.login("admin");
    const row = await t.db
      .selectFrom("cameras as c")
      .innerJoin("workshops as w", "w.id", "c.workshop_id")
      .select(["c.id", "c.workshop_id"])
      .where("c.public", "=", true)
      .where("c.enabled", "=", true)
      .where("w.demo_site", "=", true)
      .orderBy("c.id")
      .executeTakeFirstOrThrow();
    cam = row.id;
    workshop = row.workshop_id;
    dir = path.join(dataDir, "media", "hls", String(cam));
    mkdirSync(path.join(dir, "public"), { recursive: true });
    writeFileSync(path.join(dir, "index.m3u8"), playlist("seg-"));
    writeFileSync(path.join(dir, "seg-1700000000.ts"), Buffer.from("PRIVATE"));
    writeFileSync(path.join(dir, "public", "index.m3u8"), playlist("mseg-"));
    writeFileSync(path.join(dir, "public", "mseg-1700000000.ts"), Buffer.from("MASKED"));
    writeFileSync(path.join(dir, "public", "mask.pgm"), "P5\n1 1\n255\n\xff");
  });
  afterAll(() => t.close());

  it("serves an unmasked public camera's own folder, with HLS cache headers; other names are 404", async () => {
    const pl = await get("index.m3u8");
    expect(pl.statusCode).toBe(200);
    expect(pl.body).toContain("seg-1700000000.ts");
    expect(pl.headers["cache-control"]).toMatch(/max-age=[01]\b|no-cache/);
    const seg = await get("seg-1700000000.ts");
    expect(seg.body).toBe("PRIVATE");
    expect(seg.headers["cache-control"]).toContain("immutable");
    expect(seg.headers["content-type"]).toBe("video/mp2t");
    for (const f of ["mseg-1700000000.ts", "mask.pgm", "public", "..%2Fsecret", "seg-1.mp4"])
      expect((await get(f)).statusCode, f).toBe(404);
  });

  it("refuses bad masks with a 400 naming the field", async () => {
    const bad = [
      Array.from({ length: 17 }, () => MASK),
      [MASK.slice(0, 2)],
      [[...MASK.slice(0, 2), [1.5, 0.2]]],
      [Array.from({ length: 65 }, (_, i) => [i / 100, 0.5])],
    ];
    for (const privacyMasks of bad) {
      const r = await patch(`/api/cameras/${cam}`, { privacyMasks });
      expect(r.statusCode).toBe(400);
      expect(r.json().error).toBeTruthy();
    }
  });

  it("saves masks (shown, audited, handed to the ingest) and then serves only the masked folder", async () => {
    const r = await patch(`/api/cameras/${cam}`, { privacyMasks: [MASK] });
    expect(r.statusCode).toBe(200);
    expect(r.json().privacyMasks).toEqual([MASK]);
    const audit = await t.db
      .selectFrom("audit_log")
      .select(["action", "detail"])
      .where("target_type", "=", "camera")
      .where("target_id", "=", String(cam))
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(audit.action).toBe("camera.update");
    expect(JSON.stringify(audit.detail)).toContain("privacyMasks");
    expect((await spec())?.privacyMasks).toEqual([MASK]);

    const pl = await get("index.m3u8");
    expect(pl.statusCode).toBe(200);
    expect(pl.body).toContain("mseg-1700000000.ts");
    expect(pl.body).not.toMatch(/^seg-/m);
    expect((await get("mseg-1700000000.ts")).body).toBe("MASKED");
    // The private segment exists on disk, but is never served for a masked camera.
    const priv = await get("seg-1700000000.ts");
    expect(priv.statusCode).toBe(404);
    expect(priv.body).not.toContain("PRIVATE");
    expect((await get("mask.pgm")).statusCode).toBe(404);
  });

  it("fails closed: a masked camera whose masked output is missing serves nothing", async () => {
    rmSync(path.join(dir, "public"), { recursive: true, force: true });
    const pl = await get("index.m3u8");
    expect(pl.statusCode).toBe(404);
    expect(pl.body).not.toContain("seg-");
  });

  it("hands the masks to the ingest only while the camera is public on a demonstration site", async () => {
    expect((await patch(`/api/cameras/${cam}`, { public: false })).statusCode).toBe(200);
    expect((await spec())?.privacyMasks).toBeUndefined();
    expect((await patch(`/api/cameras/${cam}`, { public: true })).statusCode).toBe(200);
    expect((await spec())?.privacyMasks).toEqual([MASK]);
    expect((await patch(`/api/workshops/${workshop}`, { demoSite: false })).statusCode).toBe(200);
    expect((await spec())?.privacyMasks).toBeUndefined();
    // Not a demonstration site: no public route at all.
    expect((await get("index.m3u8")).statusCode).toBe(404);
    expect((await patch(`/api/workshops/${workshop}`, { demoSite: true })).statusCode).toBe(200);
    expect((await spec())?.privacyMasks).toEqual([MASK]);
    expect((await patch(`/api/cameras/${cam}`, { privacyMasks: [] })).statusCode).toBe(200);
    expect((await spec())?.privacyMasks).toBeUndefined();
    // Unmasked again: the camera's own stream is public again.
    expect((await get("seg-1700000000.ts")).body).toBe("PRIVATE");
  });
});
