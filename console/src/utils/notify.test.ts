// @vitest-environment happy-dom
import { beforeEach, describe, expect, it, vi } from "vitest";

class FakeNode {
  frequency = { value: 0 };
  type = "";
  gain = { setValueAtTime: vi.fn(), exponentialRampToValueAtTime: vi.fn() };
  connect = vi.fn((n: unknown) => n);
  start = vi.fn();
  stop = vi.fn();
}
const created: FakeNode[] = [];
class FakeAudioContext {
  state = "suspended";
  currentTime = 0;
  destination = {};
  resume = vi.fn(async () => {
    this.state = "running";
  });
  createOscillator() {
    const n = new FakeNode();
    created.push(n);
    return n;
  }
  createGain() {
    return new FakeNode();
  }
}

describe("notify", () => {
  beforeEach(() => {
    vi.resetModules();
    localStorage.clear();
    created.length = 0;
    (window as unknown as { AudioContext: unknown }).AudioContext = FakeAudioContext;
  });

  it("stays silent before a user gesture, beeps after one, and remembers the switch", async () => {
    const n = await import("./notify");
    expect(n.soundEnabled()).toBe(true);
    n.armSound();
    expect(n.beep()).toBe(false);
    window.dispatchEvent(new Event("pointerdown"));
    await Promise.resolve();
    expect(n.beep()).toBe(true);
    expect(created).toHaveLength(2);
    expect(n.beep(true)).toBe(true);
    expect(created).toHaveLength(5); // three tones when urgent
    n.setSoundEnabled(false);
    expect(n.soundEnabled()).toBe(false);
    expect(n.beep()).toBe(false);
  });

  it("notifies only with the permission granted and not switched off", async () => {
    const shown: string[] = [];
    class FakeNotification {
      static permission: NotificationPermission = "default";
      static requestPermission = vi.fn(async () => {
        FakeNotification.permission = "granted";
        return "granted" as NotificationPermission;
      });
      onclick: (() => void) | null = null;
      constructor(title: string) {
        shown.push(title);
      }
      close() {}
    }
    (globalThis as unknown as { Notification: unknown }).Notification = FakeNotification;
    const n = await import("./notify");
    expect(n.notifyPermission()).toBe("default");
    expect(n.showNotification("a", "b", "t")).toBe(false);
    expect(await n.requestNotifyPermission()).toBe("granted");
    expect(n.showNotification("新告警", "b", "t")).toBe(true);
    n.setNotifyEnabled(false);
    expect(n.showNotification("again", "b", "t")).toBe(false);
    expect(shown).toEqual(["新告警"]);
    expect(FakeNotification.requestPermission).toHaveBeenCalledTimes(1);
  });
});
