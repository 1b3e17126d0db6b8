import { describe, expect, it } from "vitest";
import { type TimerApi, TourTimer } from "./tour-timer";

/** A hand-driven clock: `advance(ms)` fires what is due. */
function fakeTimers() {
  let now = 0;
  let nextId = 1;
  const due = new Map<number, { at: number; fn: () => void }>();
  const api: TimerApi = {
    set(fn, ms) {
      const id = nextId++;
      due.set(id, { at: now + ms, fn });
      return id;
    },
    clear(h) {
      due.delete(h as number);
    },
  };
  return {
    api,
    pending: () => due.size,
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const next = [...due.entries()].sort((a, b) => a[1].at - b[1].at)[0];
        if (!next || next[1].at > end) break;
        due.delete(next[0]);
        now = next[1].at;
        next[1].fn();
      }
      now = end;
    },
  };
}

function setup(pages = 3) {
  const clock = fakeTimers();
  const state = { page: 0, pages };
  const seen: number[] = [];
  const tour = new TourTimer({
    pages: () => state.pages,
    page: () => state.page,
    go: (p) => {
      state.page = p;
      seen.push(p);
    },
    timers: clock.api,
  });
  return { clock, state, seen, tour };
}

describe("tour timer", () => {
  it("moves to the next page every N seconds, round the pages", () => {
    const { clock, seen, tour } = setup(3);
    tour.start(10);
    clock.advance(9_999);
    expect(seen).toEqual([]);
    clock.advance(1);
    expect(seen).toEqual([1]);
    clock.advance(20_000);
    expect(seen).toEqual([1, 2, 0]);
    expect(tour.running).toBe(true);
  });

  it("does nothing with a single page, and starts when a second page appears", () => {
    const { clock, state, seen, tour } = setup(1);
    tour.start(10);
    expect(tour.running).toBe(false);
    clock.advance(60_000);
    expect(seen).toEqual([]);
    state.pages = 2;
    tour.restart();
    clock.advance(10_000);
    expect(seen).toEqual([1]);
  });

  it("stops, and leaves no timer behind", () => {
    const { clock, seen, tour } = setup(3);
    tour.start(10);
    tour.stop();
    expect(clock.pending()).toBe(0);
    clock.advance(60_000);
    expect(seen).toEqual([]);
  });

  it("pauses while a camera is enlarged or the tab hidden, and waits a full interval after", () => {
    const { clock, seen, tour } = setup(3);
    tour.start(10);
    clock.advance(8_000);
    tour.setPaused(true);
    clock.advance(60_000);
    expect(seen).toEqual([]);
    tour.setPaused(false);
    clock.advance(9_000);
    expect(seen).toEqual([]);
    clock.advance(1_000);
    expect(seen).toEqual([1]);
  });

  it("starts the interval again when the wall changes by hand", () => {
    const { clock, seen, tour } = setup(3);
    tour.start(10);
    clock.advance(9_000);
    tour.restart();
    clock.advance(9_000);
    expect(seen).toEqual([]);
    clock.advance(1_000);
    expect(seen).toEqual([1]);
  });

  it("keeps to a sane interval and follows a page picked by hand", () => {
    const { clock, state, seen, tour } = setup(4);
    tour.start(1);
    clock.advance(4_999);
    expect(seen).toEqual([]);
    clock.advance(1);
    expect(seen).toEqual([1]);
    state.page = 3;
    tour.restart();
    clock.advance(5_000);
    expect(seen).toEqual([1, 0]);
  });
});
