/**
 * The real API as the benches run it: `buildApp` with warnings only in the log, no alert workers and no
 * recorder; and signing in through it.
 */
import { buildApp } from "../../services/api/dist/index.js";
import { createLogger } from "../../services/core/dist/index.js";

/** The API over an open database (`dbh`, from openDatabase), not yet ready or listening. */
export function benchApp({ config, dbh, redis, keyring }) {
  return buildApp({
    config,
    db: dbh.db,
    pingDb: dbh.ping,
    redis,
    keyring,
    logger: createLogger({ level: "warn" }),
    alerts: { workers: false },
    recordings: { workers: false },
  });
}

/** Signs `username` in; answers the session cookie as a `cookie` header's value. */
export async function login(app, username, password) {
  const res = await app.inject({
    method: "POST",
    url: "/api/auth/login",
    payload: { username, password },
  });
  if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode}`);
  return `mingfang_session=${res.cookies.find((c) => c.name === "mingfang_session").value}`;
}
