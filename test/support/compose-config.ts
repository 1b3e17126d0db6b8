/**
 * docker-compose.yml as Docker sees it: `docker-compose config` (Debian's docker-compose package: 1.29, the
 * Python one, on Debian 12; v2 on Debian 13) with dummy secret files, parsed. v2 prints JSON with
 * `--format json`; 1.29 prints YAML only, read with the python3-yaml it depends on. Helpers smooth over the
 * two versions' shapes (volumes and secrets as strings or objects, ports as numbers or strings).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const COMPOSE_FILE = path.join(ROOT, "docker-compose.yml");

export interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string };
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  deploy?: { replicas?: number };
  healthcheck?: { test?: string[] | string };
  volumes?: (string | { source?: string; target?: string })[];
  secrets?: (string | { source: string; target?: string })[];
  ports?: (string | { published?: string | number; target?: string | number })[];
  depends_on?: Record<string, { condition?: string }> | string[];
}

export interface ComposeConfig {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { file?: string }>;
}

/** The dummy secret files `docker-compose config` and the tests read (MINGFANG_SECRETS_DIR). */
export const DUMMY_SECRETS: Record<string, string> = {
  mingfang_secret: "compose-test-secret-0123456789abcdef0123456789",
  postgres_password: "compose-test-db-password",
  admin_password: "compose-test-admin-password",
};

export function writeDummySecrets(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, value] of Object.entries(DUMMY_SECRETS))
    writeFileSync(path.join(dir, name), `${value}\n`);
}

/** `docker-compose version --short`, or undefined when the command is missing. */
export function composeVersion(): string | undefined {
  const r = spawnSync("docker-compose", ["version", "--short"], { encoding: "utf8" });
  return r.error || r.status !== 0 ? undefined : r.stdout.trim().replace(/^v/, "");
}

/** Runs `docker-compose -f docker-compose.yml config` in a clean environment plus `env`; throws its stderr. */
export function composeConfig(env: Record<string, string>): ComposeConfig {
  const version = composeVersion();
  if (!version) throw new Error("docker-compose is not installed (node deploy/setup.mjs --for test)");
  const cleanEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...env };
  const v1 = version.startsWith("1.");
  const args = ["-f", COMPOSE_FILE, "config", ...(v1 ? [] : ["--format", "json"])];
  const r = spawnSync("docker-compose", args, { cwd: ROOT, env: cleanEnv, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`docker-compose config failed (${r.status}):\n${r.stderr}`);
  const json = v1
    ? execFileSync(
        "python3",
        ["-c", "import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"],
        {
          input: r.stdout,
          encoding: "utf8",
        },
      )
    : r.stdout;
  return JSON.parse(json) as ComposeConfig;
}

export const replicas = (s: ComposeService): number => s.deploy?.replicas ?? 1;

export function commandOf(s: ComposeService): string[] {
  return typeof s.command === "string" ? s.command.split(/\s+/) : (s.command ?? []);
}

/** Named volumes and bind mounts as source → target. */
export function mountsOf(s: ComposeService): { source: string; target: string }[] {
  return (s.volumes ?? []).map((v) => {
    if (typeof v === "string") {
      const [source = "", target = ""] = v.split(":");
      return { source, target };
    }
    return { source: v.source ?? "", target: v.target ?? "" };
  });
}

export const secretsOf = (s: ComposeService): string[] =>
  (s.secrets ?? []).map((x) => (typeof x === "string" ? x : x.source));

export function healthTestOf(s: ComposeService): string {
  const t = s.healthcheck?.test;
  return Array.isArray(t) ? t.join(" ") : (t ?? "");
}

/** A service's environment as strings (null and empty values dropped: unset for the process). */
export function envOf(s: ComposeService): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.environment ?? {})) {
    if (v !== null && v !== "") out[k] = String(v);
  }
  return out;
}
