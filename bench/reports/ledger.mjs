#!/usr/bin/env node
/**
 * bench/reports/ledger: the year-end ledger (预警与案件台账) of N alerts, streamed (ours: exceljs'
 * streaming WorkbookWriter fed a page of 500 rows at a time, as the route does) against the in-memory
 * workbook the first version built (every row added to an ExcelJS.Workbook, then writeBuffer), each in a
 * child process of its own, in the same run. What matters for the API process that builds it: the
 * longest time the event loop is held (alerts to the consoles wait that long), the peak memory, and the
 * total time.
 *
 *   npm run build && node bench/reports/ledger.mjs [--rows 20000,100000]   (PAGE=500: rows per page)
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";

const self = fileURLToPath(import.meta.url);
const PAGE = Number(process.env.PAGE ?? 500);
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
};

function rows(n) {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    captured_at: new Date(now - i * 60_000),
    type: ["no_hat", "no_gloves", "unclean_area"][i % 3],
    grade: 1 + (i % 3),
    confidence: 0.8,
    status: "resolved",
    acknowledged_at: new Date(now - i * 60_000 + 300_000),
    ack_note: "已现场纠正",
    escalated_at: null,
    station_id: 1 + (i % 18),
    station_name: "明水市场监管所",
    workshop_name: "章丘某某食品小作坊",
    licence_no: "SC10637018100001",
    camera_name: "加工间",
    area: "加工间",
    acknowledged_by_name: "值班员",
    case_code: i % 20 === 0 ? `AJ-2026-${i}` : null,
  }));
}

async function child(mode, n) {
  const { writeLedger, ALERT_HEADINGS } = await import(
    "../../services/api/dist/workshop-file/ledger.workbook.js"
  );
  const ExcelJS = (await import("exceljs")).default;
  const data = rows(n);
  const now = new Date();
  const meta = {
    title: "章丘区市场监督管理局 食品小作坊远程视频监管",
    from: new Date(now.getTime() - 365 * 86_400_000),
    to: now,
    exportedBy: "bench",
    now,
    stations: Array.from({ length: 18 }, (_, i) => ({ id: i + 1, name: `所${i + 1}` })),
  };
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  // Let the monitor's timer start before the work does (a block in this very tick would go unseen).
  await new Promise((r) => setTimeout(r, 50));
  const t0 = performance.now();
  let bytes = 0;
  if (mode === "ours") {
    const sink = new Writable({
      write(chunk, _e, cb) {
        bytes += chunk.length;
        cb();
      },
    });
    // Pages of 500, each after a turn of the event loop (as the database hands them over).
    async function* pages() {
      for (let i = 0; i < data.length; i += PAGE) {
        await new Promise((r) => setImmediate(r));
        yield data.slice(i, i + PAGE);
      }
    }
    await writeLedger(meta, { alerts: pages(), cases: [] }, sink);
  } else {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("预警台账");
    ws.addRow([...ALERT_HEADINGS]);
    for (const [i, a] of data.entries())
      ws.addRow([
        i + 1,
        a.id,
        String(a.captured_at),
        a.station_name,
        a.workshop_name,
        a.licence_no,
        a.camera_name,
        a.area,
        a.type,
        `${a.grade}级`,
        a.confidence,
        a.status,
        a.acknowledged_by_name,
        String(a.acknowledged_at),
        a.ack_note,
        "否",
        a.case_code ?? "",
      ]);
    bytes = (await wb.xlsx.writeBuffer()).byteLength;
  }
  const ms = performance.now() - t0;
  h.disable();
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))[1]) / 1024;
  process.stdout.write(
    JSON.stringify({ mode, n, s: ms / 1000, maxBlockMs: h.max / 1e6, peakMiB: hwm, fileMB: bytes / 1e6 }),
  );
}

if (process.argv[2] === "--child") {
  await child(process.argv[3], Number(process.argv[4]));
} else {
  const counts = arg("--rows", "20000,100000").split(",").map(Number);
  console.log(
    `load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" / ")}\n`,
  );
  console.log("| alerts | build | total s | longest event-loop block ms | peak RSS MiB | file MB |");
  console.log("|---|---|---|---|---|---|");
  for (const n of counts) {
    const res = {};
    for (const mode of ["in-memory", "ours"]) {
      res[mode] = JSON.parse(
        execFileSync(process.execPath, [self, "--child", mode, String(n)], {
          encoding: "utf8",
          maxBuffer: 1e6,
        }),
      );
      const r = res[mode];
      console.log(
        `| ${n} | ${mode === "ours" ? "streamed (ours)" : "in-memory workbook"} | ${r.s.toFixed(1)} | ${r.maxBlockMs.toFixed(0)} | ${r.peakMiB.toFixed(0)} | ${r.fileMB.toFixed(1)} |`,
      );
    }
    const a = res["in-memory"];
    const b = res.ours;
    console.log(
      `|  | ratio ours / in-memory | ${(b.s / a.s).toFixed(2)}× | ${(b.maxBlockMs / a.maxBlockMs).toFixed(3)}× | ${(b.peakMiB / a.peakMiB).toFixed(2)}× | |`,
    );
  }
}
