/**
 * The life of one supervised process, as a pure transition function (MediaMTX's path states, Frigate's
 * watchdog): idle → connecting → live → backoff → connecting …, or stopped. The I/O runner feeds events
 * and carries out the effects.
 */

export type Phase = "idle" | "connecting" | "live" | "backoff" | "stopped";

export interface SupervisorState {
  phase: Phase;
  /** Consecutive failures since the last time it was live: drives the backoff. */
  attempt: number;
  /** Restarts since the owner was created. */
  restarts: number;
  lastError: string | null;
  /** Whether the last failure was a stall (connected, no output). */
  stalled: boolean;
  /** When the phase last changed (ms). */
  since: number;
  lastOutputAt: number | null;
}

export type SupervisorEvent =
  | { type: "start"; at: number }
  | { type: "output"; at: number }
  | { type: "exit"; at: number; error: string }
  | { type: "stall"; at: number; silentSeconds: number }
  | { type: "retry"; at: number }
  | { type: "reconfigure"; at: number }
  | { type: "stop"; at: number };

export type Effect =
  | { type: "spawn" }
  | { type: "kill" }
  | { type: "schedule-retry"; delayMs: number }
  | { type: "cancel-retry" }
  | { type: "publish" };

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 30_000 };

/** 1 s, 2 s, 4 s … capped (30 s by default). */
export function backoffDelay(attempt: number, p: BackoffPolicy = DEFAULT_BACKOFF): number {
  return Math.min(p.maxMs, p.initialMs * 2 ** Math.max(0, attempt));
}

export function initialState(at: number): SupervisorState {
  return {
    phase: "idle",
    attempt: 0,
    restarts: 0,
    lastError: null,
    stalled: false,
    since: at,
    lastOutputAt: null,
  };
}

export function transition(
  s: SupervisorState,
  e: SupervisorEvent,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): { state: SupervisorState; effects: Effect[] } {
  const to = (phase: Phase, patch: Partial<SupervisorState> = {}): SupervisorState => ({
    ...s,
    ...patch,
    phase,
    since: phase === s.phase ? s.since : e.at,
  });
  const fail = (error: string, stalled: boolean, kill: boolean) => {
    const delayMs = backoffDelay(s.attempt, policy);
    return {
      state: to("backoff", { attempt: s.attempt + 1, restarts: s.restarts + 1, lastError: error, stalled }),
      effects: [
        ...(kill ? [{ type: "kill" } as const] : []),
        { type: "schedule-retry", delayMs } as const,
        { type: "publish" } as const,
      ],
    };
  };

  switch (e.type) {
    case "start":
      if (s.phase === "idle" || s.phase === "stopped") {
        return {
          state: to("connecting", { attempt: 0, stalled: false }),
          effects: [{ type: "spawn" }, { type: "publish" }],
        };
      }
      return { state: s, effects: [] };
    case "output":
      if (s.phase === "connecting") {
        return {
          state: to("live", { attempt: 0, lastError: null, stalled: false, lastOutputAt: e.at }),
          effects: [{ type: "publish" }],
        };
      }
      if (s.phase === "live") return { state: { ...s, lastOutputAt: e.at }, effects: [] };
      return { state: s, effects: [] };
    case "exit":
      if (s.phase === "connecting" || s.phase === "live") return fail(e.error, false, false);
      return { state: s, effects: [] };
    case "stall":
      if (s.phase === "connecting" || s.phase === "live") {
        return fail(`no data for ${e.silentSeconds} s`, true, true);
      }
      return { state: s, effects: [] };
    case "retry":
      if (s.phase === "backoff")
        return { state: to("connecting"), effects: [{ type: "spawn" }, { type: "publish" }] };
      return { state: s, effects: [] };
    case "reconfigure":
      if (s.phase === "stopped" || s.phase === "idle") return { state: s, effects: [] };
      return {
        state: to("connecting", { attempt: 0, stalled: false }),
        effects: [{ type: "cancel-retry" }, { type: "kill" }, { type: "spawn" }, { type: "publish" }],
      };
    case "stop":
      if (s.phase === "stopped") return { state: s, effects: [] };
      return {
        state: to("stopped"),
        effects: [{ type: "cancel-retry" }, { type: "kill" }, { type: "publish" }],
      };
  }
}

/** What the outside world sees of a camera. */
export function cameraStatusOf(s: SupervisorState): "online" | "offline" | "stalled" | "disabled" {
  if (s.phase === "live") return "online";
  if (s.phase === "stopped" || s.phase === "idle") return "disabled";
  return s.stalled ? "stalled" : "offline";
}
