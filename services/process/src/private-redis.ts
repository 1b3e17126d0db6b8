/**
 * A private redis-server for this process: bound to 127.0.0.1 on a free port, persistent (AOF, fsync every
 * second) in a directory of our own, and tethered so that it dies with us even on SIGKILL.
 */
import { accessSync, constants as fsConstants, mkdirSync, readFileSync, realpathSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { delimiter, join, resolve } from "node:path";
import { spawnTethered, type TetheredExit, type TetheredProcess } from "./tethered.js";

/** The subset of a pino logger used here. */
export interface PrivateRedisLogger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
}

export interface PrivateRedisOptions {
  /** Data directory (AOF files, pidfile); created if missing. */
  dir: string;
  /** TCP port on 127.0.0.1; 0 or absent picks a free one. */
  port?: number;
  logger?: PrivateRedisLogger;
  /** Name (looked up on PATH) or path of the server binary. Default `redis-server`. */
  executable?: string;
}

export interface PrivateRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;
const TAIL_LINES = 30;
const PIDFILE = "redis.pid";

export const REDIS_INSTALL_HINT = "sudo apt-get install -y redis-server";

/** Full path of an executable on PATH (plus the usual sbin directories), or undefined. */
export function findExecutable(name: string): string | undefined {
  const dirs = [
    ...(process.env.PATH ?? "").split(delimiter),
    "/usr/local/bin",
    "/usr/bin",
    "/usr/sbin",
    "/bin",
  ];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** A free TCP port on 127.0.0.1 (free now; the caller must cope with losing a race for it). */
export function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolvePort(port) : reject(new Error("could not determine a free port"))));
    });
  });
}

/** Sends a raw `PING` and resolves true on `+PONG` (false on anything else, including `-LOADING`). */
export function pingRedisPort(port: number, host = "127.0.0.1", timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolvePing) => {
    let reply = "";
    let settled = false;
    const socket = createConnection({ host, port });
    const finish = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolvePing(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.setEncoding("utf8");
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk: string) => {
      reply += chunk;
      if (reply.includes("\r\n")) finish(reply.startsWith("+PONG"));
    });
    socket.once("error", () => finish(false));
    socket.once("close", () => finish(false));
  });
}

/** The `process_id` from `INFO server`: tells whether the server on a port is the one we started. */
export function redisServerPid(
  port: number,
  host = "127.0.0.1",
  timeoutMs = 1000,
): Promise<number | undefined> {
  return new Promise((resolvePid) => {
    let reply = "";
    let settled = false;
    const socket = createConnection({ host, port });
    const finish = (pid: number | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolvePid(pid);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    socket.setEncoding("utf8");
    socket.once("connect", () => socket.write("INFO server\r\n"));
    socket.on("data", (chunk: string) => {
      reply += chunk;
      if (!reply.startsWith("$")) {
        if (reply.includes("\r\n")) finish(undefined);
        return;
      }
      const match = /process_id:(\d+)\r\n/.exec(reply);
      if (match) finish(Number(match[1]));
      else if (reply.length > 64 * 1024) finish(undefined);
    });
    socket.once("error", () => finish(undefined));
    socket.once("close", () => finish(undefined));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/**
 * If `<dir>/redis.pid` names a live redis-server working in `dir` (a previous run that was not tethered, or
 * one whose parent is still dying), stop it so that it does not keep writing to our AOF.
 */
async function killStaleRedis(dir: string, logger?: PrivateRedisLogger): Promise<void> {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(join(dir, PIDFILE), "utf8").trim(), 10);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) return;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return; // Not running.
  }
  if (!cmdline.includes("redis-server")) return; // The pid was reused by something else.
  try {
    // redis-server chdirs to its --dir: a different cwd means it is another instance that reused the pid.
    if (realpathSync(`/proc/${pid}/cwd`) !== realpathSync(dir)) return;
  } catch {
    // cwd not readable (other user): the cmdline check has to do.
  }
  logger?.warn(`stopping stale redis-server (pid ${pid}) left running in ${dir}`);
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + 5000;
  while (processAlive(pid) && Date.now() < deadline) await sleep(50);
  if (processAlive(pid)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone meanwhile.
    }
    const killDeadline = Date.now() + 2000;
    while (processAlive(pid) && Date.now() < killDeadline) await sleep(50);
  }
}

