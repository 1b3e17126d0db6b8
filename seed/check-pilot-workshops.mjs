#!/usr/bin/env node
// Validates seed/pilot-workshops.json against Annex 1 (seed/annex1-station-targets.json).
// Usage: node seed/check-pilot-workshops.mjs [path/to/pilot-workshops.json]
// Plain Node, no dependencies. Exits 1 and lists every problem found, 0 when valid.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dataPath = process.argv[2] ?? join(here, "pilot-workshops.json");
const annexPath = join(here, "annex1-station-targets.json");

const CATEGORIES = ["肉制品", "水产品", "豆制品", "糕点", "熟食", "粉皮", "面制品", "调味品", "酒类", "煎饼"];
const RISK_LEVELS = ["high", "medium", "low"];
const CAMERA_AREAS = ["加工车间", "原料库", "冷库", "洗消间", "包装间", "成品库", "更衣室"];
const STATION_TOWNS = {
  明水所: "明水街道",
  双山所: "双山街道",
  刁镇所: "刁镇",
  绣惠所: "绣惠街道",
  埠村所: "埠村街道",
  普集所: "普集街道",
  相公所: "相公庄街道",
  枣园所: "枣园街道",
  宁家埠所: "宁家埠街道",
  龙山所: "龙山街道",
  圣井所: "圣井街道",
  官庄所: "官庄街道",
  白云湖所: "白云湖街道",
  文祖所: "文祖街道",
  曹范所: "曹范街道",
  高官寨所: "高官寨街道",
  垛庄所: "垛庄镇",
  黄河所: "黄河街道",
};
const DEMO_MIN = 3,
  DEMO_MAX = 5,
  CAMERAS_MIN = 1,
  CAMERAS_MAX = 3,
  EMP_MIN = 2,
  EMP_MAX = 15;
const LICENCE_RE = /^鲁食小作坊登字370181\d{4}号$/;
const PHONE_RE = /^1[358]\d{9}$/;
const TIME_RE = /^([01]\d|2[0-3]):[0-5]\d$/;

const errors = [];
const fail = (msg) => errors.push(msg);

function load(path) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    console.error(`check-pilot-workshops: cannot read ${path}: ${e.message}`);
    process.exit(2);
  }
}

const annex = load(annexPath);
const data = load(dataPath);

const stations = new Map(annex.stations.map((s) => [s.name, s]));
for (const name of stations.keys()) {
  if (!STATION_TOWNS[name]) fail(`annex1 station ${name} has no town mapping in the checker`);
}

if (typeof data.source !== "string" || !data.source.trim())
  fail(`top-level "source" must be a non-empty string`);
if (!Array.isArray(data.workshops)) {
  console.error(`check-pilot-workshops: "workshops" must be an array`);
  process.exit(1);
}

const seen = { key: new Set(), licenceNo: new Set(), name: new Set(), phone: new Set() };
const perStation = new Map();
const demoStations = [];

/** Required strings, unique fields. */
function checkFields(w, at) {
  for (const f of [
    "key",
    "station",
    "name",
    "category",
    "riskLevel",
    "licenceNo",
    "address",
    "operator",
    "phone",
  ]) {
    if (typeof w[f] !== "string" || !w[f].trim()) fail(`${at}: "${f}" must be a non-empty string`);
  }
  for (const f of ["key", "licenceNo", "name", "phone"]) {
    if (typeof w[f] !== "string") continue;
    if (seen[f].has(w[f])) fail(`${at}: duplicate ${f} "${w[f]}"`);
    seen[f].add(w[f]);
  }
}

/** The station exists in Annex 1; the key, address and name follow it. */
function checkStation(w, at) {
  const station = stations.get(w.station);
  if (!station) {
    fail(`${at}: unknown station "${w.station}" (not in annex1)`);
    return;
  }
  const list = perStation.get(w.station) ?? [];
  list.push(w);
  perStation.set(w.station, list);
  const prefix = station.pinyin.toLowerCase();
  if (typeof w.key === "string" && !new RegExp(`^${prefix}-\\d{2}$`).test(w.key)) {
    fail(`${at}: key must be "${prefix}-NN" for ${w.station}`);
  }
  const town = STATION_TOWNS[w.station];
  if (typeof w.address === "string" && !w.address.startsWith(`济南市章丘区${town}`)) {
    fail(`${at}: address must start with "济南市章丘区${town}"`);
  }
  if (typeof w.name === "string" && !w.name.includes(town))
    fail(`${at}: name should contain the town "${town}"`);
}

