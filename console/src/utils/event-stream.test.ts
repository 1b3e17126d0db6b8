import { describe, expect, it } from "vitest";
import { EventStream, type ServerEvent, type SocketLike, type TimerKind } from "./event-stream";

class FakeSocket implements SocketLike {
  onopen: SocketLike["onopen"] = null;
  onmessage: SocketLike["onmessage"] = null;
  onclose: SocketLike["onclose"] = null;
  onerror: SocketLike["onerror"] = null;
  closed = false;
  constructor(readonly url: string) {}
  send(msg: object) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  close(code = 1000) {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.({ code });
  }
}

interface Timer {
  fn: () => void;
  ms: number;
  kind: TimerKind;
  cleared: boolean;
  at?: number;
}

function harness() {
  const sockets: FakeSocket[] = [];
  const all: Timer[] = [];
  /** The reconnect timers (the watchdog's are in `watchdogs`). */
  const timers: Timer[] = [];
  const clock = { now: 0 };
  const events: ServerEvent[] = [];
  const log: string[] = [];
  const stream = new EventStream(
    {
      url: (since) => (since ? `/ws?since=${since}` : "/ws"),
      open: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      setTimer: (fn, ms, kind) => {
        const t: Timer = { fn, ms, kind, cleared: false, at: clock.now + ms };
        all.push(t);
        if (kind === "retry") timers.push(t);
        return t;
      },
      clearTimer: (t) => {
        (t as Timer).cleared = true;
      },
      now: () => clock.now,
      silenceMs: 10_000,
    },
    {
      event: (e) => events.push(e),
      synced: (n) => log.push(`synced:${n}`),
      reset: (r) => log.push(`reset:${r}`),
      unauthorized: () => log.push("unauthorized"),
    },
  );
  const ev = (seq: number, id = `a${seq}`) => ({
    type: "event",
    seq: String(seq),
    kind: "alert.created",
    stationId: 1,
    at: new Date(0).toISOString(),
    payload: { id },
  });
  /** Moves the clock and fires the watchdog timers that are due (and those they arm). */
  const advance = (ms: number) => {
    const until = clock.now + ms;
    for (;;) {
      const due = all.find((t) => t.kind === "watchdog" && !t.cleared && t.at! <= until);
      if (!due) break;
      due.cleared = true;
      clock.now = due.at!;
      due.fn();
    }
    clock.now = until;
  };
  const watchdogs = () => all.filter((t) => t.kind === "watchdog" && !t.cleared);
  return {
    stream,
    sockets,
    timers,
    events,
    log,
    ev,
    advance,
    watchdogs,
    last: () => sockets[sockets.length - 1]!,
  };
}

