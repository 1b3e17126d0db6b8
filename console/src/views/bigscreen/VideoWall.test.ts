// @vitest-environment happy-dom
import { mount } from "@vue/test-utils";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { defineComponent, h, nextTick } from "vue";
import type { WallCamera } from "./bigscreen-model";

/** Players alive now (mounted, not yet unmounted), by camera. */
const alive = new Map<number, number>();
let mounts = 0;

vi.mock("vue-i18n", () => ({ useI18n: () => ({ t: (k: string) => k }) }));
vi.mock("@/components/player/HlsPlayer.vue", () => ({
  default: defineComponent({
    props: { cameraId: { type: Number, required: true }, active: Boolean },
    mounted() {
      mounts++;
      alive.set(this.cameraId, (alive.get(this.cameraId) ?? 0) + 1);
    },
    unmounted() {
      const n = (alive.get(this.cameraId) ?? 0) - 1;
      if (n > 0) alive.set(this.cameraId, n);
      else alive.delete(this.cameraId);
    },
    render() {
      return h("video", { "data-camera-id": this.cameraId });
    },
  }),
}));

const { default: VideoWall } = await import("./VideoWall.vue");

const cams = (n: number): WallCamera[] =>
  Array.from({ length: n }, (_, i) => ({
    cameraId: i + 1,
    cameraName: `c${i + 1}`,
    workshopId: i + 1,
    workshopName: `w${i + 1}`,
  }));
const playing = () => [...alive.keys()].sort((a, b) => a - b);

beforeEach(() => {
  vi.useFakeTimers();
  alive.clear();
  mounts = 0;
});
afterEach(() => vi.useRealTimers());

describe("the big screen's video wall", () => {
  it("turns every N seconds, destroying the players turned out and keeping those that stay", async () => {
    const w = mount(VideoWall, { props: { cameras: cams(6), down: () => false, seconds: 5, active: true } });
    await nextTick();
    expect(playing()).toEqual([1, 2, 3, 4]);
    await vi.advanceTimersByTimeAsync(5000);
    // Page 2 of six cameras: 5, 6 and, to fill it, 1, 2 (kept playing, not started again).
    expect(playing()).toEqual([1, 2, 5, 6]);
    expect(mounts).toBe(6);
    expect(w.get('[data-testid="video-wall"]').attributes("data-rotations")).toBe("1");
    // Hours of turning: never more than four players, none left behind.
    await vi.advanceTimersByTimeAsync(5000 * 200);
    expect(alive.size).toBe(4);
    expect([...alive.values()].every((n) => n === 1)).toBe(true);
    expect(w.get('[data-testid="video-wall"]').attributes("data-rotations")).toBe("201");
    w.unmount();
    expect(alive.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("stands still while paused (hidden tab) and with no more cameras than tiles", async () => {
    const w = mount(VideoWall, { props: { cameras: cams(6), down: () => false, seconds: 5, active: false } });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(w.get('[data-testid="video-wall"]').attributes("data-rotations")).toBe("0");
    await w.setProps({ active: true, cameras: cams(3) });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(w.get('[data-testid="video-wall"]').attributes("data-rotations")).toBe("0");
    expect(w.findAll('[data-testid="wall-tile"]').map((t) => t.attributes("data-camera-id"))).toEqual([
      "1",
      "2",
      "3",
      "",
    ]);
    w.unmount();
  });

  it("shows a down camera as offline, without a player", async () => {
    const w = mount(VideoWall, {
      props: { cameras: cams(2), down: (id: number) => id === 2, seconds: 5, active: true },
    });
    await nextTick();
    expect(playing()).toEqual([1]);
    expect(w.get('[data-camera-id="2"][data-testid="wall-tile"]').attributes("data-state")).toBe("offline");
    w.unmount();
  });
});
