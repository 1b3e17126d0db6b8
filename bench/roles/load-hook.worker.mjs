/** The resolve hook of load-hook.mjs (runs on the loader thread). */
import { appendFileSync } from "node:fs";

const WATCHED =
  /\/node_modules\/((?:@electric-sql\/pglite|kysely-pglite|kysely|pg|@node-rs\/argon2|onnxruntime-node|sharp))\//;
let file;
const seen = new Set();

export function initialize(data) {
  file = data.file;
}

export async function resolve(specifier, context, nextResolve) {
  const r = await nextResolve(specifier, context);
  const m = WATCHED.exec(r.url);
  if (m && !seen.has(m[1])) {
    seen.add(m[1]);
    appendFileSync(file, `${m[1]}\n`);
  }
  return r;
}
