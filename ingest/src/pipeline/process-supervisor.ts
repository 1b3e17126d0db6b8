/**
 * Runs one ffmpeg process under the pure state machine of supervisor-state.ts: spawns it tethered (it can
 * never outlive us), watches its output for stalls, restarts it with exponential backoff, and reports
 * every change. One per process; a camera owner has two (live HLS and frame sampling).
 */
import type { Logger } from "@mingfang/core";
import { spawnTethered, type TetheredProcess } from "@mingfang/process";
import { scrubLine } from "./ffmpeg-args.js";
import type { StartGate } from "./start-gate.js";
import {
  type BackoffPolicy,
  DEFAULT_BACKOFF,
  type Effect,
  initialState,
  type SupervisorEvent,
  type SupervisorState,
  transition,
} from "./supervisor-state.js";

export interface SupervisorOptions {
  name: string;
  command: string;
  /** Built afresh at each spawn (the configuration may have changed). */
  args: () => Promise<string[]> | string[];
  /** Seconds without output, once live, before the process is considered stalled and restarted. */
  stallSeconds: number;
  /** Seconds a new process may take to produce its first output (connect, probe, first GOP). */
  connectSeconds?: number;
  backoff?: BackoffPolicy;
  logger: Logger;
  /** Strings to remove from any line the process prints (the camera URL's credentials). */
  secrets: () => string[];
  /** Raw stdout (e.g. JPEG frames); each chunk counts as output. */
  onStdout?: (chunk: Buffer) => void;
  /** Line-wise stdout (e.g. progress); each line counts as output. */
  onStdoutLine?: (line: string) => void;
  onChange?: (s: SupervisorState) => void;
  /** Shared limit on processes starting at once; the slot is held until the first output or the exit. */
  gate?: StartGate;
  /** Decides whether a stdout line counts as progress (default: every line). */
  isProgress?: (line: string) => boolean;
}

export class ProcessSupervisor {
  private state: SupervisorState;
  private proc: TetheredProcess | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private lastOutput = 0;
  private generation = 0;
  private readonly tail: string[] = [];
  private slot: (() => void) | undefined;

  constructor(private readonly o: SupervisorOptions) {
    this.state = initialState(Date.now());
  }

  get current(): SupervisorState {
    return this.state;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  start(): void {
    this.dispatch({ type: "start", at: Date.now() });
  }

  reconfigure(): void {
    this.dispatch({ type: "reconfigure", at: Date.now() });
  }

  /** Stops the process and waits until it has exited. */
  async stop(): Promise<void> {
    this.dispatch({ type: "stop", at: Date.now() });
    clearInterval(this.watchdog);
    this.watchdog = undefined;
    const p = this.proc;
    this.proc = undefined;
    if (p) await p.stop(3000);
  }

  private dispatch(e: SupervisorEvent): void {
    const { state, effects } = transition(this.state, e, this.o.backoff ?? DEFAULT_BACKOFF);
    const changed = state.phase !== this.state.phase;
    this.state = state;
    for (const fx of effects) this.apply(fx);
    if (changed && state.lastError && state.phase === "backoff") {
      this.o.logger.warn(
        { process: this.o.name, error: state.lastError, attempt: state.attempt },
        "process failed; backing off",
      );
    }
  }

  private apply(fx: Effect): void {
    switch (fx.type) {
      case "spawn":
        void this.spawn();
        return;
      case "kill": {
        this.releaseSlot();
        const p = this.proc;
        this.proc = undefined;
        this.generation++;
        if (p) void p.stop(3000);
        return;
      }
      case "schedule-retry":
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.dispatch({ type: "retry", at: Date.now() }), fx.delayMs);
        this.retryTimer.unref();
        return;
      case "cancel-retry":
        clearTimeout(this.retryTimer);
        this.retryTimer = undefined;
        return;
      case "publish":
        this.o.onChange?.(this.state);
        return;
    }
  }

  private async spawn(): Promise<void> {
    const gen = ++this.generation;
    this.releaseSlot();
    const release = this.o.gate ? await this.o.gate.acquire() : () => {};
    if (gen !== this.generation || this.state.phase !== "connecting") {
      release();
      return;
    }
    this.slot = release;
    // The watchdog counts from here: time spent waiting for a slot is not the camera's fault.
    this.lastOutput = Date.now();
    let args: string[];
    try {
      args = await this.o.args();
    } catch (err) {
      this.releaseSlot();
      if (gen === this.generation) {
        this.dispatch({ type: "exit", at: Date.now(), error: this.scrub((err as Error).message) });
      }
      return;
    }
    if (gen !== this.generation || this.state.phase !== "connecting") {
      this.releaseSlot();
      return;
    }
    this.tail.length = 0;
    this.lastOutput = Date.now();
    let partial = "";
    const p = spawnTethered(this.o.command, args, {
      onStdout: (chunk: Buffer) => {
        if (gen !== this.generation) return;
        if (this.o.onStdout) {
          this.output();
          this.o.onStdout(chunk);
        }
        if (this.o.onStdoutLine) {
          partial += chunk.toString("utf8");
          const lines = partial.split("\n");
          partial = lines.pop() ?? "";
          for (const line of lines) {
            if (!this.o.isProgress || this.o.isProgress(line)) this.output();
            this.o.onStdoutLine(line);
          }
        }
      },
      logLine: (stream, line) => {
        if (stream !== "stderr" || gen !== this.generation) return;
        const clean = this.scrub(line);
        this.tail.push(clean);
        if (this.tail.length > 5) this.tail.shift();
        this.o.logger.debug({ process: this.o.name }, clean);
      },
    });
    this.proc = p;
    clearInterval(this.watchdog);
    this.watchdog = setInterval(() => {
      if (gen !== this.generation) return;
      const silent = (Date.now() - this.lastOutput) / 1000;
      const limit =
        this.state.phase === "connecting"
          ? Math.max(this.o.stallSeconds, this.o.connectSeconds ?? 0)
          : this.o.stallSeconds;
      if (silent >= limit) {
        this.dispatch({ type: "stall", at: Date.now(), silentSeconds: Math.round(silent) });
      }
    }, 1000);
    this.watchdog.unref();
    p.exited.then(({ code, signal }) => {
      if (gen !== this.generation) return;
      this.releaseSlot();
      this.proc = undefined;
      const why = this.tail.at(-1) ?? `exited with ${signal ?? `code ${code}`}`;
      this.dispatch({ type: "exit", at: Date.now(), error: why });
    });
  }

  private releaseSlot(): void {
    const r = this.slot;
    this.slot = undefined;
    r?.();
  }

  private output(): void {
    const now = Date.now();
    this.lastOutput = now;
    this.releaseSlot();
    if (this.state.phase === "connecting" || now - (this.state.lastOutputAt ?? 0) > 1000) {
      this.dispatch({ type: "output", at: now });
    }
  }

  private scrub(line: string): string {
    const out = scrubLine(line, this.o.secrets());
    return out;
  }
}
