/**
 * The demo starts the whole platform on embedded defaults and stops without leaving a process behind:
 * on Ctrl-C (SIGINT) and even when it is killed outright (SIGKILL).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
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

async function waitFor<T>(
  fn: () => T | undefined | false,
  ms: number,
  what: string | (() => string),
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${typeof what === "function" ? what() : what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A fresh data directory that shares the simulator's clip cache with the other tests (encoding is slow). */
function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "mf-demo-"));
  const cache = path.join(ROOT, ".test-data", "clips");
  mkdirSync(cache, { recursive: true });
  symlinkSync(cache, path.join(dir, "clips"));
  return dir;
}

let port = 20000 + (process.pid % 20000);

function startDemo(dataDir: string): { child: ChildProcess; out: () => string } {
  let out = "";
  const env = {
    ...process.env,
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    SIMULATOR_RTSP_PORT: String(++port),
    RTMP_PORT: String(++port),
    NMS_HTTP_PORT: String(++port),
  };
  for (const k of ["DATABASE_URL", "REDIS_URL", "MINGFANG_SECRET", "MINGFANG_ADMIN_PASSWORD"]) delete env[k];
  const child = spawn(process.execPath, [CLI, "demo", "--cameras", "2"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
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

  it("serves the 18 stations and 42 pilot workshops, plays a simulated camera, and Ctrl-C leaves no process behind", async () => {
    const { child, out } = startDemo(dataDir());
    running = child;
    // Everything starts before the banner (migrations, seed with argon2 hashes, Redis, the simulator, the
    // models): on 2 cores shared with the rest of the suite that took over 60 s once in CI.
    await waitFor(
      () => out().includes("Ctrl-C stops everything"),
      180_000,
      () => `the demo banner; output so far:\n${out()}`,
    );
    const url = /API docs\s+(http:\/\/localhost:\d+)\/api\/docs/.exec(out())![1]!;
    const early = descendants(child.pid!);
    expect(early.length).toBeGreaterThan(0); // the private redis-server, the simulator, node-media-server…
    const cmdlines = early.map((k) => {
      try {
        return readFileSync(`/proc/${k}/cmdline`, "utf8");
      } catch {
        return "";
      }
    });
    expect(cmdlines.some((c) => c.includes("redis-server"))).toBe(true);
    expect(cmdlines.some((c) => c.includes("rtsp-simulator.py"))).toBe(true);

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

    // Two simulated cameras go live, and the first plays through a signed HLS URL.
    const dutyCookie = duty.headers.get("set-cookie")!.split(";")[0]!;
    const cams = await (
      await fetch(`${url}/api/cameras?pageSize=1`, { headers: { cookie: dutyCookie } })
    ).json();
    const camId = cams.items[0].id as number;
    const deadline = Date.now() + 60_000;
    let status = "";
    while (Date.now() < deadline && status !== "online") {
      status = (
        await (await fetch(`${url}/api/cameras/${camId}/status`, { headers: { cookie: dutyCookie } })).json()
      ).status;
      if (status !== "online") await new Promise((r) => setTimeout(r, 500));
    }
    expect(status).toBe("online");
    const live = await (
      await fetch(`${url}/api/cameras/${camId}/live`, { headers: { cookie: dutyCookie } })
    ).json();
    let playlist = "";
    while (Date.now() < deadline && !playlist.includes(".ts?token=")) {
      const r = await fetch(`${url}${live.hls}`);
      playlist = r.status === 200 ? await r.text() : "";
      if (!playlist.includes(".ts?token=")) await new Promise((r) => setTimeout(r, 500));
    }
    const seg = playlist.split("\n").find((l) => l.includes(".ts?token="))!;
    const segRes = await fetch(`${url}/media/hls/${camId}/${seg}`);
    expect(segRes.status).toBe(200);
    expect((await segRes.arrayBuffer()).byteLength).toBeGreaterThan(1000);

    // The same camera, republished through node-media-server: low-latency HTTP-FLV behind the same token.
    expect(live.flv).toMatch(/^\/media\/flv\/\d+\?token=/);
    let flvHead = "";
    while (Date.now() < deadline && flvHead !== "FLV") {
      const ctl = new AbortController();
      // A stream not yet published keeps the request open without data: give each try 3 s.
      const timer = setTimeout(() => ctl.abort(), 3000);
      try {
        const r = await fetch(`${url}${live.flv}`, { signal: ctl.signal });
        if (r.status === 200) {
          const { value } = await r.body!.getReader().read();
          flvHead = Buffer.from(value ?? [])
            .subarray(0, 3)
            .toString("latin1");
        }
      } catch {
        // aborted: try again
      }
      clearTimeout(timer);
      ctl.abort();
      if (flvHead !== "FLV") await new Promise((r) => setTimeout(r, 500));
    }
    expect(flvHead).toBe("FLV");
    expect((await fetch(`${url}/media/flv/${camId}?token=0.${"0".repeat(64)}`)).status).toBe(403);

    // Everything the demo runs now, ffmpeg included: all of it must be gone after Ctrl-C.
    const kids = [...new Set([...early, ...descendants(child.pid!)])];
    const now = kids.map((k) => {
      try {
        return readFileSync(`/proc/${k}/cmdline`, "utf8");
      } catch {
        return "";
      }
    });
    expect(now.some((c) => c.startsWith("ffmpeg"))).toBe(true);
    child.kill("SIGINT");
    const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    expect(code).toBe(0);
    await waitFor(() => kids.every((k) => !alive(k)), 10_000, "the demo's children to exit");
  }, 240_000);

  it("leaves no process behind even when killed with SIGKILL", async () => {
    const { child, out } = startDemo(dataDir());
    running = child;
    await waitFor(
      () => out().includes("Ctrl-C stops everything"),
      180_000,
      () => `the demo banner; output so far:\n${out()}`,
    );
    const kids = descendants(child.pid!);
    expect(kids.length).toBeGreaterThan(0);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    await waitFor(() => kids.every((k) => !alive(k)), 15_000, "orphans to be reaped by their tether");
  }, 240_000);
});
