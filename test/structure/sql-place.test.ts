/**
 * "Repositories own the SQL": a Kysely query or an `sql` template outside a `*.repository.ts` fails here.
 * The database package itself (schema, migrations, seed) and tests are exempt.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isTestCode, ROOT, sourceFiles } from "./source-files.js";

const QUERY =
  /\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\(|\bsql(<[^>]*>)?`|\.query\(\s*["'`]\s*(select|insert|update|delete|with)\b/i;

/** The lines of a text that build a query (comments skipped). */
function queryLines(text: string): number[] {
  return text
    .split("\n")
    .map((line, i) => ({ line: line.replace(/\/\/.*$/, ""), i }))
    .filter(({ line }) => !/^\s*\*/.test(line) && QUERY.test(line))
    .map(({ i }) => i + 1);
}

describe("where SQL is", () => {
  it("sees a query builder call and an sql template, not a comment", () => {
    expect(
      queryLines('db.selectFrom("x")\n * trx.updateTable("y")\nconst q = sql`select 1`;\n// deleteFrom('),
    ).toEqual([1, 3]);
  });

  it("every query is in a repository", () => {
    const files = sourceFiles(["services", "ingest/src", "analytics/src"]).filter(
      (f) => !isTestCode(f) && !f.startsWith("services/db/") && !f.endsWith(".repository.ts"),
    );
    const found = files.flatMap((f) =>
      queryLines(readFileSync(path.join(ROOT, f), "utf8")).map((line) => `${f}:${line}`),
    );
    expect(found).toEqual([]);
  });
});
