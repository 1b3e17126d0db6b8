/**
 * The registry's category filter (GET /api/workshops?category=…), which the console's registry offers:
 * exact match, combined with the station scope.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";

let t: TestApp;
const cookies: Record<string, string> = {};
type W = { id: number; stationId: number; category: string };
const list = async (user: string, query: string) => {
  const r = await t.app.inject({
    url: `/api/workshops?pageSize=200${query}`,
    headers: { cookie: cookies[user]! },
  });
  expect(r.statusCode, r.body).toBe(200);
  return r.json() as { items: W[]; total: number };
};

beforeAll(async () => {
  t = await buildTestApp({ alerts: { workers: false } });
  for (const u of ["admin", "mingshui.duty"]) cookies[u] = await t.login(u);
});
afterAll(async () => {
  await t?.close();
});

describe("GET /api/workshops?category", () => {
  it("keeps exactly the workshops of that category, within the user's stations", async () => {
    const all = (await list("admin", "")).items;
    expect(all.length).toBeGreaterThan(1);
    const category = all[0]!.category;
    const want = all
      .filter((w) => w.category === category)
      .map((w) => w.id)
      .sort();
    const got = await list("admin", `&category=${encodeURIComponent(category)}`);
    expect(got.items.map((w) => w.id).sort()).toEqual(want);
    expect(got.total).toBe(want.length);

    const own = await list("mingshui.duty", `&category=${encodeURIComponent(category)}`);
    const station = (await list("mingshui.duty", "")).items[0]!.stationId;
    expect(own.items.every((w) => w.category === category && w.stationId === station)).toBe(true);
    expect((await list("admin", "&category=%E6%97%A0%E6%AD%A4%E7%B1%BB")).total).toBe(0);
  });

  it("refuses an empty category", async () => {
    const r = await t.app.inject({ url: "/api/workshops?category=", headers: { cookie: cookies.admin! } });
    expect(r.statusCode).toBe(400);
  });
});
