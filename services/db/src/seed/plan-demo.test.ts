/** The plan's demo data: titles on the demonstration sites, a few activities, below every target, idempotent. */

import { deriveKey } from "@mingfang/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDb } from "../../../../test/support/harness.js";
import type { Db } from "../database.js";
import { DEMO_ACTIVITIES, DEMO_DECISION } from "./plan-demo.js";
import { readPilotWorkshops, seedReferenceData } from "./seed.js";

let db: Db;
let close: () => Promise<void>;
const key = deriveKey("k".repeat(40), "credentials");

const titles = () =>
  db
    .selectFrom("workshops")
    .select([
      "licence_no",
      "demonstration_level",
      "demonstration_awarded_on",
      "demonstration_decision_ref",
      "updated_at",
    ])
    .where("demonstration_level", "is not", null)
    .orderBy("licence_no")
    .execute();
const activities = () => db.selectFrom("association_activities").selectAll().orderBy("id").execute();

beforeAll(async () => {
  const t = await openTestDb("pglite");
  db = t.db;
  close = t.close;
  await seedReferenceData(db, { credentialsKey: key });
});
afterAll(() => close());

describe("the plan's demo data", () => {
  it("marks exactly the demonstration sites, with the batch decision of 2022", async () => {
    const sites = readPilotWorkshops()
      .filter((w) => w.demoSite)
      .map((w) => w.licenceNo)
      .sort();
    const rows = await titles();
    expect(rows.map((r) => r.licence_no)).toEqual(sites);
    for (const r of rows) {
      expect(r.demonstration_level).toBe("demonstration");
      expect(r.demonstration_awarded_on).toBe(DEMO_DECISION.awardedOn);
      expect(r.demonstration_decision_ref).toBe(DEMO_DECISION.ref);
    }
  });

  it("records a few activities of 2022, each station below its target", async () => {
    const rows = await db
      .selectFrom("association_activities as a")
      .innerJoin("stations as s", "s.id", "a.station_id")
      .select(["s.name", "a.held_on", "s.target_industry_association_activities as target"])
      .execute();
    expect(rows.length).toBe(DEMO_ACTIVITIES.length);
    const perStation = new Map<string, { n: number; target: number }>();
    for (const r of rows) {
      expect(r.held_on).toMatch(/^2022-\d\d-\d\d$/);
      const s = perStation.get(r.name) ?? { n: 0, target: r.target };
      perStation.set(r.name, { ...s, n: s.n + 1 });
    }
    for (const s of perStation.values()) expect(s.n).toBeLessThan(s.target);
  });

  it("changes nothing when run again, and leaves a title set by hand alone", async () => {
    await db
      .updateTable("workshops")
      .set({ demonstration_level: "outstanding", demonstration_decision_ref: "章市监管字〔2022〕99号" })
      .where("licence_no", "=", readPilotWorkshops().find((w) => w.demoSite)!.licenceNo)
      .execute();
    const [t0, a0] = [await titles(), await activities()];
    await seedReferenceData(db, { credentialsKey: key });
    expect(await titles()).toEqual(t0);
    expect(await activities()).toEqual(a0);
    expect(t0.some((r) => r.demonstration_level === "outstanding")).toBe(true);
  });
});
