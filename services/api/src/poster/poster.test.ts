/**
 * 一店一码 on the real app: the QR code and the poster's code decode (jsQR) to exactly the site's public
 * address under PUBLIC_BASE_URL; the PNG poster is A4 at 200 dpi with the bureau's blue header; the PDF is
 * one A4 page with the Chinese font embedded; RBAC (another station → 404, not a demonstration site → 409);
 * a machine without the font gets a 503 that says what to install.
 */
import jsQR from "jsqr";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";
import { findPosterFonts, posterFontsOrThrow } from "./poster.font.js";
import { A4, QR_BOX, wrap } from "./poster.layout.js";
import { POSTER_DPI } from "./poster.render.js";

const BASE = "https://jianguan.example.cn/zq";
let t: TestApp;
const cookies: Record<string, string> = {};
let site: { id: number; name: string; licence_no: string; code: string };
let plain: number;
let otherStationUser: string;

const get = (user: string | null, url: string) =>
  t.app.inject({ method: "GET", url, headers: user ? { cookie: cookies[user]! } : {} });

/** The text of the QR code in `png` (or in the region of it), or null when none is found. */
function decode(png: Buffer, region?: { x: number; y: number; w: number; h: number }): string | null {
  const img = PNG.sync.read(png);
  const r = region ?? { x: 0, y: 0, w: img.width, h: img.height };
  const data = new Uint8ClampedArray(r.w * r.h * 4);
  for (let row = 0; row < r.h; row++) {
    const from = ((r.y + row) * img.width + r.x) * 4;
    data.set(img.data.subarray(from, from + r.w * 4), row * r.w * 4);
  }
  return jsQR(data, r.w, r.h)?.data ?? null;
}

