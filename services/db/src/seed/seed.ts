/**
 * Seed data from the user's plan: the 18 stations of Annex 1 with their 2022 targets, the 42 pilot
 * workshops and their cameras, the plan's demo titles and activities (plan-demo.ts), the first admin and
 * the demo users. Idempotent: running it twice changes nothing (rows are matched by station code, licence
 * number, camera name, username, and an activity's station, day and title).
 */

import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { encrypt, maskCameraUrl, type RiskLevel, type Role } from "@mingfang/core";
import type { Transaction } from "kysely";
import { hashPassword } from "../auth/password.js";
import type { Db } from "../database.js";
import type { Database } from "../schema.js";
import { seedPlanDemo } from "./plan-demo.js";

export interface AnnexStation {
  name: string;
  pinyin: string;
  targets2022: {
    demonstrationWorkshops: number;
    upgradedToEnterprises: number;
    videoSupervisionPilots: number;
    industryAssociationActivities: number;
  };
}

export interface PilotWorkshop {
  key: string;
  station: string;
  name: string;
  category: string;
  riskLevel: RiskLevel;
  coldChain: boolean;
  demoSite: boolean;
  licenceNo: string;
  address: string;
  operator: string;
  phone: string;
  employees: number;
  workingHours: { start: string; end: string };
  cameras: { name: string; area: string; public: boolean }[];
}

const SEED_DIR = new URL("../../../../seed/", import.meta.url);

export function readAnnex1(): AnnexStation[] {
  const j = JSON.parse(readFileSync(new URL("annex1-station-targets.json", SEED_DIR), "utf8"));
  return j.stations as AnnexStation[];
}

export function readPilotWorkshops(): PilotWorkshop[] {
  const j = JSON.parse(readFileSync(new URL("pilot-workshops.json", SEED_DIR), "utf8"));
  return j.workshops as PilotWorkshop[];
}

/** The simulator's name for a seeded camera: `<workshop key>-<camera number>`, e.g. `mingshui-01-1`. */
export function simulatorKey(workshopKey: string, cameraIndex: number): string {
  return `${workshopKey}-${cameraIndex + 1}`;
}

export function stationCode(pinyin: string): string {
  return pinyin.toLowerCase();
}

export interface SeedOptions {
  /** Key for sealing camera credentials (Keyring.credentials). */
  credentialsKey: Buffer;
  /** Base of the simulated cameras' RTSP URLs. */
  simulatorRtspBase?: string;
  progress?: (msg: string) => void;
}

export interface SeedResult {
  stations: number;
  workshops: number;
  cameras: number;
}

export async function seedReferenceData(db: Db, opts: SeedOptions): Promise<SeedResult> {
  const annex = readAnnex1();
  const pilots = readPilotWorkshops();
  const base = opts.simulatorRtspBase ?? "rtsp://127.0.0.1:8554";
  return db.transaction().execute(async (trx) => {
    const stationByName = await seedStations(trx, annex);
    opts.progress?.(`stations: ${annex.length}`);
    let cameraCount = 0;
    for (const w of pilots) {
      const stationId = stationByName.get(w.station);
      if (stationId === undefined) throw new Error(`pilot workshop ${w.key}: unknown station ${w.station}`);
      const workshopId = await seedWorkshop(trx, w, stationId);
      cameraCount += await seedCameras(trx, w, workshopId, base, opts.credentialsKey);
    }
    opts.progress?.(`pilot workshops: ${pilots.length}, cameras: ${cameraCount}`);
    const plan = await seedPlanDemo(trx, pilots, stationByName);
    opts.progress?.(
      `demonstration workshops: ${plan.demonstrations}, association activities: ${plan.activities}`,
    );
    return { stations: annex.length, workshops: pilots.length, cameras: cameraCount };
  });
}

/** The stations of Annex 1 (their targets updated when they exist); returns station name → id. */
async function seedStations(trx: Transaction<Database>, annex: AnnexStation[]): Promise<Map<string, number>> {
  for (const s of annex) {
    const row = {
      code: stationCode(s.pinyin),
      name: s.name,
      pinyin: s.pinyin,
      target_demonstration_workshops: s.targets2022.demonstrationWorkshops,
      target_upgraded_to_enterprises: s.targets2022.upgradedToEnterprises,
      target_video_supervision_pilots: s.targets2022.videoSupervisionPilots,
      target_industry_association_activities: s.targets2022.industryAssociationActivities,
    };
    await trx
      .insertInto("stations")
      .values(row)
      .onConflict((oc) => oc.column("code").doUpdateSet(row))
      .execute();
  }
  const stations = await trx.selectFrom("stations").select(["id", "name"]).execute();
  return new Map(stations.map((s) => [s.name, s.id]));
}

