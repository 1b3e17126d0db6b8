import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run on the TypeScript sources: no build needed.
    alias: [
      { find: /^@mingfang\/core$/, replacement: src("./services/core/src/index.ts") },
      { find: /^@mingfang\/api$/, replacement: src("./services/api/src/index.ts") },
      { find: /^@mingfang\/analytics$/, replacement: src("./analytics/src/index.ts") },
      { find: /^@mingfang\/ingest$/, replacement: src("./ingest/src/index.ts") },
    ],
  },
  test: {
    include: [
      "services/*/src/**/*.test.ts",
      "ingest/src/**/*.test.ts",
      "analytics/src/**/*.test.ts",
      "models/**/*.test.ts",
      "test/**/*.test.ts",
      "deploy/**/*.test.ts",
    ],
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two cores: at most two test files at a time (they share one Redis and one PostgreSQL).
    maxWorkers: 2,
  },
});
