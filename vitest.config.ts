import { fileURLToPath } from "node:url";
import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vitest/config";

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  // The console's unit tests may mount single-file components.
  plugins: [vue()],
  resolve: {
    // Tests run on the TypeScript sources: no build needed.
    alias: [
      { find: /^@mingfang\/core$/, replacement: src("./services/core/src/index.ts") },
      { find: /^@mingfang\/db$/, replacement: src("./services/db/src/index.ts") },
      { find: /^@mingfang\/process$/, replacement: src("./services/process/src/index.ts") },
      { find: /^@mingfang\/api$/, replacement: src("./services/api/src/index.ts") },
      { find: /^@mingfang\/analytics$/, replacement: src("./analytics/src/index.ts") },
      { find: /^@mingfang\/ingest$/, replacement: src("./ingest/src/index.ts") },
      { find: /^@mingfang\/onvif$/, replacement: src("./services/onvif/src/index.ts") },
      // The console's own aliases (console/vite.config.ts).
      { find: /^@\//, replacement: src("./console/src/") },
      { find: /^@contracts\//, replacement: src("./services/core/src/contracts/") },
      { find: /^@domain\//, replacement: src("./services/core/src/domain/") },
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
      "console/src/**/*.test.ts",
    ],
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two cores: at most two test files at a time (they share one Redis and one PostgreSQL).
    maxWorkers: 2,
  },
});
