/**
 * The camera form's recording policy in a real browser against `mingfang demo`: the bureau admin sets a
 * camera to continuous recording with its own clip window; the API has it, and the recorder writes that
 * camera's chunks into the index (the demo's real ingest, ffmpeg and archiver). Screenshots of the form in
 * Chinese and in English.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoProcess, startDemo, waitFor } from "../support/demo-process.mjs";
import { demoClient } from "./demo-client.js";

let demo: DemoProcess;
const { open, apiSession, apiGet, closeAll } = demoClient(() => demo);

beforeAll(async () => {
  demo = await startDemo({ cameras: 1, env: { RECORDING_CHUNK_SECONDS: "5" } });
}, 240_000);

afterAll(async () => {
  await closeAll();
  await demo?.stop();
});

describe("recording policy in the camera form", () => {
  it("sets a camera to continuous recording, and the recorder indexes its chunks", async () => {
    const admin = await apiSession("admin", demo.adminPassword);
    const c = await open("admin", demo.adminPassword);
    await c.page.goto("/cameras");
    await c.page.locator('[data-testid="camera-edit"]').first().waitFor({ timeout: 60_000 });
    const id = Number(
      await c.page.locator('[data-testid="camera-row"]').first().getAttribute("data-camera-id"),
    );
    await c.page.locator('[data-testid="camera-edit"]').first().click();
    const form = c.page.locator('[data-testid="camera-form"]');
    await form.locator('[data-testid="camera-recording-policy"]').click();
    await c.page.locator(".el-select-dropdown__item", { hasText: "全天连续录像" }).click();
    await form.locator('[data-testid="camera-clip-pre"] input').fill("15");
    await form.locator('[data-testid="camera-clip-post"] input').fill("40");
    await form.locator('[data-testid="camera-clip-post"] input').blur();
    await c.page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== "running"));
    await c.shot("recording-policy", "camera-form-zh");
    await form.locator('[data-testid="camera-save"]').click();
    await waitFor(
      async () =>
        (await apiGet<{ recordingPolicy: string }>(admin, `/api/cameras/${id}`)).recordingPolicy ===
        "continuous",
      30_000,
      "the policy saved",
    );
    const cam = await apiGet<Record<string, unknown>>(admin, `/api/cameras/${id}`);
    expect(cam).toMatchObject({ recordingPolicy: "continuous", clipPreSeconds: 15, clipPostSeconds: 40 });
    expect(c.errors).toEqual([]);

    // English labels.
    const en = await open("admin", demo.adminPassword);
    await en.page.evaluate(() => localStorage.setItem("mingfang.locale", "en"));
    await en.page.goto("/cameras");
    await en.page.locator('[data-testid="camera-edit"]').first().click();
    await en.page.locator('[data-testid="camera-recording"]').waitFor();
    await en.page.locator('[data-testid="camera-recording"]').scrollIntoViewIfNeeded();
    // The dialog's opening transition: a screenshot waits for every animation to end.
    await en.page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== "running"));
    await en.page.waitForFunction(
      () => getComputedStyle(document.querySelector(".el-overlay") as Element).opacity === "1",
    );
    await en.shot("recording-policy", "camera-form-en");

    // The recorder picks the camera up within its refresh (10 s) and writes chunks of 5 s.
    const metrics = async () => (await (await fetch(`${demo.url}/metrics`)).text()) as string;
    await waitFor(
      async () => /mingfang_recording_segments_archived_total\{[^}]*\} [1-9]/.test(await metrics()),
      90_000,
      "segments archived",
    );
  }, 240_000);
});
