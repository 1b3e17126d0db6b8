/**
 * Vite build of the console. Element Plus components are imported on demand (with their styles) by
 * unplugin-vue-components; the output goes to `dist/`, which the API serves at `/`.
 * `npm run dev -w console` proxies the API (MINGFANG_API, default http://127.0.0.1:8080) with hot reload.
 */
import { fileURLToPath, URL } from "node:url";
import vue from "@vitejs/plugin-vue";
import { ElementPlusResolver } from "unplugin-vue-components/resolvers";
import Components from "unplugin-vue-components/vite";
import { defineConfig } from "vite";

const api = process.env.MINGFANG_API ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [
    vue(),
    Components({ resolvers: [ElementPlusResolver({ importStyle: "css" })], dts: "src/components.d.ts" }),
  ],
  resolve: {
    alias: {
      "@": fileURLToPath(new URL("./src", import.meta.url)),
      "@contracts": fileURLToPath(new URL("../services/core/src/contracts", import.meta.url)),
      // Pure data and rules of the domain the console shares with the server (no Node imports there).
      "@domain": fileURLToPath(new URL("../services/core/src/domain", import.meta.url)),
    },
  },
  define: {
    // vue-i18n: messages are compiled without eval (JIT), legacy API off: works under a strict CSP.
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  build: {
    outDir: "dist",
    // dist/.vite/manifest.json: the import graph scripts/bundle-report.mjs measures the first paint from.
    manifest: true,
    reportCompressedSize: true,
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      // Two pages: the console, and the public transparent-supervision pages (plain DOM, no Element Plus).
      input: {
        index: fileURLToPath(new URL("./index.html", import.meta.url)),
        public: fileURLToPath(new URL("./public.html", import.meta.url)),
      },
      output: {
        manualChunks(id: string) {
          if (id.includes("node_modules/hls.js")) return "hls";
          if (id.includes("node_modules/mpegts.js")) return "mpegts";
          if (id.includes("node_modules/echarts") || id.includes("node_modules/zrender")) return "echarts";
          if (/node_modules\/(vue|@vue|vue-router|pinia|vue-i18n|@intlify)\//.test(id)) return "vue";
          return undefined;
        },
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      "/api": api,
      "/media": api,
      "/public": api,
      "/ws": { target: api.replace(/^http/, "ws"), ws: true },
    },
  },
});
