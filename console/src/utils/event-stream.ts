/**
 * The console's side of `/ws` (docs/alerts.md): keeps the highest `seq` seen, reconnects with
 * `?since=<seq>` after a drop, a sleep or the network coming back, drops anything at or below the highest
 * `seq` (a replayed event seen before is not shown twice), and tells its listener when the server says
 * `reset` (the lists must be reloaded over REST). No Vue and no DOM globals: the socket factory and the
 * timers are injected, so the tests drive it by hand.
 */
import type { WsServerMessage } from "@/api/types";

export type ServerEvent = Extract<WsServerMessage, { type: "event" }>;

export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  close(code?: number): void;
}

export interface StreamListener {
  event(e: ServerEvent): void;
  /** Connected and caught up: `replayed` events came from the backlog. */
  synced?(replayed: number): void;
  /** The backlog could not be replayed: reload lists over REST. */
  reset?(reason: string): void;
  state?(s: StreamState): void;
  /** The server ended the session (4001) or refused the upgrade: go to sign-in. */
  unauthorized?(): void;
}

export type StreamState = "connecting" | "live" | "down";

export type TimerKind = "retry" | "watchdog";

export interface StreamOptions {
  url: (since: string | null) => string;
  open: (url: string) => SocketLike;
  setTimer?: (fn: () => void, ms: number, kind: TimerKind) => unknown;
  clearTimer?: (t: unknown) => void;
  now?: () => number;
  /** Back-off after a failed or dropped connection: 1 s, doubling, capped. */
  maxDelayMs?: number;
  /**
   * Until it is live, a connection that hears nothing for this long (no hello, a replay that stalled) is
   * given up and retried: a socket can hang in CONNECTING behind a proxy or a stalled server and never
   * fire `close`. Once live, the limit is two heartbeats and 5 s.
   */
  silenceMs?: number;
}

const seqGt = (a: string, b: string | null) => b === null || BigInt(a) > BigInt(b);

export class EventStream {
  lastSeq: string | null = null;
  state: StreamState = "down";
  private socket: SocketLike | null = null;
  private attempts = 0;
  /** The `since` of the current connection (null: a first connection, no replay follows). */
  private since: string | null = null;
  private timer: unknown = null;
  private watchdog: unknown = null;
  private lastHeard = 0;
  private heartbeatMs: number | null = null;
  private stopped = true;
  private readonly setTimer: (fn: () => void, ms: number, kind: TimerKind) => unknown;
  private readonly clearTimer: (t: unknown) => void;
  private readonly now: () => number;

  constructor(
    private readonly opts: StreamOptions,
    private readonly listener: StreamListener,
  ) {
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
    this.now = opts.now ?? (() => Date.now());
  }

  start(): void {
    this.stopped = false;
    if (!this.socket) this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer();
    this.disarmWatchdog();
    const s = this.socket;
    this.socket = null;
    s?.close(1000);
    this.setState("down");
  }

  /** Reconnect now (the network came back, the tab woke up) instead of waiting for the back-off. */
  kick(): void {
    if (this.stopped || this.state === "live" || this.state === "connecting") return;
    this.cancelTimer();
    this.connect();
  }

  /** Drop the current socket as a network failure would (tests, and a console's "reconnect" button). */
  drop(): void {
    this.socket?.close(4000);
  }

  private connect(): void {
    this.setState("connecting");
    this.since = this.lastSeq;
    const socket = this.opts.open(this.opts.url(this.since));
    this.socket = socket;
    socket.onmessage = (ev) => this.onMessage(String(ev.data));
    socket.onclose = (ev) => this.onClose(socket, ev.code);
    socket.onerror = () => {};
    this.heartbeatMs = null;
    this.lastHeard = this.now();
    this.armWatchdog(this.silenceLimit());
  }

  /** How long the current connection may stay silent before it is given up. */
  private silenceLimit(): number {
    const beforeLive = this.opts.silenceMs ?? 10_000;
    if (this.state !== "live" || this.heartbeatMs === null) return beforeLive;
    return Math.max(beforeLive, 2 * this.heartbeatMs + 5_000);
  }

  private armWatchdog(ms: number): void {
    this.disarmWatchdog();
    this.watchdog = this.setTimer(() => this.checkSilence(), ms, "watchdog");
  }

  private disarmWatchdog(): void {
    if (this.watchdog !== null) this.clearTimer(this.watchdog);
    this.watchdog = null;
  }

  private checkSilence(): void {
    this.watchdog = null;
    const socket = this.socket;
    if (!socket || this.stopped) return;
    const left = this.silenceLimit() - (this.now() - this.lastHeard);
    if (left > 0) {
      this.armWatchdog(left);
      return;
    }
    // Given up: detach first (a hung socket may never fire close), then retry as after a drop.
    socket.onmessage = null;
    socket.onclose = null;
    socket.close(4000);
    this.onClose(socket, 1006);
  }

  private onMessage(raw: string): void {
    this.lastHeard = this.now();
    let msg: WsServerMessage;
    try {
      msg = JSON.parse(raw) as WsServerMessage;
    } catch {
      return;
    }
    switch (msg.type) {
      case "hello":
        // A first connection starts from the server's newest seq; a reconnect keeps its own (the replay
        // answers it).
        this.attempts = 0;
        this.heartbeatMs = msg.heartbeatMs;
        if (this.since === null) {
          if (this.lastSeq === null) this.lastSeq = msg.seq;
          this.setState("live");
          this.listener.synced?.(0);
        }
        return;
      case "event":
        if (!seqGt(msg.seq, this.lastSeq)) return;
        this.lastSeq = msg.seq;
        this.listener.event(msg);
        return;
      case "synced":
        this.bump(msg.seq);
        this.setState("live");
        this.listener.synced?.(msg.replayed);
        return;
      case "reset":
        this.lastSeq = msg.seq;
        this.setState("live");
        this.listener.reset?.(msg.reason);
        return;
      case "heartbeat":
        this.bump(msg.seq);
        return;
      default:
        return;
    }
  }

  private bump(seq: string): void {
    if (seqGt(seq, this.lastSeq)) this.lastSeq = seq;
  }

  private onClose(socket: SocketLike, code: number): void {
    if (socket !== this.socket) return;
    this.socket = null;
    this.disarmWatchdog();
    this.setState("down");
    if (this.stopped) return;
    if (code === 4001 || code === 1008) {
      this.stopped = true;
      this.listener.unauthorized?.();
      return;
    }
    const delay = Math.min(this.opts.maxDelayMs ?? 15_000, 1000 * 2 ** this.attempts);
    this.attempts += 1;
    this.timer = this.setTimer(
      () => {
        this.timer = null;
        if (!this.stopped) this.connect();
      },
      delay,
      "retry",
    );
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
  }

  private setState(s: StreamState): void {
    if (this.state === s) return;
    this.state = s;
    this.listener.state?.(s);
  }
}