/** Enumerations, flags, formats and ranges. */
function checkValues(w, at) {
  if (!CATEGORIES.includes(w.category))
    fail(`${at}: category "${w.category}" not one of ${CATEGORIES.join("/")}`);
  if (!RISK_LEVELS.includes(w.riskLevel))
    fail(`${at}: riskLevel "${w.riskLevel}" not one of ${RISK_LEVELS.join("/")}`);
  if (typeof w.coldChain !== "boolean") fail(`${at}: coldChain must be boolean`);
  if (typeof w.demoSite !== "boolean") fail(`${at}: demoSite must be boolean`);
  if (typeof w.licenceNo === "string" && !LICENCE_RE.test(w.licenceNo)) {
    fail(`${at}: licenceNo "${w.licenceNo}" must match 鲁食小作坊登字370181NNNN号`);
  }
  if (typeof w.phone === "string" && !PHONE_RE.test(w.phone))
    fail(`${at}: phone "${w.phone}" must be 11 digits starting 13/15/18`);
  if (!Number.isInteger(w.employees) || w.employees < EMP_MIN || w.employees > EMP_MAX) {
    fail(`${at}: employees must be an integer ${EMP_MIN}..${EMP_MAX}`);
  }
  const wh = w.workingHours;
  if (!wh || !TIME_RE.test(wh.start ?? "") || !TIME_RE.test(wh.end ?? "")) {
    fail(`${at}: workingHours.start/end must be "HH:MM"`);
  } else if (wh.start >= wh.end) {
    fail(`${at}: workingHours.start ${wh.start} must be before end ${wh.end}`);
  }
}

/** The cameras: count, names, areas, which may be public, and the areas a workshop needs. */
function checkCameras(w, at) {
  const cams = Array.isArray(w.cameras) ? w.cameras : [];
  if (!Array.isArray(w.cameras) || cams.length < CAMERAS_MIN || cams.length > CAMERAS_MAX) {
    fail(`${at}: must have ${CAMERAS_MIN}..${CAMERAS_MAX} cameras (has ${cams.length})`);
  }
  const camNames = new Set();
  cams.forEach((c, j) => {
    const cat = `${at} cameras[${j}]`;
    if (typeof c?.name !== "string" || !c.name.trim()) {
      fail(`${cat}: name must be a non-empty string`);
      return;
    }
    if (camNames.has(c.name)) fail(`${cat}: duplicate camera name "${c.name}" in workshop`);
    camNames.add(c.name);
    if (!CAMERA_AREAS.includes(c.area)) fail(`${cat}: area "${c.area}" not one of ${CAMERA_AREAS.join("/")}`);
    if (typeof c.public !== "boolean") fail(`${cat}: public must be boolean`);
    if (c.public === true && !(w.demoSite === true && c.area === "加工车间")) {
      fail(`${cat}: only a demo site's 加工车间 camera may be public`);
    }
  });
  if (!cams.some((c) => c && c.area === "加工车间")) fail(`${at}: needs a 加工车间 camera`);
  if (w.coldChain === true && !cams.some((c) => c && c.area === "冷库"))
    fail(`${at}: cold-chain workshop needs a 冷库 camera`);
  if (w.demoSite === true) {
    demoStations.push(w.station);
    if (!cams.some((c) => c && c.area === "加工车间" && c.public === true)) {
      fail(`${at}: demo site needs a public 加工车间 camera`);
    }
  }
}

data.workshops.forEach((w, i) => {
  const at = `workshops[${i}]${w?.key ? ` (${w.key})` : ""}`;
  if (!w || typeof w !== "object") {
    fail(`${at}: not an object`);
    return;
  }
  checkFields(w, at);
  checkStation(w, at);
  checkValues(w, at);
  checkCameras(w, at);
});

// Per-station counts must equal Annex 1, and keys must run 01..N within each station.
for (const [name, s] of stations) {
  const want = s.targets2022.videoSupervisionPilots;
  const list = perStation.get(name) ?? [];
  if (list.length !== want)
    fail(`${name}: ${list.length} workshops, Annex 1 videoSupervisionPilots says ${want}`);
  const prefix = s.pinyin.toLowerCase();
  const keys = list.map((w) => w.key).sort();
  const expected = Array.from(
    { length: list.length },
    (_, k) => `${prefix}-${String(k + 1).padStart(2, "0")}`,
  );
  if (keys.join() !== expected.join())
    fail(`${name}: keys ${keys.join(",")} should be ${expected.join(",")}`);
}
const total = annex.totals.videoSupervisionPilots;
if (data.workshops.length !== total)
  fail(`total ${data.workshops.length} workshops, Annex 1 total is ${total}`);

if (demoStations.length < DEMO_MIN || demoStations.length > DEMO_MAX) {
  fail(`${demoStations.length} demo sites, expected ${DEMO_MIN}..${DEMO_MAX}`);
}
if (new Set(demoStations).size !== demoStations.length)
  fail(`demo sites must be at different stations (${demoStations.join(",")})`);

if (errors.length) {
  console.error(`check-pilot-workshops: ${errors.length} problem(s) in ${dataPath}:`);
  for (const e of errors) console.error(`  - ${e}`);
  process.exit(1);
}

const cameras = data.workshops.reduce((n, w) => n + w.cameras.length, 0);
const cold = data.workshops.filter((w) => w.coldChain).length;
const demo = data.workshops.filter((w) => w.demoSite).map((w) => w.key);
console.log(
  `check-pilot-workshops: OK — ${data.workshops.length} workshops over ${perStation.size} stations (match Annex 1), ` +
    `${cameras} cameras, ${cold} cold-chain, demo sites: ${demo.join(", ")}`,
);
