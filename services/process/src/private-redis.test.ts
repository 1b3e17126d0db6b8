import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { pingRedisPort, startPrivateRedis } from "./private-redis.js";

const work = mkdtempSync(join(tmpdir(), "mingfang-redis-"));

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^Z|^X/.test(stat.slice(stat.lastIndexOf(")") + 2));
  } catch {
    return false;
  }
}

describe("startPrivateRedis", () => {
  it("starts on a free loopback port, persists with AOF, and stops", async () => {
    const dir = join(work, "a");
    const messages: string[] = [];
    const logger = {
      debug: (m: string) => messages.push(m),
      info: (m: string) => messages.push(m),
      warn: (m: string) => messages.push(`WARN ${m}`),
    };
    const redis = await startPrivateRedis({ dir, logger });
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(redis.port).toBeGreaterThan(0);

    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await client.connect();
    await client.set("mingfang:test", "明坊");
    expect(await client.get("mingfang:test")).toBe("明坊");
    const config = (await client.config("GET", "*")) as string[];
    const get = (k: string) => config[config.indexOf(k) + 1];
    expect(get("bind")).toBe("127.0.0.1");
    expect(get("appendonly")).toBe("yes");
    expect(get("appendfsync")).toBe("everysec");
    expect(get("save")).toBe("");
    expect(get("protected-mode")).toBe("yes");
    expect(get("dir")).toBe(dir);
    client.disconnect();

    expect(existsSync(join(dir, "redis.pid"))).toBe(true);
    await redis.stop();
    expect(await pingRedisPort(redis.port)).toBe(false);
    expect(existsSync(join(dir, "appendonlydir"))).toBe(true);
    expect(messages.some((m) => m.startsWith("WARN"))).toBe(false);

    // The data survives a restart from the same directory.
    const again = await startPrivateRedis({ dir });
    const client2 = new Redis(again.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await client2.connect();
    expect(await client2.get("mingfang:test")).toBe("明坊");
    client2.disconnect();
    await again.stop();
    await again.stop(); // idempotent
  });

  it("kills a stale redis-server left running in the same directory", async () => {
    const dir = join(work, "b");
    const first = await startPrivateRedis({ dir });
    const stalePid = Number(readFileSync(join(dir, "redis.pid"), "utf8"));
    expect(alive(stalePid)).toBe(true);
    // Simulate an instance that outlived its owner: we "forget" it and start again in the same dir.
    const second = await startPrivateRedis({ dir });
    expect(alive(stalePid)).toBe(false);
    expect(await pingRedisPort(first.port)).toBe(false);
    expect(await pingRedisPort(second.port)).toBe(true);
    await second.stop();
    await first.stop();
  });

  it("ignores a pidfile that points at an unrelated process", async () => {
    const dir = join(work, "c");
    const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "redis.pid"), `${sleeper.pid}\n`);
      const redis = await startPrivateRedis({ dir });
      expect(alive(sleeper.pid!)).toBe(true);
      await redis.stop();
    } finally {
      sleeper.kill("SIGKILL");
    }
  });

  it("reports a clear error with redis' output when it cannot start", async () => {
    const dir = join(work, "d");
    const blocker = await startPrivateRedis({ dir: join(work, "blocker") });
    try {
      await expect(startPrivateRedis({ dir, port: blocker.port })).rejects.toThrow(
        /exited with code 1 during startup; its last output:[\s\S]*Address already in use/,
      );
    } finally {
      await blocker.stop();
    }
  });

  it("tells how to install redis-server when it is missing", async () => {
    await expect(
      startPrivateRedis({ dir: join(work, "e"), executable: "mingfang-no-such-redis-server" }),
    ).rejects.toThrow(/apt-get install -y redis-server/);
  });
});
