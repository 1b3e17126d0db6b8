import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { REDIS_KEYS, signMediaToken, verifyPublishKey } from "@mingfang/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";

const PLAYLIST = `#EXTM3U
#EXT-X-VERSION:6
#EXT-X-TARGETDURATION:1
#EXT-X-MEDIA-SEQUENCE:1700000000
#EXTINF:1.000000,
seg-1700000000.ts
#EXTINF:1.000000,
seg-1700000001.ts
`;

describe("media: signed live URLs, HLS serving, public demo sites, status and snapshots", () => {
  let t: TestApp;
  let dataDir: string;
  let own: number; // a camera of 明水所
  let other: number; // a camera of 双山所
  let publicCam: number;
  let duty: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "mf-media-"));
    t = await buildTestApp({ env: { DATA_DIR: dataDir } });
    const cam = async (code: string) =>
      (
        await t.db
          .selectFrom("cameras as c")
          .innerJoin("workshops as w", "w.id", "c.workshop_id")
          .innerJoin("stations as s", "s.id", "w.station_id")
          .select("c.id")
          .where("s.code", "=", code)
          .orderBy("c.id")
          .executeTakeFirstOrThrow()
      ).id;
    own = await cam("mingshui");
    other = await cam("shuangshan");
    publicCam = (
      await t.db
        .selectFrom("cameras as c")
        .innerJoin("workshops as w", "w.id", "c.workshop_id")
        .select("c.id")
        .where("c.public", "=", true)
        .where("w.demo_site", "=", true)
        .orderBy("c.id")
        .executeTakeFirstOrThrow()
    ).id;
    for (const id of [own, other, publicCam]) {
      const dir = path.join(dataDir, "media", "hls", String(id));
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, "index.m3u8"), PLAYLIST);
      writeFileSync(path.join(dir, "seg-1700000000.ts"), Buffer.alloc(188, 0x47));
    }
    writeFileSync(path.join(dataDir, "secret.txt"), "do not serve");
    duty = await t.login("mingshui.duty");
  });
  afterAll(() => t.close());

  it("gives a station user a signed playlist URL for its own camera, 404 for another station's", async () => {
    const res = await t.app.inject({ url: `/api/cameras/${own}/live`, headers: { cookie: duty } });
    expect(res.statusCode).toBe(200);
    const live = res.json();
    expect(live.hls).toMatch(new RegExp(`^/media/hls/${own}/index\\.m3u8\\?token=\\d+\\.[0-9a-f]{64}$`));
    expect(Date.parse(live.expiresAt) - Date.now()).toBeLessThanOrEqual(
      t.config.MEDIA_TOKEN_TTL_SECONDS * 1000,
    );
    expect(
      (await t.app.inject({ url: `/api/cameras/${other}/live`, headers: { cookie: duty } })).statusCode,
    ).toBe(404);
    // The brigade may look cameras up, but not watch them.
    const brigade = await t.login("brigade");
    expect(
      (await t.app.inject({ url: `/api/cameras/${own}/live`, headers: { cookie: brigade } })).statusCode,
    ).toBe(403);
  });

  it("serves the playlist with the token carried onto every segment, and the segments", async () => {
    const live = (await t.app.inject({ url: `/api/cameras/${own}/live`, headers: { cookie: duty } })).json();
    const pl = await t.app.inject({ url: live.hls });
    expect(pl.statusCode).toBe(200);
    expect(pl.headers["content-type"]).toContain("mpegurl");
    const token = new URL(live.hls, "http://x").searchParams.get("token")!;
    const segLines = pl.body.split("\n").filter((l) => l.startsWith("seg-"));
    expect(segLines).toHaveLength(2);
    for (const l of segLines) expect(l).toBe(`${l.split("?")[0]}?token=${encodeURIComponent(token)}`);
    const seg = await t.app.inject({ url: `/media/hls/${own}/${segLines[0]}` });
    expect(seg.statusCode).toBe(200);
    expect(seg.headers["content-type"]).toBe("video/mp2t");
    expect(seg.rawPayload.length).toBe(188);
    // A listed segment that is already gone: 404.
    expect((await t.app.inject({ url: `/media/hls/${own}/${segLines[1]}` })).statusCode).toBe(404);
  });

  it("refuses a missing, expired, forged or another camera's token with 403", async () => {
    const k = t.keyring.mediaToken;
    const base = `/media/hls/${own}/index.m3u8`;
    const expired = signMediaToken(k, own, 10, Date.now() - 60_000);
    const forged = `${Math.floor(Date.now() / 1000) + 300}.${"0".repeat(64)}`;
    const otherCams = signMediaToken(k, other, 300);
    for (const [url, why] of [
      [base, "missing"],
      [`${base}?token=${expired}`, "expired"],
      [`${base}?token=${forged}`, "forged"],
      [`${base}?token=${otherCams}`, "forged"],
      [`${base}?token=garbage`, "malformed"],
    ] as const) {
      const r = await t.app.inject({ url });
      expect(r.statusCode, url).toBe(403);
      expect(r.json()).toMatchObject({ error: "media_token_invalid", message: `media token ${why}` });
    }
  });

  it("never lets a path leave the media folder", async () => {
    const token = signMediaToken(t.keyring.mediaToken, own, 300);
    for (const file of [
      "..%2F..%2F..%2Fsecret.txt",
      "%2E%2E%2Fsecret.txt",
      "index.m3u8%00.ts",
      "secret.txt",
      "..",
      "seg-1.ts%2F..%2Findex.m3u8",
    ]) {
      const r = await t.app.inject({ url: `/media/hls/${own}/${file}?token=${token}` });
      expect([400, 404], `${file}: ${r.statusCode}`).toContain(r.statusCode);
      expect(r.body).not.toContain("do not serve");
    }
    const r = await t.app.inject({ url: `/media/hls/${own}/../../secret.txt?token=${token}` });
    expect([400, 404]).toContain(r.statusCode);
    expect(r.body).not.toContain("do not serve");
  });

  it("serves only the public cameras of demonstration sites without a token", async () => {
    // The old JSON path is gone: the list is /api/public/sites (public/public.test.ts).
    expect((await t.app.inject({ url: "/public/sites" })).statusCode).toBe(404);
    const ok = await t.app.inject({ url: `/public/hls/${publicCam}/index.m3u8` });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain("seg-1700000000.ts");
    expect((await t.app.inject({ url: `/public/hls/${own}/index.m3u8` })).statusCode).toBe(404);
  });

  it("reports the camera's status from the ingest, or offline when none reports it", async () => {
    const none = (
      await t.app.inject({ url: `/api/cameras/${own}/status`, headers: { cookie: duty } })
    ).json();
    expect(none).toMatchObject({
      cameraId: own,
      status: "offline",
      lastError: "no ingest is reporting this camera",
    });
    const reported = {
      cameraId: own,
      status: "online",
      state: "live",
      fps: 10,
      bitrateKbps: 800,
      lastFrameAt: new Date().toISOString(),
      lastError: null,
      since: new Date().toISOString(),
      restarts: 2,
      updatedAt: new Date().toISOString(),
    };
    await t.redis.set(REDIS_KEYS.cameraStatus(own), JSON.stringify(reported));
    const got = (await t.app.inject({ url: `/api/cameras/${own}/status`, headers: { cookie: duty } })).json();
    expect(got).toEqual(reported);
    expect(
      (await t.app.inject({ url: `/api/cameras/${other}/status`, headers: { cookie: duty } })).statusCode,
    ).toBe(404);
  });

  it("gives station staff a signed RTMP publish URL for a push camera of their own station", async () => {
    const staff = await t.login("mingshui.staff");
    const r = await t.app.inject({
      url: `/api/cameras/${own}/publish-url`,
      headers: { cookie: staff, host: "mingfang.example:8080" },
    });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    const u = new URL(body.publishUrl);
    expect(`${u.protocol}//${u.hostname}:${u.port}${u.pathname}`).toBe(
      `rtmp://mingfang.example:1935/live/push-${own}`,
    );
    expect(verifyPublishKey(t.keyring.mediaToken, `/live/push-${own}`, u.searchParams.get("key")!)).toBe(
      "ok",
    );
    expect(verifyPublishKey(t.keyring.mediaToken, `/live/push-${other}`, u.searchParams.get("key")!)).toBe(
      "forged",
    );
    expect(body.sourceUrl).toBe(`rtmp://127.0.0.1:1935/live/push-${own}`);
    // A duty officer may watch but not configure; another station's camera is not found.
    expect(
      (await t.app.inject({ url: `/api/cameras/${own}/publish-url`, headers: { cookie: duty } })).statusCode,
    ).toBe(403);
    expect(
      (await t.app.inject({ url: `/api/cameras/${other}/publish-url`, headers: { cookie: staff } }))
        .statusCode,
    ).toBe(404);
    const audit = await t.db
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "=", "camera.publish_key_issued")
      .execute();
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(u.searchParams.get("key")!);
  });

  it("registers a push camera with its source on our own RTMP server, set by the platform", async () => {
    const staff = await t.login("mingshui.staff");
    const workshopId = (
      await t.db.selectFrom("cameras").select("workshop_id").where("id", "=", own).executeTakeFirstOrThrow()
    ).workshop_id;
    const post = (payload: object) =>
      t.app.inject({ method: "POST", url: "/api/cameras", headers: { cookie: staff }, payload });
    const created = await post({ workshopId, name: "推流摄像头", area: "加工间", push: true });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as number;
    expect(created.json().sourceUrl).toBe(`rtmp://127.0.0.1:1935/live/push-${id}`);
    // The source the ingest pulls is the one publish-url names.
    const pub = await t.app.inject({ url: `/api/cameras/${id}/publish-url`, headers: { cookie: staff } });
    expect(pub.json().sourceUrl).toBe(created.json().sourceUrl);
    // A push camera takes no sourceUrl of its own.
    const both = await post({
      workshopId,
      name: "x",
      area: "加工间",
      push: true,
      sourceUrl: "rtsp://10.0.0.1/stream",
    });
    expect(both.statusCode).toBe(400);
    expect(both.json().message).toMatch(/push camera takes no 'sourceUrl'/);
    // An existing camera turned into a push camera.
    const patched = await t.app.inject({
      method: "PATCH",
      url: `/api/cameras/${own}`,
      headers: { cookie: staff },
      payload: { push: true },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().sourceUrl).toBe(`rtmp://127.0.0.1:1935/live/push-${own}`);
  });

  it("offers a low-latency FLV URL beside HLS, behind the same token", async () => {
    const live = (await t.app.inject({ url: `/api/cameras/${own}/live`, headers: { cookie: duty } })).json();
    const token = new URL(live.hls, "http://x").searchParams.get("token")!;
    expect(live.flv).toBe(`/media/flv/${own}?token=${encodeURIComponent(token)}`);
    const forged = await t.app.inject({
      url: `/media/flv/${own}?token=${signMediaToken(t.keyring.mediaToken, other, 60)}`,
    });
    expect(forged.statusCode).toBe(403);
  });

  it("returns the latest frame as a JPEG snapshot", async () => {
    expect(
      (await t.app.inject({ url: `/api/cameras/${own}/snapshot`, headers: { cookie: duty } })).statusCode,
    ).toBe(404);
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
    await t.redis.set(REDIS_KEYS.cameraSnapshot(own), jpeg);
    const r = await t.app.inject({ url: `/api/cameras/${own}/snapshot`, headers: { cookie: duty } });
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toBe("image/jpeg");
    expect(r.rawPayload.equals(jpeg)).toBe(true);
  });
});
