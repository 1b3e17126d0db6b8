#!/usr/bin/env node
/**
 * `npm run demo [-- args]`: prepares the checkout (deploy/setup.mjs --for demo), then runs
 * `mingfang demo <args>` in the foreground and exits with its status. Dependency-free.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { constants } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

const setup = spawnSync(process.execPath, [join(ROOT, "deploy", "setup.mjs"), "--for", "demo"], {
  cwd: ROOT,
  stdio: "inherit",
});
if (setup.error || setup.status !== 0) {
  process.stderr.write(`[demo] setup failed${setup.error ? `: ${setup.error.message}` : ""}\n`);
  process.exit(setup.status || 1);
}

const child = spawn(
  process.execPath,
  [join(ROOT, "services", "cli", "dist", "main.js"), "demo", ...process.argv.slice(2)],
  {
    cwd: ROOT,
    stdio: "inherit",
  },
);

/**
 * True when we are in the foreground process group of a terminal: a Ctrl-C there has already reached the
 * child (same group), and forwarding it would make it a second Ctrl-C (which CLIs treat as "force quit").
 */
function inTerminalForeground() {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const pgrp = Number(fields[2]);
    const tpgid = Number(fields[5]);
    return tpgid > 0 && tpgid === pgrp;
  } catch {
    return false;
  }
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    if (signal === "SIGINT" && inTerminalForeground()) return;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}

child.on("error", (err) => {
  process.stderr.write(`[demo] could not start the CLI: ${err.message}\n`);
  process.exit(1);
});

child.on("exit", (code, signal) => {
  if (signal) {
    // Die the same way, so that callers (shells, CI) see the signal.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
    setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 200).unref();
    return;
  }
  process.exit(code ?? 1);
});
