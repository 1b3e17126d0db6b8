/**
 * `case.html` of a case's archive: the case's record as one standalone printable page in Chinese (A4 print
 * CSS, no external resource, no script). Links and images point at the archive's own files by relative
 * path, so the page works where the archive was unzipped. Pure: data in, text out.
 */
import {
  alertStatusLabel,
  CASE_OUTCOME_LABELS,
  CASE_STATE_LABELS,
  type CaseOutcome,
  type CaseState,
  GRADE_LABELS_ZH,
  violationLabel,
} from "@mingfang/core";
import type { CaseRow } from "./case.repository.js";
import { beijing, MISSING_REASON_ZH, type MissingFile } from "./case-archive.files.js";
import type { ArchiveAlertRow } from "./case-archive.repository.js";

export interface CaseEventRow {
  at: Date;
  actor_name: string | null;
  kind: string;
  from_state: string | null;
  to_state: string | null;
  note: string | null;
  data: unknown;
}

/** A file of the archive as the page shows it. */
export interface PageFile {
  path: string;
  kind: string;
  bytes: number;
  description: string;
  alertId?: string;
  attachmentId?: string;
}

export interface CasePageData {
  c: CaseRow;
  events: CaseEventRow[];
  alerts: ArchiveAlertRow[];
  files: PageFile[];
  missing: MissingFile[];
  generatedAt: Date;
  generatedBy: string;
}

const EVENT_LABELS: Record<string, string> = {
  opened: "立案",
  dispatch: "派单",
  check_in: "到场签到",
  order_rectification: "责令整改",
  submit_rectification: "提交整改",
  return_rectification: "退回整改",
  review: "复核",
  close: "结案",
  note: "备注",
  photo: "上传照片",
  overdue: "超期提醒",
  assigned_brigade: "移交执法大队",
  unassigned_brigade: "收回执法大队移交",
};

/** Rows whose notes are the rectification's text (the order, the workshop's report, the review). */
const RECTIFICATION_KINDS = new Set([
  "order_rectification",
  "submit_rectification",
  "return_rectification",
  "review",
]);

export function esc(s: string | number | null | undefined): string {
  return String(s ?? "").replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!,
  );
}

const stateLabel = (s: string | null) => (s ? (CASE_STATE_LABELS[s as CaseState] ?? s) : "");

function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

const STYLE = `
@page { size: A4; margin: 15mm 14mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "SimSun", sans-serif;
  font-size: 10.5pt; line-height: 1.5; color: #111; margin: 0 auto; max-width: 182mm; padding: 8mm 0; }
h1 { font-size: 17pt; text-align: center; margin: 0 0 2mm; }
.sub { text-align: center; color: #444; margin: 0 0 5mm; }
h2 { font-size: 12.5pt; border-bottom: 1.5pt solid #333; padding-bottom: 1mm; margin: 6mm 0 3mm; }
h3 { font-size: 11pt; margin: 0 0 2mm; }
table { width: 100%; border-collapse: collapse; margin-bottom: 3mm; }
.when { white-space: nowrap; }
.cmd { font-family: ui-monospace, "DejaVu Sans Mono", monospace; white-space: nowrap; }
th, td { border: 0.5pt solid #777; padding: 1.2mm 2mm; text-align: left; vertical-align: top; }
th { background: #f0f0f0; white-space: nowrap; font-weight: 600; }
.kv th { width: 28mm; }
.pre { white-space: pre-wrap; }
.alert, .photo { border: 0.5pt solid #999; padding: 3mm; margin-bottom: 3mm; page-break-inside: avoid; break-inside: avoid; }
.alert img, .photo img { display: block; max-width: 100%; max-height: 95mm; margin: 2mm 0; }
.imgs { display: flex; gap: 3mm; flex-wrap: wrap; }
.imgs figure { margin: 0; flex: 0 1 88mm; }
figcaption, .muted { color: #555; font-size: 9pt; }
.missing { color: #a00; }
.mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 8pt; word-break: break-all; }
a { color: #0645ad; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; break-inside: avoid; }
@media print { a { color: inherit; text-decoration: none; } body { padding: 0; } }
`;

