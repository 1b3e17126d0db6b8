import { describe, expect, it } from "vitest";
import { EventStream, type ServerEvent, type SocketLike } from "./event-stream";

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

function harness() {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
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
      setTimer: (fn, ms) => timers.push({ fn, ms }),
      clearTimer: () => {},
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
  return { stream, sockets, timers, events, log, ev, last: () => sockets[sockets.length - 1]! };
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
});
