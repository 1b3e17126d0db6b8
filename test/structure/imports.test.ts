/**
 * Who may import whom (docs/architecture.md, "Packages"). The parts meet over Redis and HTTP; the packages
 * they share are libraries. A forbidden import, a package.json that declares a forbidden dependency, a new
 * package without a rule, or a relative import that reaches into another package fails here.
 * Tests may import more (the camera simulator is every test's camera).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { codeOf, isTestCode, ROOT, sourceFiles } from "./source-files.js";

/** The workspace packages each package may import at run time (by short name: `@mingfang/<name>`). */
const MAY_IMPORT: Record<string, string[]> = {
  core: [],
  onvif: [],
  process: [],
  db: ["core"],
  ingest: ["core", "onvif", "process"],
  analytics: ["core"],
  api: ["core", "db", "onvif"],
  cli: ["core", "db", "onvif", "process", "api", "ingest", "analytics"],
  console: [],
};

/** Third-party modules that only some packages may load: the database drivers and password hashing. */
const RESTRICTED: Record<string, string[]> = {
  "@electric-sql/pglite": ["db"],
  "kysely-pglite": ["db"],
  pg: ["db"],
  "@node-rs/argon2": ["db"],
  kysely: ["db", "api"],
};

interface Pkg {
  short: string;
  dir: string;
  deps: string[];
}

function packages(): Pkg[] {
  const root = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { workspaces: string[] };
  return root.workspaces.map((dir) => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, dir, "package.json"), "utf8")) as {
      name: string;
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    return {
      short: pkg.name.replace(/^@mingfang\//, ""),
      dir,
      deps: Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }),
    };
  });
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;

/** Every module specifier a file imports (static, dynamic, require). */
function specifiers(text: string): string[] {
  return [...text.matchAll(SPECIFIER)].map((m) => m[1] as string);
}

/** The package a bare specifier names: `@scope/name` or `name` (subpaths dropped). */
function packageOf(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] as string);
}

function violations(pkg: Pkg): string[] {
  const out: string[] = [];
  const allowed = MAY_IMPORT[pkg.short] ?? [];
  for (const file of sourceFiles([pkg.dir])) {
    if (isTestCode(file)) continue;
    const text = codeOf(file, readFileSync(path.join(ROOT, file), "utf8"));
    for (const spec of specifiers(text)) {
      const name = packageOf(spec);
      const mine = name.startsWith("@mingfang/") ? name.slice("@mingfang/".length) : undefined;
      if (mine && mine !== pkg.short && !allowed.includes(mine)) out.push(`${file} imports ${spec}`);
      const only = RESTRICTED[name];
      if (only && !only.includes(pkg.short)) out.push(`${file} imports ${spec} (only ${only.join(", ")})`);
      if (
        spec.startsWith(".") &&
        !path.resolve(ROOT, path.dirname(file), spec).startsWith(path.join(ROOT, pkg.dir))
      ) {
        out.push(`${file} reaches outside its package: ${spec}`);
      }
    }
  }
  return out;
}

/** The workspace packages a package depends on, directly or through others, from the package.json files. */
function closure(short: string, all: Map<string, Pkg>, seen = new Set<string>()): Set<string> {
  for (const dep of all.get(short)?.deps ?? []) {
    const d = dep.replace(/^@mingfang\//, "");
    if (dep.startsWith("@mingfang/") && !seen.has(d)) {
      seen.add(d);
      closure(d, all, seen);
    }
  }
  return seen;
}

describe("package boundaries", () => {
  const all = new Map(packages().map((p) => [p.short, p]));

  it("reads static, dynamic and require imports", () => {
    const text = `import a from "x";\nimport type { B } from "@mingfang/db";\nconst c = await import("y/z");\nrequire("w");\nimport "side";\n`;
    expect(specifiers(text)).toEqual(["x", "@mingfang/db", "y/z", "w", "side"]);
  });

  it("every package has a rule", () => {
    expect([...all.keys()].filter((p) => !(p in MAY_IMPORT))).toEqual([]);
  });

  it("no package imports what it may not", () => {
    expect([...all.values()].flatMap(violations)).toEqual([]);
  });

  it("no package.json declares a workspace package it may not import", () => {
    const bad = [...all.values()].flatMap((p) =>
      p.deps
        .filter(
          (d) => d.startsWith("@mingfang/") && !MAY_IMPORT[p.short]?.includes(d.slice("@mingfang/".length)),
        )
        .map((d) => `${p.dir}/package.json: ${d}`),
    );
    expect(bad).toEqual([]);
  });

  it("ingest and analytics do not depend on the database, and the API not on ingest", () => {
    expect(closure("ingest", all).has("db")).toBe(false);
    expect(closure("analytics", all).has("db")).toBe(false);
    expect(closure("api", all).has("ingest")).toBe(false);
  });
});
