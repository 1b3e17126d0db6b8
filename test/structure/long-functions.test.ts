/**
 * "No function a page long": every function outside tests and generated code is at most 80 lines, so that
 * each can be read at once. The check reads the tree, so a long function added later fails here.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { longFunctions } from "./long-functions.js";
import { codeOf, isTestCode, ROOT, sourceFiles } from "./source-files.js";

const LIMIT = 80;
const DIRS = [
  "services",
  "ingest",
  "analytics",
  "console/src",
  "console/scripts",
  "bench",
  "deploy",
  "seed",
  "models",
];

describe("function length", () => {
  it("finds a function one line over the limit, and not one at the limit", () => {
    const body = (n: number) => Array.from({ length: n - 2 }, (_, i) => `  const v${i} = ${i};`).join("\n");
    const text = `function atLimit() {\n${body(LIMIT)}\n}\nconst over = () => {\n${body(LIMIT + 1)}\n};\n`;
    expect(longFunctions("x.ts", text, LIMIT)).toEqual([
      { file: "x.ts", line: LIMIT + 1, name: "over", lines: LIMIT + 1 },
    ]);
  });

  it("counts a route registered inside a plugin as part of the plugin", () => {
    const route = `  app.get("/x", async () => {\n${Array.from({ length: 30 }, () => "    work();").join("\n")}\n  });`;
    const text = `export const plugin = async (app) => {\n${[route, route, route].join("\n")}\n};\n`;
    expect(longFunctions("p.ts", text, LIMIT).map((f) => f.name)).toEqual(["plugin"]);
  });

  it("reads the script of a Vue component at its own line numbers", () => {
    const fn = `function long() {\n${Array.from({ length: LIMIT }, () => "  work();").join("\n")}\n}`;
    const vue = `<template>\n  <div />\n</template>\n<script setup lang="ts">\n${fn}\n</script>\n`;
    expect(longFunctions("c.vue", codeOf("c.vue", vue), LIMIT)).toEqual([
      { file: "c.vue", line: 5, name: "long", lines: LIMIT + 2 },
    ]);
  });

  it(`no function outside tests and generated code is over ${LIMIT} lines`, () => {
    const files = sourceFiles(DIRS).filter((f) => !isTestCode(f));
    expect(files.length).toBeGreaterThan(100);
    const long = files.flatMap((f) =>
      longFunctions(f, codeOf(f, readFileSync(path.join(ROOT, f), "utf8")), LIMIT),
    );
    expect(long.map((f) => `${f.file}:${f.line} ${f.name} (${f.lines} lines)`)).toEqual([]);
  });
});