beforeAll(async () => {
  t = await buildTestApp({ env: { PUBLIC_BASE_URL: `${BASE}/` }, alerts: { workers: false } });
  const demo = await t.db
    .selectFrom("workshops as w")
    .innerJoin("stations as s", "s.id", "w.station_id")
    .select(["w.id", "w.name", "w.licence_no", "w.station_id", "s.code"])
    .where("w.demo_site", "=", true)
    .orderBy("w.id")
    .executeTakeFirstOrThrow();
  site = demo;
  const other = await t.db
    .selectFrom("workshops as w")
    .innerJoin("stations as s", "s.id", "w.station_id")
    .select(["w.id", "w.station_id", "s.code"])
    .where("w.demo_site", "=", false)
    .orderBy("w.id")
    .execute();
  plain = other.find((w) => w.station_id === demo.station_id)!.id;
  otherStationUser = `${other.find((w) => w.station_id !== demo.station_id)!.code}.duty`;
  for (const u of [`${demo.code}.duty`, `${demo.code}.staff`, otherStationUser, "brigade", "admin"])
    cookies[u] = await t.login(u);
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe("the site's QR code", () => {
  it("names the public address and decodes to exactly it", async () => {
    const info = await get(`${site.code}.duty`, `/api/workshops/${site.id}/poster`);
    expect(info.statusCode, info.body).toBe(200);
    const url = `${BASE}/public/sites/${site.id}`;
    expect(info.json()).toEqual({
      workshopId: site.id,
      publicUrl: url,
      qrPng: `/api/workshops/${site.id}/public-qr.png`,
      posterPng: `/api/workshops/${site.id}/poster.png`,
      posterPdf: `/api/workshops/${site.id}/poster.pdf`,
    });
    const qr = await get(`${site.code}.duty`, info.json().qrPng);
    expect(qr.statusCode).toBe(200);
    expect(qr.headers["content-type"]).toBe("image/png");
    expect(decode(qr.rawPayload)).toBe(url);
  });
});

describe("the A4 poster", () => {
  it("is a 200 dpi A4 PNG whose code decodes to the site's address", async () => {
    const r = await get(`${site.code}.staff`, `/api/workshops/${site.id}/poster.png`);
    expect(r.statusCode, r.body.slice(0, 200)).toBe(200);
    expect(r.headers["content-type"]).toBe("image/png");
    expect(r.headers["content-disposition"]).toMatch(/^attachment; filename="poster-\d+\.png"/);
    const img = PNG.sync.read(r.rawPayload);
    const scale = POSTER_DPI / 72;
    expect([img.width, img.height]).toEqual([Math.round(A4.width * scale), Math.round(A4.height * scale)]);
    expect(img.height / img.width).toBeCloseTo(Math.SQRT2, 2);
    // The code's box on the page alone holds a readable code.
    const box = {
      x: Math.floor(QR_BOX.x * scale),
      y: Math.floor(QR_BOX.y * scale),
      w: Math.ceil(QR_BOX.size * scale),
      h: Math.ceil(QR_BOX.size * scale),
    };
    expect(decode(r.rawPayload, box)).toBe(`${BASE}/public/sites/${site.id}`);
    // The header is the bureau's blue (#0b4f8a), the middle of the page white paper.
    const at = (x: number, y: number) => [
      ...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3),
    ];
    expect(at(5, 5)).toEqual([0x0b, 0x4f, 0x8a]);
    expect(at(5, Math.round(400 * scale))).toEqual([255, 255, 255]);
  });

  it("is a one-page A4 PDF with the Chinese font embedded", async () => {
    const r = await get("admin", `/api/workshops/${site.id}/poster.pdf`);
    expect(r.statusCode, r.body.slice(0, 200)).toBe(200);
    expect(r.headers["content-type"]).toBe("application/pdf");
    const pdf = r.rawPayload.toString("latin1");
    expect(pdf.startsWith("%PDF-")).toBe(true);
    expect(pdf.trimEnd().endsWith("%%EOF")).toBe(true);
    expect(pdf.match(/\/Type \/Page\b/g)).toHaveLength(1);
    expect(pdf).toMatch(/\/MediaBox \[0 0 595\.28 841\.89\]/);
    expect(pdf).toMatch(/\/FontName \/[A-Z]{6}\+NotoSansCJKsc-Bold/);
    expect(pdf).toMatch(/\/FontFile3 \d+ 0 R/); // embedded (CFF), not merely named
    // The document's title carries the workshop's name (UTF-16 in the info dictionary).
    expect(r.rawPayload.includes(Buffer.from(site.name, "utf16le").swap16())).toBe(true);
  });
});

describe("made once per content", () => {
  it("answers the same poster again from memory, and a new one when the workshop's name changes", async () => {
    const url = `/api/workshops/${site.id}/poster.pdf`;
    const first = (await get("admin", url)).rawPayload;
    // pdfkit stamps each document with its creation time: equal bytes mean it was not made again.
    expect((await get(`${site.code}.duty`, url)).rawPayload.equals(first)).toBe(true);
    const renamed = `${site.name}新店`;
    await t.db.updateTable("workshops").set({ name: renamed }).where("id", "=", site.id).execute();
    try {
      const again = (await get("admin", url)).rawPayload;
      expect(again.equals(first)).toBe(false);
      expect(again.includes(Buffer.from(renamed, "utf16le").swap16())).toBe(true);
    } finally {
      await t.db.updateTable("workshops").set({ name: site.name }).where("id", "=", site.id).execute();
    }
  });
});

describe("who gets a code", () => {
  it("gives the bureau and the brigade every site, a station its own, another station a 404", async () => {
    for (const file of ["poster", "public-qr.png", "poster.png", "poster.pdf"]) {
      const url = `/api/workshops/${site.id}/${file}`;
      expect((await get("brigade", url)).statusCode, url).toBe(200);
      const other = await get(otherStationUser, url);
      expect(other.statusCode, url).toBe(404);
      expect(other.json().error).toBe("not_found");
      expect((await get(null, url)).statusCode, url).toBe(401);
    }
    expect((await get("admin", "/api/workshops/999999/poster.pdf")).statusCode).toBe(404);
    const bad = await get("admin", "/api/workshops/abc/poster.png");
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: "validation_failed", field: "id" });
  });

  it("refuses a workshop that is not a demonstration site with a 409 that says so", async () => {
    for (const file of ["poster", "public-qr.png", "poster.png", "poster.pdf"]) {
      const r = await get(`${site.code}.duty`, `/api/workshops/${plain}/${file}`);
      expect(r.statusCode).toBe(409);
      expect(r.json()).toMatchObject({ error: "conflict" });
      expect(r.json().message).toMatch(/not a demonstration site/);
    }
  });
});

describe("the poster's font and text", () => {
  it("is found on this machine, and its absence is a 503 that names the package to install", () => {
    expect(findPosterFonts()?.regular).toMatch(/NotoSansCJK-Regular\.ttc$/);
    expect(findPosterFonts(["/nonexistent"])).toBeUndefined();
    expect(() => posterFontsOrThrow(["/nonexistent"])).toThrow(/fonts-noto-cjk/);
    try {
      posterFontsOrThrow(["/nonexistent"]);
    } catch (err) {
      expect((err as { statusCode: number }).statusCode).toBe(503);
    }
  });

  it("wraps Chinese text by width and never starts a line with a comma or full stop", () => {
    const measure = (s: string) => [...s].length * 10;
    expect(wrap("一二三四五六七八九十", 40, 10, false, measure)).toEqual(["一二三四", "五六七八", "九十"]);
    expect(wrap("一二三四，五六七。", 40, 10, false, measure)).toEqual(["一二三四，", "五六七。"]);
  });
});
