/**
 * The source files the structure checks read: every TypeScript and JavaScript module of the tree that is
 * not generated, not built and not a dependency. Read from the disk (not git), so a new file is checked
 * before it is committed.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const SKIP_DIRS = new Set(["node_modules", "dist", "coverage", "test-results", ".test-data", "data", ".git"]);
const SOURCE = /\.(ts|mts|mjs|js|vue)$/;
/** Generated or declaration-only files: nothing to read as code. */
const GENERATED = /(\.d\.ts|components\.d\.ts)$/;

/** Paths relative to the root, with `/` separators, of the source files under `dirs`. */
export function sourceFiles(dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(child);
      } else if (SOURCE.test(entry.name) && !GENERATED.test(entry.name)) {
        out.push(child);
      }
    }
  };
  for (const dir of dirs) walk(dir);
  return out.sort();
}

/** Tests and test support: the function-length rule does not apply to them. */
export function isTestCode(file: string): boolean {
  return /\.test\.ts$|\.e2e\.test\.ts$/.test(file) || file.startsWith("test/") || /\/testing\//.test(file);
}

/** A file's code: the whole file, or for a Vue single-file component its <script> blocks (lines kept in place). */
export function codeOf(file: string, text: string): string {
  if (!file.endsWith(".vue")) return text;
  const lines = text.split("\n");
  let inScript = false;
  return lines
    .map((line) => {
      if (/^<script\b/.test(line)) {
        inScript = true;
        return "";
      }
      if (/^<\/script>/.test(line)) inScript = false;
      return inScript ? line : "";
    })
    .join("\n");
}
