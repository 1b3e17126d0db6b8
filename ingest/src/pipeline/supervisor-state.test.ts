import { describe, expect, it } from "vitest";
import {
  backoffDelay,
  cameraStatusOf,
  type Effect,
  initialState,
  type Phase,
  type SupervisorEvent,
  type SupervisorState,
  transition,
} from "./supervisor-state.js";

const at = 1000;
const st = (phase: Phase, patch: Partial<SupervisorState> = {}): SupervisorState => ({
  ...initialState(0),
  phase,
  ...patch,
});
const types = (fx: Effect[]) => fx.map((f) => f.type);

describe("supervisor state machine", () => {
  it.each<[Phase, SupervisorEvent["type"], Phase, string[]]>([
    ["idle", "start", "connecting", ["spawn", "publish"]],
    ["stopped", "start", "connecting", ["spawn", "publish"]],
    ["live", "start", "live", []],
    ["connecting", "output", "live", ["publish"]],
    ["live", "output", "live", []],
    ["backoff", "output", "backoff", []],
    ["connecting", "exit", "backoff", ["schedule-retry", "publish"]],
    ["live", "exit", "backoff", ["schedule-retry", "publish"]],
    ["backoff", "exit", "backoff", []],
    ["stopped", "exit", "stopped", []],
    ["live", "stall", "backoff", ["kill", "schedule-retry", "publish"]],
    ["connecting", "stall", "backoff", ["kill", "schedule-retry", "publish"]],
    ["backoff", "stall", "backoff", []],
    ["backoff", "retry", "connecting", ["spawn", "publish"]],
    ["live", "retry", "live", []],
    ["live", "reconfigure", "connecting", ["cancel-retry", "kill", "spawn", "publish"]],
    ["backoff", "reconfigure", "connecting", ["cancel-retry", "kill", "spawn", "publish"]],
    ["stopped", "reconfigure", "stopped", []],
    ["live", "stop", "stopped", ["cancel-retry", "kill", "publish"]],
    ["backoff", "stop", "stopped", ["cancel-retry", "kill", "publish"]],
    ["stopped", "stop", "stopped", []],
  ])("%s + %s → %s %j", (from, type, to, effects) => {
    const e = { type, at, error: "x", silentSeconds: 10 } as SupervisorEvent;
    const r = transition(st(from), e);
    expect(r.state.phase).toBe(to);
    expect(types(r.effects)).toEqual(effects);
  });

  it("backs off exponentially from 1 s to a 30 s cap, and resets once live", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((a) => backoffDelay(a))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
    let s = st("connecting");
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = transition(s, { type: "exit", at, error: "refused" });
      delays.push((r.effects.find((f) => f.type === "schedule-retry") as { delayMs: number }).delayMs);
      s = transition(r.state, { type: "retry", at }).state;
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000]);
    s = transition(s, { type: "output", at }).state;
    expect(s.attempt).toBe(0);
    expect(s.restarts).toBe(4);
  });

  it("reports stalled, offline, online and disabled", () => {
    const stalled = transition(st("live"), { type: "stall", at, silentSeconds: 12 }).state;
    expect(cameraStatusOf(stalled)).toBe("stalled");
    expect(stalled.lastError).toBe("no data for 12 s");
    // Still stalled while it reconnects, online once output flows again.
    const reconnecting = transition(stalled, { type: "retry", at }).state;
    expect(cameraStatusOf(reconnecting)).toBe("stalled");
    expect(cameraStatusOf(transition(reconnecting, { type: "output", at }).state)).toBe("online");
    expect(cameraStatusOf(transition(st("live"), { type: "exit", at, error: "404" }).state)).toBe("offline");
    expect(cameraStatusOf(st("stopped"))).toBe("disabled");
  });

  it("records when the phase changed", () => {
    const r = transition(st("connecting", { since: 5 }), { type: "output", at: 77 });
    expect(r.state.since).toBe(77);
    expect(transition(r.state, { type: "output", at: 99 }).state.since).toBe(77);
  });
});
