/**
 * `node --import ./load-hook.mjs …`: records which of the heavy packages the process resolves (one name per
 * line in BENCH_LOADS_FILE), so that bench/roles can say whether a role loads a database driver. ESM resolve
 * hooks see every `import` (CommonJS packages imported from ESM included); require() inside a CommonJS
 * package is not seen, which is why the list names the packages our own ESM code imports.
 */
import { register } from "node:module";

if (process.env.BENCH_LOADS_FILE) {
  register("./load-hook.worker.mjs", import.meta.url, { data: { file: process.env.BENCH_LOADS_FILE } });
}
