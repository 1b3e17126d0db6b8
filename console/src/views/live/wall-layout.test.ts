import { describe, expect, it } from "vitest";
import {
  clampPage,
  defaultWall,
  gridOf,
  isLayout,
  MAX_WALL,
  pageCount,
  pageOf,
  pageTiles,
  place,
  removeCamera,
  sanitize,
} from "./wall-layout";

describe("wall layout", () => {
  it("draws 1, 4, 9, 16 as squares and 6 as one large tile and five small ones", () => {
    expect(gridOf(1)).toEqual({ columns: 1, rows: 1 });
    expect(gridOf(4)).toEqual({ columns: 2, rows: 2 });
    expect(gridOf(9)).toEqual({ columns: 3, rows: 3 });
    expect(gridOf(16)).toEqual({ columns: 4, rows: 4 });
    expect(gridOf(6)).toEqual({ columns: 3, rows: 3, firstSpan: 2 });
    expect(isLayout(6)).toBe(true);
    expect(isLayout(8)).toBe(false);
    expect(isLayout("4")).toBe(false);
  });

  it("pages the wall's cameras, with empty tiles at the end of the last page", () => {
    const cams = [1, 2, 3, 4, 5];
    expect(pageCount(cams, 4)).toBe(2);
    expect(pageCount([], 4)).toBe(1);
    expect(pageTiles(cams, 4, 0)).toEqual([1, 2, 3, 4]);
    expect(pageTiles(cams, 4, 1)).toEqual([5, null, null, null]);
    expect(pageTiles(cams, 4, 7)).toEqual([5, null, null, null]);
    expect(pageTiles([], 1, 0)).toEqual([null]);
    expect(clampPage(cams, 4, -3)).toBe(0);
    expect(pageOf(cams, 4, 5)).toBe(1);
    expect(pageOf(cams, 4, 9)).toBe(-1);
  });

  it("puts a picked camera in the next free tile", () => {
    expect(place([1, 2], 4, 0, 7, null)).toEqual({ cameras: [1, 2, 7], page: 0, tile: 2 });
    // A full page: the camera goes to the next page.
    expect(place([1, 2, 3, 4], 4, 0, 7, null)).toEqual({ cameras: [1, 2, 3, 4, 7], page: 1, tile: 0 });
  });

  it("replaces the camera of the selected tile, and fills a selected empty tile in order", () => {
    expect(place([1, 2, 3, 4, 5], 4, 1, 7, 0)).toEqual({ cameras: [1, 2, 3, 4, 7], page: 1, tile: 0 });
    expect(place([1, 2, 3], 4, 0, 7, 1)).toEqual({ cameras: [1, 7, 3], page: 0, tile: 1 });
    // The selected empty tile 3 of page 0 with 2 cameras: the camera takes the first free tile.
    expect(place([1, 2], 4, 0, 7, 3)).toEqual({ cameras: [1, 2, 7], page: 0, tile: 2 });
  });

  it("never puts a camera twice: one already on the wall stays where it is", () => {
    expect(place([1, 2, 3, 4, 5], 4, 0, 5, null)).toEqual({ cameras: [1, 2, 3, 4, 5], page: 1, tile: 0 });
    expect(place([1, 2, 3], 4, 0, 3, 0)).toEqual({ cameras: [1, 2, 3], page: 0, tile: 2 });
  });

  it("refuses a camera when the wall is full, unless it replaces one", () => {
    const full = Array.from({ length: MAX_WALL }, (_, i) => i + 1);
    expect(place(full, 16, 0, 999, null)).toBeNull();
    expect(place(full, 16, 0, 999, 2)?.cameras[2]).toBe(999);
  });

  it("takes a camera off and moves the following ones up", () => {
    expect(removeCamera([1, 2, 3], 2)).toEqual([1, 3]);
    expect(removeCamera([1, 2, 3], 9)).toEqual([1, 2, 3]);
  });

  it("keeps only visible cameras, once each, from stored preferences", () => {
    expect(sanitize([3, "x", 1, 3, 99, null, 2], new Set([1, 2, 3]))).toEqual([3, 1, 2]);
    const many = Array.from({ length: 100 }, (_, i) => i);
    expect(sanitize(many, new Set(many))).toHaveLength(MAX_WALL);
  });

  it("fills a first wall with online cameras first, never disabled ones", () => {
    const cams = [
      { id: 1, enabled: true },
      { id: 2, enabled: false },
      { id: 3, enabled: true },
      { id: 4, enabled: true },
    ];
    expect(defaultWall(cams, new Set([4]), 4)).toEqual([4, 1, 3]);
    expect(defaultWall(cams, new Set([4]), 1)).toEqual([4]);
  });
});
