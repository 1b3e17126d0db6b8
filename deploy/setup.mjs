#!/usr/bin/env node
/**
 * Prepares a checkout to run: `node deploy/setup.mjs --for demo|test`.
 *
 * Runs before `npm ci`, so it uses nothing but Node built-ins.
 *   1. Debian packages the purpose needs (installed with apt-get as root; otherwise prints the command).
 *   2. `npm ci` when node_modules is missing or older than package-lock.json.
 *   3. `npx tsc -b` (incremental, always), then the console (`npm run build -w console`).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Debian packages per purpose: the one place to add ffmpeg, gstreamer, chromium, … */
export const DEBIAN_PACKAGES = {
  // ffmpeg … gstreamer1.0-plugins-good: the camera simulator (clips from OpenCV's sample footage, GStreamer RTSP server).
  demo: [
    "redis-server",
    "ffmpeg",
    "opencv-doc",
    "python3-gi",
    "gstreamer1.0-rtsp",
    "gir1.2-gst-rtsp-server-1.0",
    "gstreamer1.0-plugins-base",
    "gstreamer1.0-plugins-good",
    // fonts-noto-cjk: the Chinese labels drawn on alert evidence (analytics) and the sites' A4 posters (API).
    "fonts-noto-cjk",
  ],
  test: [
    "redis-server",
    // postgresql brings postgresql-client-<major> (pg_dump, pg_restore: `mingfang backup` / `restore` and their test).
    "postgresql",
    "ffmpeg",
    "opencv-doc",
    "python3-gi",
    "gstreamer1.0-rtsp",
    "gir1.2-gst-rtsp-server-1.0",
    "gstreamer1.0-plugins-base",
    "gstreamer1.0-plugins-good",
    // fonts-noto-cjk: the Chinese labels drawn on alert evidence (analytics) and the sites' A4 posters (API).
    "fonts-noto-cjk",
    // mosquitto: the private MQTT broker the outbound-events test publishes to.
    "mosquitto",
    // chromium: the console's browser tests (test/console), driven by playwright-core; no browser download.
    "chromium",
    // zip, unzip: the case archive tests open archives as a user would and spoil copies (zip -d).
    "zip",
    "unzip",
    // python3-torch, python3-onnx, python3-opencv, python3-numpy: the test of `mingfang models retrain`
    // (services/cli/src/models.test.ts) fine-tunes a classifier from its ONNX weights.
    "python3-torch",
    "python3-onnx",
    "python3-opencv",
    "python3-numpy",
    // docker-compose: test/deploy validates docker-compose.yml with `docker-compose config` (no Docker engine
    // runs); Debian 12 ships the Python 1.29, Debian 13 the Go v2 under the same package name.
    "docker-compose",
    // nginx, openssl: deploy/nginx.test.ts runs `nginx -t` on the TLS example with a throwaway certificate.
    "nginx",
    "openssl",
  ],
  // Rebuilding the committed models (`npm run models:build`, models/*/train.py) and `mingfang models retrain`;
  // never needed by the demo: python3-onnx/numpy convert the TF.js graphs, python3-torch/opencv train the
  // classifiers, ffmpeg + opencv-doc give the footage the head crops come from.
  models: [
    "python3-onnx",
    "python3-numpy",
    "python3-torch",
    "python3-torchvision",
    "python3-opencv",
    "ffmpeg",
    "opencv-doc",
  ],
};

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

class SetupError extends Error {}

function say(msg) {
  process.stdout.write(`[setup] ${msg}\n`);
}

function run(cmd, args, opts = {}) {
  const result = spawnSync(cmd, args, { stdio: "inherit", cwd: ROOT, ...opts });
  if (result.error) throw new SetupError(`could not run ${cmd}: ${result.error.message}`);
  if (result.status !== 0) {
    const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.status}`;
    throw new SetupError(`\`${[cmd, ...args].join(" ")}\` ${how}`);
  }
}

