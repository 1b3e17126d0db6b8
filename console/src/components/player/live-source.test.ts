import { describe, expect, it } from "vitest";
import type { LiveUrls } from "@/api/live";
import { LiveSource } from "./live-source";

function harness(ttlMs = 300_000) {
  let now = Date.parse("2026-12-07T04:00:00Z");
  let n = 0;
  const timers: { fn: () => void; at: number; id: number }[] = [];
  let fail = false;
  const src = new LiveSource(7, {
    fetch: async (id) => {
      if (fail) throw new Error("down");
      n++;
      const exp = now + ttlMs;
      return {
        cameraId: id,
        hls: `/media/hls/${id}/index.m3u8?token=${exp / 1000}.t${n}`,
        expiresAt: new Date(exp).toISOString(),
      } satisfies LiveUrls;
    },
    now: () => now,
    setTimer: (fn, ms) => {
      const t = { fn, at: now + ms, id: timers.length };
      timers.push(t);
      return t;
    },
    clearTimer: (h) => {
      const i = timers.indexOf(h as (typeof timers)[number]);
      if (i >= 0) timers.splice(i, 1);
    },
  });
  return {
    src,
    fetches: () => n,
    timers,
    setFail: (f: boolean) => {
      fail = f;
    },
    async advance(ms: number) {
      now += ms;
      for (const t of [...timers].filter((x) => x.at <= now)) {
        timers.splice(timers.indexOf(t), 1);
        t.fn();
      }
      await new Promise((r) => setTimeout(r, 0));
    },
  };
}

describe("live source: signed URLs kept fresh", () => {
  it("fetches once for concurrent callers and schedules the refresh a minute before expiry", async () => {
    const h = harness();
    await Promise.all([h.src.refresh(), h.src.refresh(), h.src.fresh()]);
    expect(h.fetches()).toBe(1);
    expect(h.timers).toHaveLength(1);
    await h.advance(239_000);
    expect(h.fetches()).toBe(1);
    await h.advance(1_000);
    expect(h.fetches()).toBe(2);
    expect(h.src.current?.hls).toContain(".t2");
  });

  it("signs each request with the freshest token", async () => {
    const h = harness();
    await h.src.refresh();
    expect(await h.src.sign("/media/hls/7/seg-5.ts?token=old")).toMatch(/token=\d+\.t1$/);
    await h.advance(240_000);
    expect(await h.src.sign("/media/hls/7/seg-6.ts?token=old")).toMatch(/token=\d+\.t2$/);
  });

  it("refreshes a token about to expire before a request uses it (after a sleep, a failed refresh)", async () => {
    const h = harness();
    await h.src.refresh();
    h.setFail(true);
    await h.advance(240_000); // the scheduled refresh fails
    h.setFail(false);
    await h.advance(58_000); // 2 s left: stale
    expect(await h.src.sign("/media/hls/7/seg-9.ts")).toMatch(/token=\d+\.t2$/);
  });

  it("leaves no timer after close", async () => {
    const h = harness();
    await h.src.refresh();
    h.src.close();
    expect(h.timers).toHaveLength(0);
  });
});