function summary(d: CasePageData): string {
  const { c } = d;
  const row = (k: string, v: string) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`;
  const outcome = c.outcome ? (CASE_OUTCOME_LABELS[c.outcome as CaseOutcome] ?? c.outcome) : "—";
  return `<table class="kv">
${row("案件编号", esc(c.code))}
${row("案件名称", esc(c.title))}
${row("监管所", esc(c.station_name))}
${row("小作坊", esc(c.workshop_name ?? "—"))}
${row("来源", c.source === "alert" ? "视频预警" : "人工登记")}
${row("当前状态", esc(stateLabel(c.state)))}
${row("移交执法大队", c.assigned_brigade ? "是" : "否")}
${row("立案时间", beijing(c.created_at))}
${row("整改期限", beijing(c.rectification_due_at))}
${row("结案时间", beijing(c.closed_at))}
${row("处理结果", esc(outcome))}
${c.description ? row("情况说明", `<span class="pre">${esc(c.description)}</span>`) : ""}
</table>`;
}

function timeline(d: CasePageData): string {
  const photoOf = (e: CaseEventRow) => {
    const id = (e.data as { attachmentId?: unknown } | null)?.attachmentId;
    const f = e.kind === "photo" ? d.files.find((x) => x.attachmentId === id) : undefined;
    return f ? `<a href="${esc(f.path)}">${esc(f.path)}</a>` : "";
  };
  const rows = d.events.map((e) => {
    const change =
      e.from_state || e.to_state ? `${esc(stateLabel(e.from_state))} → ${esc(stateLabel(e.to_state))}` : "";
    return `<tr><td class="when">${beijing(e.at)}</td><td class="when">${esc(EVENT_LABELS[e.kind] ?? e.kind)}</td><td>${change}</td><td>${esc(e.actor_name ?? "系统")}</td><td class="pre">${esc(e.note)}${photoOf(e)}</td></tr>`;
  });
  return `<h2>办理过程</h2>
<table><thead><tr><th>时间</th><th>环节</th><th>状态变化</th><th>操作人</th><th>说明</th></tr></thead>
<tbody>${rows.join("\n") || '<tr><td colspan="5">无记录</td></tr>'}</tbody></table>`;
}

function rectification(d: CasePageData): string {
  const rows = d.events.filter((e) => RECTIFICATION_KINDS.has(e.kind) && e.note);
  if (!rows.length) return `<h2>整改情况</h2><p class="muted">无整改文字记录。</p>`;
  const items = rows.map(
    (e) =>
      `<tr><th>${esc(EVENT_LABELS[e.kind] ?? e.kind)}<br><span class="muted">${beijing(e.at)} ${esc(e.actor_name ?? "")}</span></th><td class="pre">${esc(e.note)}</td></tr>`,
  );
  return `<h2>整改情况</h2><table class="kv">${items.join("\n")}</table>`;
}

function missingLine(m: MissingFile): string {
  const shown = m.reason === "hash_mismatch" || m.reason === "clip_failed" || m.reason === "clip_missing";
  const detail = m.detail && shown ? `（${esc(m.detail)}）` : "";
  return `<p class="missing">${esc(m.path)}：${esc(MISSING_REASON_ZH[m.reason])}${detail}</p>`;
}

function alertBlock(d: CasePageData, a: ArchiveAlertRow, i: number): string {
  const files = d.files.filter((f) => f.alertId === a.id);
  const file = (kind: string) => files.find((f) => f.kind === kind);
  const imgs = ["evidence", "frame"]
    .map((k) => file(k))
    .filter((f) => f !== undefined)
    .map(
      (f) =>
        `<figure><img src="${esc(f.path)}" alt="${esc(f.description)}"><figcaption>${esc(f.description)} · <a href="${esc(f.path)}">${esc(f.path)}</a></figcaption></figure>`,
    );
  const clip = file("clip");
  const clipLine = clip
    ? `<p>视频片段：<a href="${esc(clip.path)}">${esc(clip.path)}</a>（${sizeText(clip.bytes)}）<span class="muted"> ${esc(clip.description)}</span></p>`
    : "";
  const notes = [a.ack_note && `确认说明：${a.ack_note}`, a.close_note && `处理说明：${a.close_note}`].filter(
    Boolean,
  );
  return `<div class="alert"><h3>预警 ${i + 1}：${esc(violationLabel(a.type))}</h3>
<table class="kv">
<tr><th>发生时间</th><td>${beijing(a.captured_at)}</td></tr>
<tr><th>等级</th><td>${esc(GRADE_LABELS_ZH[a.grade] ?? String(a.grade))}</td></tr>
<tr><th>摄像头</th><td>${esc(a.camera_name)}（${esc(a.camera_area)}）</td></tr>
<tr><th>预警状态</th><td>${esc(alertStatusLabel(a.status))}，置信度 ${(a.confidence * 100).toFixed(0)}%</td></tr>
<tr><th>预警编号</th><td class="mono">${esc(a.id)}</td></tr>
${notes.map((n) => `<tr><th>说明</th><td class="pre">${esc(n)}</td></tr>`).join("")}
</table>
${imgs.length ? `<div class="imgs">${imgs.join("")}</div>` : ""}
${clipLine}
${d.missing
  .filter((m) => m.alertId === a.id)
  .map(missingLine)
  .join("")}
</div>`;
}

function photos(d: CasePageData): string {
  const list = d.files.filter((f) => f.kind === "photo");
  const missing = d.missing.filter((m) => m.kind === "photo");
  if (!list.length && !missing.length) return `<h2>现场及整改照片</h2><p class="muted">无照片。</p>`;
  const items = list.map(
    (f) =>
      `<div class="photo"><img src="${esc(f.path)}" alt="${esc(f.description)}"><p class="muted">${esc(f.description)} · <a href="${esc(f.path)}">${esc(f.path)}</a></p></div>`,
  );
  return `<h2>现场及整改照片</h2>${items.join("\n")}${missing.map(missingLine).join("")}`;
}

function fileList(d: CasePageData): string {
  const rows = d.files.map(
    (f) =>
      `<tr><td class="mono"><a href="${esc(f.path)}">${esc(f.path)}</a></td><td>${esc(f.description)}</td><td class="when">${sizeText(f.bytes)}</td></tr>`,
  );
  return `<h2>案卷文件</h2>
<p class="muted">每个文件的 SHA-256 见 manifest.json 与 SHA256SUMS；核验：<span class="cmd">mingfang verify-archive 案卷.zip</span>，或在解压目录中执行 <span class="cmd">sha256sum -c SHA256SUMS</span>。</p>
<table><thead><tr><th>文件</th><th>内容</th><th>大小</th></tr></thead><tbody>${rows.join("\n")}</tbody></table>
${d.missing.length ? `<h3>未能收入的文件</h3>${d.missing.map(missingLine).join("")}` : ""}`;
}

/** The whole page. */
export function renderCasePage(d: CasePageData): string {
  const { c } = d;
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>案卷 ${esc(c.code)} ${esc(c.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>食品小作坊快速反应案件案卷</h1>
<p class="sub">章丘区市场监督管理局 · 案件编号 ${esc(c.code)}</p>
<h2>案件概况</h2>
${summary(d)}
${timeline(d)}
${rectification(d)}
<h2>关联预警（${d.alerts.length}）</h2>
${d.alerts.map((a, i) => alertBlock(d, a, i)).join("\n") || '<p class="muted">无关联预警。</p>'}
${photos(d)}
${fileList(d)}
<p class="muted">生成时间：${beijing(d.generatedAt)}（北京时间） · 生成人：${esc(d.generatedBy)}</p>
</body>
</html>
`;
}