/** Packages of `wanted` that dpkg does not report as installed; undefined when this is not a dpkg system. */
export function missingDebianPackages(wanted) {
  const probe = spawnSync("dpkg-query", ["--version"], { stdio: "ignore" });
  if (probe.error) return undefined;
  return wanted.filter((pkg) => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format, not a JS template
    const r = spawnSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8" });
    return r.status !== 0 || !r.stdout.includes("install ok installed");
  });
}

function ensurePackages(purpose) {
  const wanted = DEBIAN_PACKAGES[purpose];
  const missing = missingDebianPackages(wanted);
  if (missing === undefined) {
    say(`dpkg-query not found (not Debian/Ubuntu?): make sure these are installed: ${wanted.join(" ")}`);
    return;
  }
  if (missing.length === 0) {
    say(`system packages present: ${wanted.join(" ")}`);
    return;
  }
  const line = `sudo apt-get install -y ${missing.join(" ")}`;
  if (process.getuid?.() !== 0) {
    process.stderr.write(
      `[setup] missing system packages: ${missing.join(" ")}. Install them with:\n\n  ${line}\n\n`,
    );
    process.exit(1);
  }
  say(`installing system packages: ${missing.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  run("apt-get", ["update"], { env });
  run("apt-get", ["install", "-y", "--no-install-recommends", ...missing], { env });
  const still = missingDebianPackages(missing) ?? [];
  if (still.length > 0)
    throw new SetupError(`apt-get finished but these are still missing: ${still.join(" ")}`);
}

/**
 * When package-lock.json is newer than what npm last installed (node_modules/.package-lock.json), but only
 * its mtime changed (a git checkout, an editor): same entries, apart from optional packages for other
 * platforms that npm did not install.
 */
function sameLock(lockPath, installedPath) {
  try {
    const lock = JSON.parse(readFileSync(lockPath, "utf8")).packages ?? {};
    const installed = JSON.parse(readFileSync(installedPath, "utf8")).packages ?? {};
    for (const key of Object.keys(installed)) if (!(key in lock)) return false;
    for (const [key, entry] of Object.entries(lock)) {
      if (key === "") continue;
      if (!(key in installed)) {
        if (!entry.optional) return false;
      } else if (JSON.stringify(entry) !== JSON.stringify(installed[key])) {
        return false;
      }
    }
    return true;
  } catch {
    return false;
  }
}

function ensureNodeModules() {
  const lock = join(ROOT, "package-lock.json");
  const installed = join(ROOT, "node_modules", ".package-lock.json");
  if (!existsSync(lock)) throw new SetupError("package-lock.json is missing: cannot run `npm ci`");
  if (
    existsSync(installed) &&
    (statSync(installed).mtimeMs >= statSync(lock).mtimeMs || sameLock(lock, installed))
  ) {
    say("node_modules up to date");
    return;
  }
  say(existsSync(installed) ? "package-lock.json changed: npm ci" : "installing dependencies: npm ci");
  run("npm", ["ci"], { env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: "skip" } });
}

function build() {
  say("building: tsc -b");
  run("npx", ["--no-install", "tsc", "-b"]);
  // The console (Vue + Vite): type-checked by vue-tsc, bundled into console/dist, served by the API at /.
  say("building the console: npm run build -w console");
  run("npm", ["run", "--silent", "build", "-w", "console"]);
}

export function main(argv = process.argv.slice(2)) {
  const i = argv.indexOf("--for");
  const purpose = i >= 0 ? argv[i + 1] : undefined;
  if (!purpose || !Object.hasOwn(DEBIAN_PACKAGES, purpose)) {
    process.stderr.write(`usage: node deploy/setup.mjs --for ${Object.keys(DEBIAN_PACKAGES).join("|")}\n`);
    process.exit(2);
  }
  try {
    ensurePackages(purpose);
    ensureNodeModules();
    build();
    say(`ready (${purpose})`);
  } catch (err) {
    const msg = err instanceof SetupError ? err.message : (err?.stack ?? String(err));
    process.stderr.write(`[setup] FAILED: ${msg}\n`);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
