import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnTethered, type TetheredStream } from "./tethered.js";

/** True when the process no longer exists or is a zombie waiting to be reaped by someone else. */
function isGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 3 (state) follows the command name, which is in parentheses and may contain spaces.
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state === "Z" || state === "X";
  } catch {
    return true;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (isGone(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return isGone(pid);
}

const work = mkdtempSync(join(tmpdir(), "mingfang-tethered-"));
const leftovers: number[] = [];

afterAll(() => {
  for (const pid of leftovers) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone, as it should be.
    }
  }
  rmSync(work, { recursive: true, force: true });
});

describe("spawnTethered", () => {
  /** Runs `command` tethered in a separate Node process, SIGKILLs that process, returns the pids. */
  async function orphan(command: string, args: string[]): Promise<{ pid: number; wrapperPid: number }> {
    writeFileSync(
      join(work, "parent.mjs"),
      `import { spawnTethered } from "./tethered.mjs";
const p = spawnTethered(${JSON.stringify(command)}, ${JSON.stringify(args)}, { orphanGraceMs: 1000 });
await p.ready;
await new Promise((r) => setTimeout(r, 200));
process.stdout.write(JSON.stringify({ pid: p.pid, wrapperPid: p.wrapperPid }) + "\\n");
setInterval(() => {}, 1000);
`,
    );
    const parent = spawn(process.execPath, [join(work, "parent.mjs")], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    if (parent.pid) leftovers.push(parent.pid);
    const line = await new Promise<string>((resolve, reject) => {
      let buf = "";
      parent.stdout.setEncoding("utf8");
      parent.stdout.on("data", (d: string) => {
        buf += d;
        if (buf.includes("\n")) resolve(buf.split("\n")[0]!);
      });
      parent.once("exit", (code) => reject(new Error(`parent exited early (${code}): ${buf}`)));
    });
    const pids = JSON.parse(line) as { pid: number; wrapperPid: number };
    leftovers.push(pids.pid, pids.wrapperPid);
    expect(pids.pid).not.toBe(pids.wrapperPid);
    expect(isGone(pids.pid)).toBe(false);

    const parentExit = new Promise((r) => parent.once("exit", r));
    parent.kill("SIGKILL");
    await parentExit;
    return pids;
  }

  beforeAll(() => {
    // Node 20 cannot import TypeScript, so the parent gets a transpiled copy of the module under test.
    const source = readFileSync(fileURLToPath(new URL("./tethered.ts", import.meta.url)), "utf8");
    const js = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    writeFileSync(join(work, "tethered.mjs"), js);
  });

  it("kills the command when the parent Node process is SIGKILLed", async () => {
    const { pid, wrapperPid } = await orphan("sleep", ["300"]);
    expect(await waitGone(pid, 3000)).toBe(true);
    expect(await waitGone(wrapperPid, 3000)).toBe(true);
  });

  it("SIGKILLs an orphaned command that ignores the stop signal after the grace period", async () => {
    const { pid, wrapperPid } = await orphan("sh", ["-c", 'trap "" TERM; exec sleep 300']);
    expect(readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")).toEqual(["sleep", "300", ""]);
    await new Promise((r) => setTimeout(r, 500));
    expect(isGone(pid)).toBe(false); // still in its grace period
    expect(await waitGone(pid, 3000)).toBe(true);
    expect(await waitGone(wrapperPid, 3000)).toBe(true);
  });

  it("stop() terminates the command and reports the signal; nothing is left behind", async () => {
    const p = spawnTethered("sleep", ["300"]);
    const realPid = await p.ready;
    expect(realPid).toBe(p.pid);
    expect(isGone(p.pid)).toBe(false);
    const started = Date.now();
    await p.stop();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await p.exited).toEqual({ code: null, signal: "SIGTERM" });
    expect(isGone(p.pid)).toBe(true);
    expect(isGone(p.wrapperPid)).toBe(true);
    await p.stop(); // idempotent
  });

  it("stop() escalates to SIGKILL after the grace period", async () => {
    const p = spawnTethered("sh", ["-c", 'trap "" TERM; exec sleep 300']);
    await p.ready;
    // Wait until the shell has set up its trap and exec'd sleep.
    const deadline = Date.now() + 3000;
    while (!readFileSync(`/proc/${p.pid}/cmdline`, "utf8").startsWith("sleep") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const started = Date.now();
    await p.stop(300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(await p.exited).toEqual({ code: null, signal: "SIGKILL" });
    expect(isGone(p.pid)).toBe(true);
    expect(isGone(p.wrapperPid)).toBe(true);
  });

  it("uses the configured stop signal", async () => {
    const p = spawnTethered("sleep", ["300"], { stopSignal: "SIGINT" });
    await p.ready;
    // As above: a signal that reaches the wrapper before it has exec'd sleep is not sleep's (seen in CI
    // under load: the grace period ran out and SIGKILL ended it).
    const deadline = Date.now() + 3000;
    while (!readFileSync(`/proc/${p.pid}/cmdline`, "utf8").startsWith("sleep") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await p.stop();
    expect(await p.exited).toEqual({ code: null, signal: "SIGINT" });
  });

  it("reports exit codes and passes output lines through", async () => {
    const lines: [TetheredStream, string][] = [];
    const p = spawnTethered("sh", ["-c", 'echo "one"; echo "two" >&2; printf "three"; exit 3'], {
      logLine: (stream, line) => lines.push([stream, line]),
    });
    expect(await p.exited).toEqual({ code: 3, signal: null });
    expect(lines).toContainEqual(["stdout", "one"]);
    expect(lines).toContainEqual(["stderr", "two"]);
    expect(lines).toContainEqual(["stdout", "three"]);

    const ok = spawnTethered("true", []);
    expect(await ok.exited).toEqual({ code: 0, signal: null });
  });

  it("passes cwd and env, and gives the command no stdin", async () => {
    const lines: string[] = [];
    const p = spawnTethered(
      "sh",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
      ["-c", 'pwd; echo "$FOO"; echo "${MINGFANG_TETHER_SCRIPT-unset}"; cat; echo done'],
      {
        cwd: work,
        env: { ...process.env, FOO: "bar" },
        logLine: (_s, line) => lines.push(line),
      },
    );
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(lines).toEqual([work, "bar", "unset", "done"]);
  });

  it("reports a missing command as exit code 127", async () => {
    const lines: string[] = [];
    const p = spawnTethered("/nonexistent/mingfang-command", [], { logLine: (_s, line) => lines.push(line) });
    expect(await p.exited).toEqual({ code: 127, signal: null });
    expect(lines.join("\n")).toMatch(/not found|No such file/);
  });
});