/** A pilot workshop, matched by licence number (left as it is when it exists); returns its id. */
async function seedWorkshop(
  trx: Transaction<Database>,
  w: PilotWorkshop,
  stationId: number,
): Promise<number> {
  const row = {
    station_id: stationId,
    name: w.name,
    licence_no: w.licenceNo,
    address: w.address,
    category: w.category,
    risk_level: w.riskLevel,
    cold_chain: w.coldChain,
    demo_site: w.demoSite,
    pilot: true,
    operator_name: w.operator,
    phone: w.phone,
    employees: w.employees,
    working_hours: JSON.stringify(w.workingHours),
  };
  const ws = await trx
    .insertInto("workshops")
    .values(row)
    .onConflict((oc) => oc.column("licence_no").doNothing())
    .returning("id")
    .executeTakeFirst();
  return (
    ws?.id ??
    (
      await trx
        .selectFrom("workshops")
        .select("id")
        .where("licence_no", "=", w.licenceNo)
        .executeTakeFirstOrThrow()
    ).id
  );
}

/** A pilot workshop's cameras, matched by name (an existing one is left alone); returns how many it has. */
async function seedCameras(
  trx: Transaction<Database>,
  w: PilotWorkshop,
  workshopId: number,
  base: string,
  credentialsKey: Buffer,
): Promise<number> {
  let cameraCount = 0;
  for (const [i, c] of w.cameras.entries()) {
    const exists = await trx
      .selectFrom("cameras")
      .select("id")
      .where("workshop_id", "=", workshopId)
      .where("name", "=", c.name)
      .executeTakeFirst();
    cameraCount++;
    if (exists) continue;
    // Each simulated camera has its own credentials, sealed like a real camera's. The simulator serves
    // /<key>/main and /<key>/sub with key <workshop key>-<camera number>.
    const root = `${base.replace("://", `://admin:${randomBytes(6).toString("hex")}@`)}/${simulatorKey(w.key, i)}`;
    const url = `${root}/main`;
    const sub = `${root}/sub`;
    await trx
      .insertInto("cameras")
      .values({
        workshop_id: workshopId,
        name: c.name,
        area: c.area,
        source_url_enc: encrypt(credentialsKey, url),
        source_url_masked: maskCameraUrl(url),
        sub_url_enc: encrypt(credentialsKey, sub),
        sub_url_masked: maskCameraUrl(sub),
        public: c.public,
        detect_profile: "sub",
        record_profile: "main",
      })
      .execute();
  }
  return cameraCount;
}

/** Create the first admin when there is no bureau_admin yet. Returns the password only when it made one up. */
export async function ensureAdmin(
  db: Db,
  configuredPassword: string | undefined,
): Promise<{ created: boolean; generatedPassword?: string }> {
  const existing = await db
    .selectFrom("users")
    .select("id")
    .where("role", "=", "bureau_admin")
    .limit(1)
    .executeTakeFirst();
  if (existing) return { created: false };
  const generated = configuredPassword ? undefined : randomBytes(12).toString("base64url");
  const password = configuredPassword ?? generated!;
  const inserted = await db
    .insertInto("users")
    .values({
      username: "admin",
      display_name: "系统管理员",
      password_hash: await hashPassword(password),
      role: "bureau_admin",
      station_id: null,
    })
    .onConflict((oc) => oc.column("username").doNothing())
    .returning("id")
    .executeTakeFirst();
  // Another process starting on the same empty database made it first (or a user `admin` exists):
  // its password, not ours, is the one that works, so there is nothing to print.
  if (!inserted) return { created: false };
  return generated ? { created: true, generatedPassword: generated } : { created: true };
}

export interface DemoUser {
  username: string;
  displayName: string;
  role: Role;
  stationCode: string | null;
}

export function demoUsers(annex = readAnnex1()): DemoUser[] {
  const out: DemoUser[] = [];
  for (const s of annex) {
    const code = stationCode(s.pinyin);
    out.push({
      username: `${code}.staff`,
      displayName: `${s.name}监管员`,
      role: "station_staff",
      stationCode: code,
    });
    out.push({
      username: `${code}.duty`,
      displayName: `${s.name}值班员`,
      role: "duty_officer",
      stationCode: code,
    });
  }
  out.push({ username: "brigade", displayName: "执法大队", role: "brigade_officer", stationCode: null });
  return out;
}

/** Demo users (per station staff and duty officer, and the brigade), all with the demo password. */
export async function seedDemoUsers(db: Db, password: string): Promise<number> {
  const stations = await db.selectFrom("stations").select(["id", "code"]).execute();
  const byCode = new Map(stations.map((s) => [s.code, s.id]));
  const existing = new Set(
    (await db.selectFrom("users").select("username").execute()).map((u) => u.username),
  );
  let created = 0;
  for (const u of demoUsers()) {
    if (existing.has(u.username)) continue;
    await db
      .insertInto("users")
      .values({
        username: u.username,
        display_name: u.displayName,
        password_hash: await hashPassword(password),
        role: u.role,
        station_id: u.stationCode ? (byCode.get(u.stationCode) ?? null) : null,
      })
      .execute();
    created++;
  }
  return created;
}
