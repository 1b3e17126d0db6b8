/**
 * docker-compose.yml without a Docker engine: `docker-compose config` accepts it (with dummy secret files),
 * and what it resolves to is what docs/operations.md says (the table under "Docker Compose": services,
 * replicas, health checks, volumes, secrets), with the settings docs/operations.md asks of Redis, and an
 * environment every Mingfang process accepts (loadConfig with the secrets read from the files).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "@mingfang/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ComposeConfig,
  commandOf,
  composeConfig,
  DUMMY_SECRETS,
  envOf,
  healthTestOf,
  mountsOf,
  ROOT,
  replicas,
  secretsOf,
  writeDummySecrets,
} from "../test/support/compose-config.js";

interface DocRow {
  service: string;
  replicas: number;
  health: string;
  volumes: string[];
  secrets: string[];
}

const names = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? "");

/** The table of docs/operations.md's "Docker Compose" section. */
function docTable(): DocRow[] {
  const doc = readFileSync(path.join(ROOT, "docs/operations.md"), "utf8");
  const section = doc.split(/^## /m).find((s) => s.startsWith("Docker Compose"));
  if (!section) throw new Error('docs/operations.md has no "## Docker Compose" section');
  return section
    .split("\n")
    .filter((l) => /^\| `[a-z]+` \|/.test(l))
    .map((l) => {
      const [service = "", , reps = "", health = "", volumes = "", secrets = ""] = l
        .split("|")
        .slice(1, -1)
        .map((c) => c.trim());
      return {
        service: names(service)[0] ?? "",
        replicas: Number(reps),
        health: names(health)[0] ?? "",
        volumes: names(volumes),
        secrets: names(secrets),
      };
    });
}

const MINGFANG = ["api", "ingest", "analytics"];

describe("docker-compose.yml", () => {
  let dir: string;
  let config: ComposeConfig;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "mf-compose-"));
    writeDummySecrets(dir);
    config = composeConfig({ MINGFANG_SECRETS_DIR: dir });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("passes `docker-compose config` and has the services, replicas, health checks, volumes and secrets the doc lists", () => {
    const rows = docTable();
    expect(Object.keys(config.services).sort()).toEqual(rows.map((r) => r.service).sort());
    for (const row of rows) {
      const s = config.services[row.service]!;
      expect(replicas(s), row.service).toBe(row.replicas);
      expect(
        mountsOf(s)
          .map((m) => m.source)
          .sort(),
        row.service,
      ).toEqual([...row.volumes].sort());
      expect(secretsOf(s).sort(), row.service).toEqual([...row.secrets].sort());
      const test = healthTestOf(s);
      const http = /^GET :(\d+)(\/\S+)$/.exec(row.health);
      if (http) expect(test, row.service).toContain(`http://127.0.0.1:${http[1]}${http[2]}`);
      else expect(test, row.service).toContain(row.health);
    }
    expect(Object.keys(config.volumes ?? {}).sort()).toEqual(["data", "postgres", "redis"]);
    // Every secret a service names is a file in MINGFANG_SECRETS_DIR.
    for (const [name, s] of Object.entries(config.secrets ?? {}))
      expect(s.file, name).toBe(path.join(dir, name));
  });

  it("runs each Mingfang role from one image, sharing the data volume at DATA_DIR", () => {
    const images = new Set(MINGFANG.map((n) => config.services[n]!.image));
    expect(images.size).toBe(1);
    for (const name of MINGFANG) {
      const s = config.services[name]!;
      expect(commandOf(s), name).toEqual(["serve", "--roles", name]);
      expect(s.build?.dockerfile, name).toBe("deploy/Dockerfile");
      expect(mountsOf(s).find((m) => m.source === "data")?.target, name).toBe(envOf(s).DATA_DIR);
    }
    // The workers start once the API (migrations, camera specs) is healthy.
    for (const name of ["ingest", "analytics"]) {
      expect(config.services[name]!.depends_on, name).toMatchObject({
        api: { condition: "service_healthy" },
      });
    }
    expect(config.services.postgres!.image).toMatch(/^postgres:(1[5-9]|[2-9]\d)\b/);
  });

  it("runs Redis with AOF, a flush every second and noeviction", () => {
    const cmd = commandOf(config.services.redis!).join(" ");
    expect(cmd).toMatch(/--appendonly yes\b/);
    expect(cmd).toMatch(/--appendfsync everysec\b/);
    expect(cmd).toMatch(/--maxmemory-policy noeviction\b/);
  });

  it("gives each process an environment it accepts, with secrets from files only", () => {
    for (const name of MINGFANG) {
      const env = envOf(config.services[name]!);
      for (const key of Object.keys(env)) {
        expect(key, `${name}: a secret in the environment`).not.toMatch(/(SECRET|PASSWORD)$/);
      }
      // The files where the container would find them: /run/secrets/<name> → the dummy directory.
      const local = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [k, v.replace(/^\/run\/secrets\//, `${dir}/`)]),
      );
      for (const [k, v] of Object.entries(env)) {
        if (!k.endsWith("_FILE")) continue;
        const secret = path.basename(v);
        expect(v, `${name} ${k}`).toBe(`/run/secrets/${secret}`);
        expect(secretsOf(config.services[name]!), `${name} mounts ${secret}`).toContain(secret);
      }
      const cfg = loadConfig(local);
      expect(cfg.MINGFANG_SECRET, name).toBe(DUMMY_SECRETS.mingfang_secret);
      expect(cfg.REDIS_URL, name).toBe("redis://redis:6379");
      expect(cfg.INTERNAL_PORT, name).toBe(9100);
      if (name === "ingest") expect(cfg.DATABASE_URL, name).toBeUndefined();
      else {
        const url = new URL(cfg.DATABASE_URL ?? "");
        expect([url.hostname, decodeURIComponent(url.password)], name).toEqual([
          "postgres",
          DUMMY_SECRETS.postgres_password,
        ]);
      }
    }
    const api = loadConfig(
      Object.fromEntries(
        Object.entries(envOf(config.services.api!)).map(([k, v]) => [
          k,
          v.replace("/run/secrets/", `${dir}/`),
        ]),
      ),
    );
    expect(api.MINGFANG_ADMIN_PASSWORD).toBe(DUMMY_SECRETS.admin_password);
    expect(config.services.api!.ports?.length).toBe(1);
    expect(config.services.ingest!.ports ?? []).toEqual([]);
  });

  it("builds an image with every workspace: its package.json for npm ci, its build, its runtime files", () => {
    const dockerfile = readFileSync(path.join(ROOT, "deploy/Dockerfile"), "utf8");
    const workspaces = (
      JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { workspaces: string[] }
    ).workspaces;
    const stages = dockerfile.split(/^FROM /m).slice(1);
    const base = "$" + "{NODE_IMAGE}"; // the Dockerfile's ARG, not a template
    expect(stages.map((s) => s.split("\n")[0])).toEqual([`${base} AS build`, `${base} AS deps`, base]);
    const [build = "", deps = ""] = stages;
    for (const w of workspaces) {
      expect(build, `build: ${w}/package.json`).toContain(`COPY ${w}/package.json ${w}/`);
      expect(deps, `deps: ${w}/package.json`).toContain(`COPY --from=build /app/${w}/package.json ${w}/`);
      expect(deps, `deps: ${w}/dist`).toContain(`COPY --from=build /app/${w}/dist ${w}/dist`);
    }
    // What the final image copies from the checkout exists, and .dockerignore does not leave it out.
    const ignored = readFileSync(path.join(ROOT, ".dockerignore"), "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"));
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm)) {
      const src = m[1]!;
      expect(existsSync(path.join(ROOT, src)), src).toBe(true);
      expect(ignored, src).not.toContain(src.split("/")[0]);
    }
    expect(dockerfile).toMatch(/apt-get install[^\n]*\bffmpeg\b/);
    expect(dockerfile).toContain("ARG NODE_IMAGE=node:20-bookworm-slim");
  });

  it("is refused by docker-compose when broken (the check can fail)", async () => {
    const { writeFileSync } = await import("node:fs");
    const { spawnSync } = await import("node:child_process");
    const bad = path.join(dir, "bad.yml");
    writeFileSync(
      bad,
      readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8").replace("replicas: 2", "replicas: two"),
    );
    const r = spawnSync("docker-compose", ["--project-directory", ROOT, "-f", bad, "config", "-q"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", MINGFANG_SECRETS_DIR: dir },
      encoding: "utf8",
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/replicas/);
  });
});
