/**
 * The demo starts the whole platform on embedded defaults and stops without leaving a process behind:
 * on Ctrl-C (SIGINT) and even when it is killed outright (SIGKILL).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CLI = path.join(ROOT, "services/cli/dist/main.js");

function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // Gone meanwhile.
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

async function waitFor<T>(fn: () => T | undefined | false, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startDemo(dataDir: string): { child: ChildProcess; out: () => string } {
  let out = "";
  const env = { ...process.env, PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "warn" };
  for (const k of ["DATABASE_URL", "REDIS_URL", "MINGFANG_SECRET", "MINGFANG_ADMIN_PASSWORD"]) delete env[k];
  const child = spawn(process.execPath, [CLI, "demo"], { env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d) => {
    out += d;
  });
  child.stderr!.on("data", (d) => {
    out += d;
  });
  return { child, out: () => out };
}

describe("mingfang demo", () => {
  beforeAll(() => {
    // `npm test` builds first; a bare `vitest` run needs `npm run build`.
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  });
  let running: ChildProcess | undefined;
  afterEach(() => {
    if (running && running.exitCode === null) running.kill("SIGKILL");
  });

  it("serves the 18 stations and 42 pilot workshops, and Ctrl-C leaves no process behind", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "mf-demo-"));
    const { child, out } = startDemo(dir);
    running = child;
    await waitFor(
      () => out().includes("Ctrl-C stops everything"),
      60_000,
      `the demo banner; output:\n${out()}`,
    );
    const url = /API docs\s+(http:\/\/localhost:\d+)\/api\/docs/.exec(out())![1]!;
    const kids = descendants(child.pid!);
    expect(kids.length).toBeGreaterThan(0); // the private redis-server (and its tether)
    expect(readFileSync(`/proc/${kids.at(-1)}/cmdline`, "utf8")).toContain("redis-server");

    expect((await (await fetch(`${url}/readyz`)).json()).status).toBe("ok");
    const admin = /admin\s+bureau_admin\s+password: (\S+)/.exec(out())![1]!;
    const login = await fetch(`${url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: admin }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const stations = await (await fetch(`${url}/api/stations`, { headers: { cookie } })).json();
    expect(stations.items).toHaveLength(18);
    const pilots = await (await fetch(`${url}/api/workshops?pilot=true`, { headers: { cookie } })).json();
    expect(pilots.total).toBe(42);
    const duty = await fetch(`${url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "mingshui.duty", password: "mingfang-demo" }),
    });
    expect(duty.status).toBe(200);

    child.kill("SIGINT");
    const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    expect(code).toBe(0);
    await waitFor(() => kids.every((k) => !alive(k)), 10_000, "the demo's children to exit");
  }, 90_000);

  it("leaves no process behind even when killed with SIGKILL", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "mf-demo-"));
    const { child, out } = startDemo(dir);
    running = child;
    await waitFor(() => out().includes("Ctrl-C stops everything"), 60_000, "the demo banner");
    const kids = descendants(child.pid!);
    expect(kids.length).toBeGreaterThan(0);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    await waitFor(() => kids.every((k) => !alive(k)), 15_000, "orphans to be reaped by their tether");
  }, 90_000);
});
