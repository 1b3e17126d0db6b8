/**
 * bench/public, our side: the real API (buildApp) on 127.0.0.1, an in-memory database seeded with the
 * district, one demonstration site with one public camera. Forked by run.mjs, whose environment it reads
 * (DATA_DIR, REDIS_URL, the public rate limits); answers `{ ready, port, cameraId }` over IPC and dies with
 * its parent (the IPC channel closing).
 */
import { randomBytes } from "node:crypto";
import { createRedis, Keyring, loadConfig } from "../../services/core/dist/index.js";
import { migrateToLatest, openDatabase, seedReferenceData } from "../../services/db/dist/index.js";
import { benchApp } from "../support/app.mjs";

process.on("disconnect", () => process.exit(0));

const secret = randomBytes(32).toString("hex");
const config = loadConfig({ ...process.env, MINGFANG_SECRET: secret, LOG_LEVEL: "warn" });
const keyring = new Keyring(secret);
const dbh = await openDatabase({ dataDir: config.DATA_DIR, pgliteDir: "memory://" });
await migrateToLatest(dbh.db);
await seedReferenceData(dbh.db, { credentialsKey: keyring.credentials });
// The first demonstration site's first camera, made public and enabled.
const cam = await dbh.db
  .selectFrom("cameras as c")
  .innerJoin("workshops as w", "w.id", "c.workshop_id")
  .select(["c.id"])
  .where("w.demo_site", "=", true)
  .orderBy("c.id")
  .executeTakeFirstOrThrow();
await dbh.db.updateTable("cameras").set({ public: true, enabled: true }).where("id", "=", cam.id).execute();

const redis = createRedis(process.env.REDIS_URL);
const app = await benchApp({ config, dbh, redis, keyring });
await app.listen({ host: "127.0.0.1", port: 0 });
process.send({ ready: true, port: app.server.address().port, cameraId: cam.id });

/**
 * Where a request's time goes, without the network: `app.inject` of the public playlist (site lookup in
 * the database, then the file) against `/healthz` (the same fastify, hooks and plugins, no lookup, no file),
 * sequentially, once the live folder exists. Answers mean milliseconds per request.
 */
async function probe(n) {
  const time = async (url) => {
    for (let i = 0; i < 20; i++) await app.inject({ url });
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const r = await app.inject({ url });
      if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
    }
    return (performance.now() - t0) / n;
  };
  return { playlistMs: await time(`/public/hls/${cam.id}/index.m3u8`), healthMs: await time("/healthz") };
}
process.on("message", async (m) => {
  if (m.probe) process.send({ probe: await probe(m.probe) });
});