describe("EventStream", () => {
  it("starts from the server's seq and is live after hello", () => {
    const h = harness();
    h.stream.start();
    expect(h.last().url).toBe("/ws");
    h.last().send({
      type: "hello",
      seq: "41",
      user: { id: 1, role: "duty_officer", stationId: 1 },
      heartbeatMs: 25000,
    });
    expect(h.stream.state).toBe("live");
    expect(h.stream.lastSeq).toBe("41");
    h.last().send(h.ev(42));
    expect(h.events.map((e) => e.seq)).toEqual(["42"]);
  });

  it("reconnects with since=<last seq> and shows a replayed event once", () => {
    const h = harness();
    h.stream.start();
    h.last().send({ type: "hello", seq: "10", user: { id: 1, role: "x", stationId: 1 }, heartbeatMs: 1 });
    h.last().send(h.ev(11));
    h.last().send(h.ev(12));
    h.last().close(1006);
    expect(h.stream.state).toBe("down");
    expect(h.timers).toHaveLength(1);
    h.timers[0]!.fn();
    expect(h.last().url).toBe("/ws?since=12");
    // The server's hello carries its newest seq; the replay follows: 12 again (a race), 13, 14.
    h.last().send({ type: "hello", seq: "14", user: { id: 1, role: "x", stationId: 1 }, heartbeatMs: 1 });
    expect(h.stream.state).toBe("connecting");
    h.last().send(h.ev(12));
    h.last().send(h.ev(13));
    h.last().send(h.ev(14));
    h.last().send({ type: "synced", seq: "14", replayed: 2 });
    expect(h.events.map((e) => e.seq)).toEqual(["11", "12", "13", "14"]);
    expect(h.log).toContain("synced:2");
    expect(h.stream.state).toBe("live");
  });

  it("compares seqs as numbers, not text", () => {
    const h = harness();
    h.stream.start();
    h.last().send({ type: "hello", seq: "9", user: { id: 1, role: "x", stationId: 1 }, heartbeatMs: 1 });
    h.last().send(h.ev(10));
    h.last().send(h.ev(9));
    expect(h.events.map((e) => e.seq)).toEqual(["10"]);
  });

  it("heartbeats advance the seq, so a reconnect does not replay what the user may not see", () => {
    const h = harness();
    h.stream.start();
    h.last().send({ type: "hello", seq: "5", user: { id: 1, role: "x", stationId: 1 }, heartbeatMs: 1 });
    h.last().send({ type: "heartbeat", seq: "20", at: new Date(0).toISOString() });
    h.last().close(1006);
    h.timers[0]!.fn();
    expect(h.last().url).toBe("/ws?since=20");
  });

  it("passes a reset on and goes on from its seq", () => {
    const h = harness();
    h.stream.start();
    h.last().send({ type: "hello", seq: "5", user: { id: 1, role: "x", stationId: 1 }, heartbeatMs: 1 });
    h.last().close(1006);
    h.timers[0]!.fn();
    h.last().send({ type: "hello", seq: "90000", user: { id: 1, role: "x", stationId: 1 }, heartbeatMs: 1 });
    h.last().send({ type: "reset", seq: "90000", reason: "backlog_too_long" });
    expect(h.log).toContain("reset:backlog_too_long");
    expect(h.stream.lastSeq).toBe("90000");
  });

  it("backs off 1, 2, 4 s … and stops at the cap", () => {
    const h = harness();
    h.stream.start();
    for (let i = 0; i < 6; i++) {
      h.last().close(1006);
      h.timers[h.timers.length - 1]!.fn();
    }
    expect(h.timers.map((t) => t.ms)).toEqual([1000, 2000, 4000, 8000, 15000, 15000]);
  });

  it("stops on a session end (4001) and says so", () => {
    const h = harness();
    h.stream.start();
    h.last().close(4001);
    expect(h.log).toEqual(["unauthorized"]);
    expect(h.timers).toHaveLength(0);
  });

  it("does not reconnect after stop()", () => {
    const h = harness();
    h.stream.start();
    h.stream.stop();
    expect(h.timers).toHaveLength(0);
    expect(h.sockets).toHaveLength(1);
  });

  it("gives up a connection that never says hello, and retries", () => {
    const h = harness();
    h.stream.start();
    h.advance(9_999);
    expect(h.sockets).toHaveLength(1);
    expect(h.stream.state).toBe("connecting");
    h.advance(1);
    expect(h.sockets[0]!.closed).toBe(true);
    expect(h.stream.state).toBe("down");
    expect(h.timers.map((t) => t.ms)).toEqual([1000]);
    h.timers[0]!.fn();
    expect(h.sockets).toHaveLength(2);
    // A late close of the abandoned socket changes nothing.
    h.sockets[0]!.onclose?.({ code: 1006 });
    expect(h.stream.state).toBe("connecting");
  });

  it("keeps a live connection that hears its heartbeats, and drops one that goes silent", () => {
    const h = harness();
    h.stream.start();
    h.last().send({ type: "hello", seq: "1", user: { id: 1, role: "x", stationId: 1 }, heartbeatMs: 20_000 });
    for (let i = 0; i < 5; i++) {
      h.advance(20_000);
      h.last().send({ type: "heartbeat", seq: "1", at: new Date(0).toISOString() });
    }
    expect(h.stream.state).toBe("live");
    expect(h.sockets).toHaveLength(1);
    // Two heartbeats and 5 s of silence: the network is gone without a close.
    h.advance(44_999);
    expect(h.stream.state).toBe("live");
    h.advance(1);
    expect(h.stream.state).toBe("down");
    expect(h.timers).toHaveLength(1);
  });

  it("leaves no watchdog behind after stop() or a close", () => {
    const h = harness();
    h.stream.start();
    expect(h.watchdogs()).toHaveLength(1);
    h.last().close(1006);
    expect(h.watchdogs()).toHaveLength(0);
    h.timers[0]!.fn();
    expect(h.watchdogs()).toHaveLength(1);
    h.stream.stop();
    expect(h.watchdogs()).toHaveLength(0);
  });
});
