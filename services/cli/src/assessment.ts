/**
 * `mingfang assessment --year 2026 [--station N] --out file.xlsx`: the year-end assessment (年终考核)
 * workbook, as the console's 导出Excel button gives it (docs/assessment.md), written from the command line
 * against the database of DATA_DIR / DATABASE_URL. No Redis is needed. The whole district (the summary and
 * the 18 station sheets), or one station (its id or code) with the district's row beside it. Progress on
 * standard output; the file is written to a temporary name and renamed when complete.
 */

import { once } from "node:events";
import { createWriteStream, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import type { Db } from "@mingfang/db";

export interface AssessmentOptions {
  year: number;
  /** A station's id or code; the whole district when absent. */
  station?: string;
  out: string;
  print: (line: string) => void;
}

/** Writes the workbook; resolves with the sheet names. Throws with a message for the user on bad input. */
export async function writeAssessmentFile(db: Db, o: AssessmentOptions): Promise<string[]> {
  const { AssessmentService, writeAssessmentWorkbook } = await import("@mingfang/api");
  const service = new AssessmentService(db);
  let stationId: number | undefined;
  if (o.station !== undefined) {
    stationId = await service.stationId(o.station);
    if (stationId === undefined)
      throw new Error(`no station '${o.station}' (an id or a code such as mingshui)`);
  }
  const started = Date.now();
  o.print(`assessment: computing ${o.year}${stationId ? ` for station ${o.station}` : " for the district"}…`);
  const view = await service.view(o.year, { kind: "all" }, stationId);
  o.print(
    `assessment: ${view.period.from} to ${view.period.to}${view.complete ? "" : " (the year so far)"}, ` +
      `${view.stations.length} station(s), ${view.district.alerts.total} alerts, ${view.district.cases.opened} cases in the district`,
  );
  const out = path.resolve(o.out);
  const tmp = `${out}.part`;
  const file = createWriteStream(tmp);
  const closed = once(file, "close");
  try {
    const sheets = await writeAssessmentWorkbook(
      view,
      {
        title: "章丘区市场监督管理局 食品小作坊远程视频监管",
        exportedBy: "mingfang assessment (CLI)",
        now: new Date(),
        progress: (sheet, done, total) => o.print(`assessment: sheet ${done}/${total} ${sheet}`),
      },
      file,
    );
    await closed;
    renameSync(tmp, out);
    const ms = Date.now() - started;
    o.print(`assessment: wrote ${out} (${sheets.length} sheets, ${statSync(out).size} bytes) in ${ms} ms`);
    return sheets;
  } catch (err) {
    file.destroy();
    rmSync(tmp, { force: true });
    throw err;
  }
}
