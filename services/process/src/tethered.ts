/**
 * Child processes that cannot outlive this Node process.
 *
 * The real command runs under a small shell wrapper (bash) whose stdin is a pipe from Node. Nothing is ever
 * written to that pipe: it exists only so that the wrapper sees EOF when Node goes away for any reason —
 * including SIGKILL, when no exit handler runs. On EOF a watcher inside the wrapper sends the stop signal to
 * the real command and SIGKILL after a grace period. The wrapper reaps the command itself (no zombies) and
 * runs in its own session, so a terminal Ctrl-C reaches only Node, which decides how to stop its children.
 *
 * The wrapper reports the real command's pid on fd 3, so `pid` is the real process once that line has
 * arrived (in practice within a millisecond of the spawn; `ready` resolves then).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { constants } from "node:os";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";

export type TetheredStream = "stdout" | "stderr";

export interface TetheredOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Receives every output line of the command, without the line terminator. */
  logLine?: (stream: TetheredStream, line: string) => void;
  /** Receives stdout as raw chunks instead (binary output such as a JPEG stream); logLine then sees only stderr. */
  onStdout?: (chunk: Buffer) => void;
  /** Signal used by stop() and when the parent dies. Default SIGTERM (PostgreSQL wants SIGINT). */
  stopSignal?: NodeJS.Signals;
  /** Grace period before SIGKILL when the parent died without stopping the child. Default 5000 ms. */
  orphanGraceMs?: number;
  /** Run the wrapper and the command as this user/group (e.g. PostgreSQL refuses to run as root). */
  uid?: number;
  gid?: number;
}

export interface TetheredExit {
  /** Exit code, or null when the command was killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface TetheredProcess {
  /** Pid of the real command once known (see `ready`), else of the wrapper shell. */
  readonly pid: number;
  /** Pid of the shell wrapper. */
  readonly wrapperPid: number;
  /** Resolves with the real command's pid once the wrapper reported it (undefined if it never did). */
  readonly ready: Promise<number | undefined>;
  /** Resolves when the command has exited and its output has been drained. Never rejects. */
  readonly exited: Promise<TetheredExit>;
  /** Sends the stop signal, then SIGKILL after `graceMs`; resolves once the command has exited. */
  stop(graceMs?: number): Promise<void>;
}

// $1 = stop signal, $2 = orphan grace in tenths of a second, "$@" after two shifts = the command.
// A non-interactive shell starts background commands with SIGINT/SIGQUIT ignored and stdin from /dev/null:
// the command resets both signals before exec (bash allows that; dash does not, hence bash), and the
// watcher reads the pipe from Node through fd 4. The watcher sleeps with `read -t` on a pipe it holds both
// ends of, so that killing it never orphans an external `sleep`.
const WRAPPER = `
unset MINGFANG_TETHER_SCRIPT
sig=$1; ticks=$2; shift 2
exec 4<&0
( trap - INT QUIT; exec "$@" ) </dev/null 3>&- 4<&- &
child=$!
echo "$child" >&3
exec 3>&-
(
  trap - TERM
  while read -r _; do :; done
  kill -s "$sig" "$child" 2>/dev/null || exit 0
  exec 5<> <(:)
  i=0
  while kill -0 "$child" 2>/dev/null; do
    i=$((i + 1))
    if [ "$i" -ge "$ticks" ]; then kill -s KILL "$child" 2>/dev/null; exit 0; fi
    read -r -t 0.1 -u 5 _
  done
) <&4 >/dev/null 2>&1 &
watcher=$!
exec 4<&-
trap 'kill -s "$sig" "$child" 2>/dev/null' TERM
trap '' INT HUP
while :; do
  wait "$child"
  status=$?
  kill -0 "$child" 2>/dev/null || break
done
kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null
exit "$status"
`;

const signalNames = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, num]) => [num, name as NodeJS.Signals]),
);

/** The wrapper exits with the shell's status: 128 + n when the command died from signal n. */
function decodeStatus(code: number | null, signal: NodeJS.Signals | null): TetheredExit {
  if (code !== null && code > 128) {
    const name = signalNames.get(code - 128);
    if (name) return { code: null, signal: name };
  }
  return { code, signal };
}

function readLines(stream: Readable | null, onLine: (line: string) => void): Promise<void> {
  if (!stream) return Promise.resolve();
  return new Promise((resolve) => {
    const rl = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    rl.on("line", onLine);
    rl.on("close", () => resolve());
    stream.on("error", () => rl.close());
  });
}

function readRaw(stream: Readable | null, onChunk: (chunk: Buffer) => void): Promise<void> {
  if (!stream) return Promise.resolve();
  return new Promise((resolve) => {
    stream.on("data", (c: Buffer) => onChunk(c));
    stream.on("close", () => resolve());
    stream.on("end", () => resolve());
    stream.on("error", () => resolve());
  });
}

