/** The API's request log lines carry no signed media token (they are capabilities until they expire). */
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ recordings: { workers: false }, alerts: { workers: false } });
});
afterAll(async () => {
  await t?.close();
});

it("logs media requests with their tokens masked", async () => {
  await t.app.inject({ url: "/media/hls/1/index.m3u8?token=1796653907.livesecret" });
  await t.app.inject({ url: "/media/rec/1/index.m3u8?from=1&to=2&uid=1&token=1796653907.recsecret" });
  await t.app.inject({ url: "/media/clips/00000000-0000-4000-8000-000000000000.mp4?token=1.clipsecret" });
  const incoming = t.logs.filter((l) => l.includes("incoming request"));
  expect(incoming.length).toBeGreaterThanOrEqual(3);
  expect(t.logs.join("")).not.toMatch(/livesecret|recsecret|clipsecret/);
  expect(incoming.join("")).toContain("token=***");
});
