import { describe, expect, it } from "vitest";
import {
  isStale,
  isTokenRefusal,
  MIN_REFRESH_DELAY_MS,
  refreshDelay,
  tokenOf,
  withToken,
} from "./token-refresh";

const T0 = Date.parse("2026-12-07T04:00:00Z");

describe("media token refresh", () => {
  it("refreshes a 300 s token a minute before it expires", () => {
    const exp = new Date(T0 + 300_000).toISOString();
    expect(refreshDelay(exp, T0, T0)).toBe(240_000);
    // Asked again later (same token): the same moment.
    expect(refreshDelay(exp, T0 + 100_000, T0)).toBe(140_000);
  });

  it("takes a fifth of a long lifetime as the margin", () => {
    expect(refreshDelay(T0 + 3_600_000, T0, T0)).toBe(3_600_000 - 720_000);
  });

  it("refreshes a short-lived token at half its remaining life, never in a busy loop", () => {
    expect(refreshDelay(T0 + 30_000, T0, T0)).toBe(15_000);
    expect(refreshDelay(T0 + 2_000, T0, T0)).toBe(MIN_REFRESH_DELAY_MS);
    expect(refreshDelay(T0 - 60_000, T0)).toBe(MIN_REFRESH_DELAY_MS);
    expect(refreshDelay("not a date", T0)).toBe(MIN_REFRESH_DELAY_MS);
  });

  it("calls a token stale in its last seconds", () => {
    expect(isStale(T0 + 60_000, T0)).toBe(false);
    expect(isStale(T0 + 4_000, T0)).toBe(true);
    expect(isStale(T0 - 1, T0)).toBe(true);
    expect(isStale("garbage", T0)).toBe(true);
  });

  it("carries a fresh token onto playlist and segment URLs, relative or absolute", () => {
    expect(withToken("/media/hls/3/seg-17.ts?token=old", "new.1")).toBe("/media/hls/3/seg-17.ts?token=new.1");
    expect(withToken("/media/hls/3/index.m3u8", "a")).toBe("/media/hls/3/index.m3u8?token=a");
    expect(withToken("http://h:8080/media/hls/3/seg-1.ts?token=x&y=1", "b")).toBe(
      "http://h:8080/media/hls/3/seg-1.ts?token=b&y=1",
    );
    expect(tokenOf("/media/hls/3/index.m3u8?token=123.abc")).toBe("123.abc");
    expect(tokenOf("/media/hls/3/index.m3u8")).toBeNull();
  });

  it("treats 403 as a refused token", () => {
    expect(isTokenRefusal(403)).toBe(true);
    expect(isTokenRefusal(404)).toBe(false);
    expect(isTokenRefusal(undefined)).toBe(false);
  });
});
