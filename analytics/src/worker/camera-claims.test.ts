/**
 * The camera claims' Lua scripts and the rule state that travels with them, against the run's private
 * Redis (each test under its own key prefix).
 */
import { randomUUID } from "node:crypto";
import { createRedis, type Redis } from "@mingfang/core";
import { afterAll, describe, expect, inject, it } from "vitest";
import { parseAnalyticsConfig, resolveCameraRules } from "../config.schema.js";
import { decodeRuleState, encodeRuleState } from "../rules/rule-state.js";
import { type Capabilities, RulesEngine } from "../rules/rules.engine.js";
import { redisCameraClaims } from "./camera-claims.js";

const redisUrl = inject("redisUrl");
const conns: Redis[] = [];
afterAll(() => {
  for (const c of conns) c.disconnect();
});
function connect(prefix: string): Redis {
  const c = createRedis(redisUrl, { keyPrefix: `${prefix}:` });
  conns.push(c);
  return c;
}

async function until(cond: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("camera claims (Lua)", () => {
  it("newest wins, one holder at a time, owner-checked release, state read back only when another saved it", async () => {
    const prefix = `t-claims-${randomUUID()}`;
    const a = redisCameraClaims(connect(prefix));
    const b = redisCameraClaims(connect(prefix));
    const [ta, tb, tc] = [a.token(), b.token(), b.token()];
    const first = await a.claim(3, 1000, ta, undefined);
    expect(first).toEqual({ outcome: "claimed", token: ta, seq: "", state: null });
    // A newer frame while camera 3 is held: busy (it is now the newest); an older or same-time one: superseded.
    expect(await b.claim(3, 2000, tb, undefined)).toEqual({ outcome: "busy" });
    expect(await b.claim(3, 1500, tc, undefined)).toEqual({ outcome: "superseded" });
    expect(await b.claim(3, 2000, tc, undefined)).toEqual({ outcome: "superseded" });
    // Another camera is independent.
    expect((await b.claim(4, 10, tc, undefined)).outcome).toBe("claimed");
    // Only the holder's token releases (and saves).
    expect(await b.release(3, tb, Buffer.from("not mine"))).toBeUndefined();
    expect(await a.release(3, ta, Buffer.from("state-1"))).toBe("1");
    // The waiting frame (same token) now gets the lock and the state a saved.
    const second = await b.claim(3, 2000, tb, undefined);
    expect(second).toMatchObject({ outcome: "claimed", seq: "1" });
    expect((second as { state: Buffer }).state.toString()).toBe("state-1");
    expect(await b.release(3, tb, Buffer.from("state-2"))).toBe("2");
    // A worker whose own save is the latest reads nothing back.
    const third = await b.claim(3, 3000, b.token(), "2");
    expect(third).toEqual({ outcome: "claimed", token: expect.any(String), seq: "2" });
  });

  it("a dead holder's lock lapses; its late release neither saves nor frees the new holder's lock", async () => {
    const prefix = `t-claims-${randomUUID()}`;
    const redis = connect(prefix);
    const a = redisCameraClaims(redis, { lockTtlMs: 300 });
    const b = redisCameraClaims(connect(prefix), { lockTtlMs: 300 });
    const ta = a.token();
    expect((await a.claim(7, 1000, ta, undefined)).outcome).toBe("claimed");
    const tb = b.token();
    await until(async () => (await b.claim(7, 2000, tb, undefined)).outcome === "claimed");
    expect(await a.release(7, ta, Buffer.from("late"))).toBeUndefined();
    expect(await redis.get("mingfang:analytics:{camera:7}:lock")).toBe(tb);
    expect(await redis.hget("mingfang:analytics:{camera:7}:state", "data")).toBeNull();
    expect(await redis.pttl("mingfang:analytics:{camera:7}:lock")).toBeGreaterThan(0);
  });

  it("a newest capture time lapses after newestTtlMs (a clock that ran ahead cannot hold a camera for long)", async () => {
    const prefix = `t-claims-${randomUUID()}`;
    const redis = connect(prefix);
    const claims = redisCameraClaims(redis, { newestTtlMs: 300 });
    const future = Date.now() + 3600_000;
    const t = claims.token();
    expect((await claims.claim(8, future, t, undefined)).outcome).toBe("claimed");
    expect(await claims.release(8, t, Buffer.from("s"))).toBe("1");
    expect((await claims.claim(8, Date.now(), claims.token(), "1")).outcome).toBe("superseded");
    await until(async () => (await claims.claim(8, Date.now(), claims.token(), "1")).outcome === "claimed");
  });
});

describe("rule state", () => {
  const caps: Capabilities = {
    person: false,
    pose: false,
    glove: false,
    headcover: false,
    custom: new Map([["helmet", new Set(["no_hat"])]]),
    broken: {},
    names: {},
  };
  const cfg = parseAnalyticsConfig({});
  const rules = resolveCameraRules(
    cfg.defaults,
    {
      checks: {
        no_hat: {
          source: { type: "yolo", model: "helmet" },
          motionGated: false,
          persistence: { k: 2, n: 3 },
          cooldownS: 60,
        },
        unclean_area: { enabled: false },
        no_mask: { enabled: false },
        tamper: { enabled: false },
      },
    },
    "test",
  );
  const head = { x1: 10, y1: 10, x2: 40, y2: 40, score: 0.9, label: "head", violation: "no_hat" };
  const obs = (bare: boolean, thumb = 1) => ({
    width: 64,
    height: 48,
    thumb: new Uint8Array(64 * 48).fill(thumb),
    motion: true,
    peopleRan: false,
    persons: [],
    hands: [],
    heads: [],
    unknownParts: 0,
    custom: { helmet: bare ? [head] : [] },
    ms: {},
  });
  const at = (s: number) => new Date(Date.parse("2026-12-01T02:00:00Z") + s * 1000);

  it("carries the k-of-n window, the cooldown and the motion thumbnail from one engine to another", () => {
    const a = new RulesEngine(caps, { width: 64, height: 48 });
    const b = new RulesEngine(caps, { width: 64, height: 48 });
    expect(a.evaluate(1, rules, obs(true, 7), at(0))).toEqual([]);
    const moved = decodeRuleState(encodeRuleState(a.exportRuleState(1)));
    expect(moved?.persistence.no_hat).toEqual({ k: 2, n: 3, window: [true] });
    expect(moved?.prevThumb?.[0]).toBe(7);
    b.importRuleState(1, moved!);
    expect(b.plan(1, rules, at(2)).prevThumb?.[0]).toBe(7);
    // The second violating frame, on the other engine: 2 of 3 → one alert.
    expect(b.evaluate(1, rules, obs(true), at(2))).toHaveLength(1);
    // Back to the first engine with b's state: the cooldown holds there too.
    a.forgetCamera(1);
    a.importRuleState(1, decodeRuleState(encodeRuleState(b.exportRuleState(1)))!);
    expect(a.evaluate(1, rules, obs(true), at(4))).toEqual([]);
    expect(a.evaluate(1, rules, obs(true), at(6))).toEqual([]);
    expect(a.exportRuleState(1).cooldown).toEqual({ no_hat: at(2).getTime() });
    // Without the state, the first engine would have alerted again (what the state prevents).
    const forgetful = new RulesEngine(caps, { width: 64, height: 48 });
    forgetful.evaluate(1, rules, obs(true), at(4));
    expect(forgetful.evaluate(1, rules, obs(true), at(6))).toHaveLength(1);
  });

  it("an unreadable state is rejected (the camera starts afresh)", () => {
    expect(decodeRuleState(Buffer.from("{not json"))).toBeUndefined();
    expect(decodeRuleState(Buffer.from(JSON.stringify({ v: 2, p: {}, c: {} })))).toBeUndefined();
    expect(decodeRuleState(Buffer.from(JSON.stringify({ v: 1, p: { x: [1] }, c: {} })))).toBeUndefined();
  });
});