function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The wrapper shell running the command; the script travels in the environment. */
function spawnWrapper(
  command: string,
  args: string[],
  opts: TetheredOptions,
  stopSignal: NodeJS.Signals,
): ChildProcess {
  const orphanTicks = Math.max(1, Math.ceil((opts.orphanGraceMs ?? 5000) / 100));
  const child: ChildProcess = spawn(
    "/bin/bash",
    // The script travels in the environment so that `ps` shows a short line: bash -c eval… <command>.
    [
      "-c",
      'eval "$MINGFANG_TETHER_SCRIPT"',
      "tethered",
      stopSignal.replace(/^SIG/, ""),
      String(orphanTicks),
      command,
      ...args,
    ],
    {
      cwd: opts.cwd,
      env: { ...(opts.env ?? process.env), MINGFANG_TETHER_SCRIPT: WRAPPER },
      stdio: ["pipe", "pipe", "pipe", "pipe"],
      // Own session: terminal signals (Ctrl-C) go to Node only; Node stops its children deliberately.
      detached: true,
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    },
  );
  // Never written to; errors (EPIPE after the wrapper exits) are irrelevant.
  child.stdin?.on("error", () => {});
  return child;
}

/** The real command's pid as the wrapper reports it on fd 3 (undefined if it never does). */
function readPid(pidPipe: Readable | null): Promise<number | undefined> {
  return new Promise<number | undefined>((resolve) => {
    if (!pidPipe) return resolve(undefined);
    let buf = "";
    pidPipe.setEncoding("utf8");
    pidPipe.on("data", (chunk: string) => {
      buf += chunk;
    });
    pidPipe.on("error", () => {});
    pidPipe.on("close", () => {
      const n = Number.parseInt(buf.trim(), 10);
      resolve(Number.isInteger(n) && n > 0 ? n : undefined);
    });
  });
}

/** What a tethered process knows of itself while it runs. */
interface TetherState {
  child: ChildProcess;
  wrapperPid: number;
  realPid: number | undefined;
  done: boolean;
  stopSignal: NodeJS.Signals;
  ready: Promise<number | undefined>;
  exited: Promise<TetheredExit>;
}

/** Resolves once the wrapper exited and its output is drained (at most 500 ms after the exit). */
function watchExit(
  st: Omit<TetherState, "exited">,
  command: string,
  opts: TetheredOptions,
  logLine: NonNullable<TetheredOptions["logLine"]>,
): Promise<TetheredExit> {
  const { child } = st;
  const pidPipe = child.stdio[3] as Readable | null;
  const drained = Promise.all([
    opts.onStdout
      ? readRaw(child.stdout, opts.onStdout)
      : readLines(child.stdout, (line) => logLine("stdout", line)),
    readLines(child.stderr, (line) => logLine("stderr", line)),
  ]);
  return new Promise<TetheredExit>((resolve) => {
    const finish = (result: TetheredExit) => {
      st.done = true;
      child.stdin?.destroy();
      // Drain remaining output, but do not wait forever for a grandchild that kept the pipe open.
      void Promise.race([drained, sleep(500)]).then(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        pidPipe?.destroy();
        resolve(result);
      });
    };
    child.once("error", (err) => {
      logLine("stderr", `failed to start ${command}: ${err.message}`);
      finish({ code: null, signal: null });
    });
    child.once("exit", (code, signal) => finish(decodeStatus(code, signal)));
  });
}

function signalChild(st: TetherState, sig: NodeJS.Signals): void {
  if (st.done) return;
  const target = st.realPid ?? st.wrapperPid;
  if (target <= 0) return;
  try {
    process.kill(target, sig);
  } catch {
    // Already gone.
  }
}

/** The stop signal, then SIGKILL after `graceMs`, then the wrapper itself if it lingers. */
async function stopTethered(st: TetherState, graceMs: number): Promise<void> {
  if (st.done) return;
  await Promise.race([st.ready, sleep(1000)]);
  signalChild(st, st.stopSignal);
  const timedOut = await Promise.race([st.exited.then(() => false), sleep(graceMs).then(() => true)]);
  if (timedOut) {
    signalChild(st, "SIGKILL");
    // The wrapper now returns from `wait` and exits; if it does not, it goes too.
    await Promise.race([st.exited, sleep(1000)]);
    if (!st.done && st.wrapperPid > 0 && !isGone(st.wrapperPid)) {
      try {
        process.kill(st.wrapperPid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }
  await st.exited;
}

export function spawnTethered(command: string, args: string[], opts: TetheredOptions = {}): TetheredProcess {
  const stopSignal = opts.stopSignal ?? "SIGTERM";
  const logLine = opts.logLine ?? (() => {});
  const child = spawnWrapper(command, args, opts, stopSignal);
  const base = {
    child,
    wrapperPid: child.pid ?? -1,
    realPid: undefined as number | undefined,
    done: false,
    stopSignal,
    ready: Promise.resolve<number | undefined>(undefined),
  };
  base.ready = readPid(child.stdio[3] as Readable | null).then((pid) => {
    base.realPid = pid;
    return pid;
  });
  const st: TetherState = Object.assign(base, { exited: watchExit(base, command, opts, logLine) });
  let stopping: Promise<void> | undefined;
  return {
    get pid() {
      return st.realPid ?? st.wrapperPid;
    },
    wrapperPid: st.wrapperPid,
    ready: st.ready,
    exited: st.exited,
    stop: (graceMs = 5000) => {
      stopping ??= stopTethered(st, graceMs);
      return stopping;
    },
  };
}
