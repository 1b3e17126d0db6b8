/**
 * What the console's browser tests do against their demo: open a signed-in console, and make their own
 * API calls (ground truth, set-up) with a session of the same users.
 */
import { expect } from "vitest";
import type { DemoProcess } from "../support/demo-process.mjs";
import { type Console, openConsole } from "./browser.mjs";

/** The demo users' password (`MINGFANG_DEMO_PASSWORD` unset). */
export const DEMO_PASSWORD = "mingfang-demo";

export function demoClient(demo: () => DemoProcess) {
  const consoles: Console[] = [];

  /** A console in Chromium, not signed in yet. */
  async function openSignedOut(): Promise<Console> {
    const c = await openConsole(demo().url);
    consoles.push(c);
    return c;
  }

  /** A console in Chromium, signed in as `user`. */
  async function open(user: string, password = DEMO_PASSWORD): Promise<Console> {
    const c = await openSignedOut();
    await c.signIn(user, password);
    return c;
  }

  /** A session cookie for API calls made by the test itself. */
  async function apiSession(username: string, password = DEMO_PASSWORD): Promise<string> {
    const r = await fetch(`${demo().url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
    expect(r.status).toBe(200);
    return r.headers.get("set-cookie")!.split(";")[0]!;
  }

  async function apiGet<T>(cookie: string, url: string): Promise<T> {
    const r = await fetch(`${demo().url}${url}`, { headers: { cookie } });
    expect(r.status, url).toBe(200);
    return (await r.json()) as T;
  }

  /** Closes every console opened. */
  async function closeAll(): Promise<void> {
    for (const c of consoles) await c.close().catch(() => {});
  }

  return { open, openSignedOut, apiSession, apiGet, closeAll };
}
