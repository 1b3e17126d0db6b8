/** Simplified Chinese labels of violation types, alert states and grades, for files, ledgers and the console. */

export const VIOLATION_LABELS_ZH: Record<string, string> = {
  no_hat: "未戴工作帽",
  no_gloves: "未戴手套",
  unclean_area: "区域不洁",
  no_mask: "未戴口罩",
  smoking: "吸烟",
  phone_use: "使用手机",
  rodent: "鼠患",
  uncovered_bin: "垃圾桶未加盖",
  no_work_clothes: "未穿工作服",
  camera_offline: "摄像头离线",
  camera_covered: "摄像头遮挡",
  camera_moved: "摄像头移位",
  camera_defocused: "摄像头失焦",
};

export const ALERT_STATUS_LABELS_ZH: Record<string, string> = {
  new: "待处理",
  acknowledged: "已确认",
  false_positive: "误报",
  case_opened: "已立案",
  resolved: "已处理",
};

export const GRADE_LABELS_ZH: Record<number, string> = {
  1: "一级（立即处置）",
  2: "二级",
  3: "三级（常规）",
};

export const violationLabel = (type: string) => VIOLATION_LABELS_ZH[type] ?? type;
export const alertStatusLabel = (s: string) => ALERT_STATUS_LABELS_ZH[s] ?? s;
