import { describe, expect, it } from "vitest";
import { encodePgm, masksKey, type Polygon, rasteriseMask } from "./privacy-mask.js";

const at = (m: Uint8Array, w: number, x: number, y: number) => m[y * w + x];
const count = (m: Uint8Array) => m.reduce((n, v) => n + (v ? 1 : 0), 0);

describe("privacy mask rasterisation", () => {
  it("fills a rectangle exactly at pixel centres, nothing outside", () => {
    const square: Polygon = [
      [0.25, 0.25],
      [0.75, 0.25],
      [0.75, 0.75],
      [0.25, 0.75],
    ];
    const m = rasteriseMask([square], 8, 8);
    expect(count(m)).toBe(16);
    expect(at(m, 8, 2, 2)).toBe(255);
    expect(at(m, 8, 5, 5)).toBe(255);
    expect(at(m, 8, 1, 2)).toBe(0);
    expect(at(m, 8, 6, 5)).toBe(0);
  });

  it("fills a triangle by area (about half of its bounding box) and unions several polygons", () => {
    const tri: Polygon = [
      [0, 0],
      [1, 0],
      [0, 1],
    ];
    const m = rasteriseMask([tri], 100, 100);
    expect(count(m)).toBeGreaterThan(4900);
    expect(count(m)).toBeLessThan(5100);
    expect(at(m, 100, 10, 10)).toBe(255);
    expect(at(m, 100, 90, 90)).toBe(0);
    const other: Polygon = [
      [0.8, 0.8],
      [1, 0.8],
      [1, 1],
    ];
    expect(at(rasteriseMask([tri, other], 100, 100), 100, 98, 90)).toBe(255);
  });

  it("grows the mask by the margin asked for", () => {
    const dot: Polygon = [
      [0.5, 0.5],
      [0.6, 0.5],
      [0.6, 0.6],
      [0.5, 0.6],
    ];
    const tight = rasteriseMask([dot], 10, 10);
    expect(count(tight)).toBe(1);
    const grown = rasteriseMask([dot], 10, 10, 1);
    expect(count(grown)).toBe(9);
    expect(at(grown, 10, 4, 4)).toBe(255);
    expect(at(grown, 10, 3, 3)).toBe(0);
  });

  it("encodes a binary PGM ffmpeg reads: header then the bytes", () => {
    const m = new Uint8Array([0, 255, 255, 0, 0, 255]);
    const pgm = encodePgm(m, 3, 2);
    expect(pgm.subarray(0, 11).toString("ascii")).toBe("P5\n3 2\n255\n");
    expect([...pgm.subarray(11)]).toEqual([...m]);
    expect(() => encodePgm(m, 4, 2)).toThrow(/size/);
  });

  it("keys masks by value: none and empty are the same (no public output)", () => {
    expect(masksKey(undefined)).toBe("");
    expect(masksKey([])).toBe("");
    const a: Polygon[] = [
      [
        [0, 0],
        [1, 0],
        [1, 1],
      ],
    ];
    expect(masksKey(a)).toBe(masksKey(JSON.parse(JSON.stringify(a))));
  });
});
