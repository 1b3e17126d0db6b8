/**
 * The package map of docs/packages.md, enforced: core, process, ingest and analytics import neither the
 * database package nor a database driver (in their sources or their package.json), and core and process
 * import none of our other packages.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
const DB_MODULES = [
  "@mingfang/db",
  "@electric-sql/pglite",
  "kysely",
  "kysely-pglite",
  "pg",
  "@node-rs/argon2",
];

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.ts$/.test(e.name) && !e.name.endsWith(".d.ts"))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Every module specifier a file imports (static, dynamic, type-only, re-exports). */
function imported(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)].map((m) => m[1]!);
}

const packageOf = (spec: string) =>
  spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;

const RULES: { dir: string; forbidden: string[] }[] = [
  {
    dir: "services/core/src",
    forbidden: [
      ...DB_MODULES,
      "@mingfang/process",
      "@mingfang/api",
      "@mingfang/ingest",
      "@mingfang/analytics",
    ],
  },
  {
    dir: "services/process/src",
    forbidden: [...DB_MODULES, "@mingfang/core", "@mingfang/api", "@mingfang/ingest", "@mingfang/analytics"],
  },
  { dir: "ingest/src", forbidden: [...DB_MODULES, "@mingfang/api", "@mingfang/analytics"] },
  { dir: "analytics/src", forbidden: [...DB_MODULES, "@mingfang/api", "@mingfang/ingest"] },
];

describe("package boundaries (docs/packages.md)", () => {
  for (const { dir, forbidden } of RULES) {
    it(`${dir} imports none of ${forbidden.join(", ")}`, () => {
      const found = sources(dir).flatMap((f) =>
        imported(f)
          .filter((s) => forbidden.includes(packageOf(s)))
          .map((s) => `${path.relative(ROOT, f)}: ${s}`),
      );
      expect(found).toEqual([]);
      const pkg = JSON.parse(readFileSync(path.join(ROOT, dir, "..", "package.json"), "utf8"));
      const deps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
      expect(deps.filter((d) => forbidden.includes(d))).toEqual([]);
    });
  }
});