function describeExit(exit: TetheredExit): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/** The server binary: a path as given, else looked up on PATH; a clear error when it is not installed. */
function resolveServer(opts: PrivateRedisOptions): string {
  const executable = opts.executable ?? "redis-server";
  const redisServer = executable.includes("/") ? executable : findExecutable(executable);
  if (!redisServer) {
    throw new Error(
      `${executable} is not installed (not found on PATH). Install it with: ${REDIS_INSTALL_HINT} ` +
        "(or run `node deploy/setup.mjs --for demo`, which does this for you).",
    );
  }
  return redisServer;
}

/** Loopback only, AOF with fsync every second, no RDB snapshots, in the foreground, pidfile in `dir`. */
function serverArgs(port: number, dir: string): string[] {
  return [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--protected-mode",
    "yes",
    "--dir",
    dir,
    "--appendonly",
    "yes",
    "--appendfsync",
    "everysec",
    "--save",
    "",
    "--daemonize",
    "no",
    "--supervised",
    "no",
    "--pidfile",
    join(dir, PIDFILE),
    "--logfile",
    "",
  ];
}

/** One start of the server on `port`, its output kept (last TAIL_LINES lines) for error messages. */
function spawnServer(redisServer: string, port: number, dir: string, logger: PrivateRedisLogger | undefined) {
  const tail: string[] = [];
  const proc = spawnTethered(redisServer, serverArgs(port, dir), {
    cwd: dir,
    logLine: (_stream, line) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      logger?.debug(`redis: ${line}`);
    },
  });
  const state: { proc: TetheredProcess; tail: string[]; exit?: TetheredExit } = { proc, tail };
  void proc.exited.then((e) => {
    state.exit = e;
  });
  return state;
}

type Spawned = ReturnType<typeof spawnServer>;

/** True once our server (not something else on the port) answers PING, false when it exits or times out. */
async function waitReady(s: Spawned, port: number): Promise<boolean> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  const realPid = await s.proc.ready;
  while (!s.exit && Date.now() < deadline) {
    // Something else may be answering on the port (an explicit port already in use): check it is ours.
    if ((await pingRedisPort(port)) && (await redisServerPid(port)) === realPid) return true;
    await sleep(100);
  }
  // Let a just-finished exit settle so a bind failure is reported as such.
  await Promise.race([s.proc.exited, sleep(100)]);
  return false;
}

/** The running server as a PrivateRedis; an unexpected exit is logged with its last output. */
function running(
  s: Spawned,
  port: number,
  dir: string,
  logger: PrivateRedisLogger | undefined,
): PrivateRedis {
  let stopping = false;
  void s.proc.exited.then((e) => {
    if (!stopping) logger?.warn(`redis-server ${describeExit(e)} unexpectedly:\n${s.tail.join("\n")}`);
  });
  logger?.info(`private redis-server listening on 127.0.0.1:${port} (data in ${dir})`);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: async () => {
      stopping = true;
      await s.proc.stop(5000);
    },
  };
}

/** Why a start failed, with the server's last output. */
function startError(s: Spawned, port: number): Error {
  const output = s.tail.length ? `; its last output:\n${s.tail.join("\n")}` : " (it printed nothing)";
  if (s.exit)
    return new Error(`redis-server on 127.0.0.1:${port} ${describeExit(s.exit)} during startup${output}`);
  return new Error(
    `redis-server on 127.0.0.1:${port} did not answer PING within ${START_TIMEOUT_MS / 1000} s${output}`,
  );
}

export async function startPrivateRedis(opts: PrivateRedisOptions): Promise<PrivateRedis> {
  const { logger } = opts;
  const redisServer = resolveServer(opts);
  const dir = resolve(opts.dir);
  mkdirSync(dir, { recursive: true });
  await killStaleRedis(dir, logger);

  // With a port of our choosing, retry if another process grabbed it between our probe and redis' bind.
  const attempts = opts.port ? 1 : 3;
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = opts.port || (await findFreePort());
    const s = spawnServer(redisServer, port, dir, logger);
    const ready = await waitReady(s, port);
    if (ready && !s.exit) return running(s, port, dir, logger);
    await s.proc.stop(2000);
    lastError = startError(s, port);
    const portTaken = s.exit && s.tail.some((l) => /address already in use/i.test(l));
    if (!portTaken || attempt >= attempts) break;
  }
  throw lastError ?? new Error("redis-server did not start");
}
