/**
 * Demo data for the plan's other targets, so that the dashboard is not empty: the pilot workshops that are
 * demonstration sites hold a demonstration title (one batch decision of 2022), and two stations have held
 * an industry-association activity. Kept small and below every station's target. Idempotent: a title is
 * filled only where the workshop has none, an activity is matched by station, day and title.
 */
import type { Transaction } from "kysely";
import type { Database } from "../schema.js";
import type { PilotWorkshop } from "./seed.js";

/** The batch decision naming the 2022 demonstration workshops (fictional but plausible). */
export const DEMO_DECISION = { ref: "章市监管字〔2022〕58号", awardedOn: "2022-09-28" } as const;

interface DemoActivity {
  station: string;
  heldOn: string;
  title: string;
  participants: number;
  summary: string;
}

export const DEMO_ACTIVITIES: DemoActivity[] = [
  {
    station: "明水所",
    heldOn: "2022-06-16",
    title: "明水街道糕点小作坊食品安全培训会",
    participants: 36,
    summary:
      "行业协会组织辖区糕点小作坊负责人学习《山东省食品小作坊小餐饮和食品摊点管理条例》，监管所讲解原料进货查验和生产过程控制要求。",
  },
  {
    station: "双山所",
    heldOn: "2022-08-25",
    title: "豆制品行业“透明车间”观摩交流会",
    participants: 28,
    summary: "组织会员作坊到示范作坊观摩明厨亮灶和视频监控建设，交流卫生管理和设备清洗消毒经验。",
  },
];

/** Titles on the demonstration sites, then the activities; returns how many of each the data now holds. */
export async function seedPlanDemo(
  trx: Transaction<Database>,
  pilots: PilotWorkshop[],
  stationByName: Map<string, number>,
): Promise<{ demonstrations: number; activities: number }> {
  const sites = pilots.filter((w) => w.demoSite).map((w) => w.licenceNo);
  if (sites.length > 0) {
    await trx
      .updateTable("workshops")
      .set({
        demonstration_level: "demonstration",
        demonstration_awarded_on: DEMO_DECISION.awardedOn,
        demonstration_decision_ref: DEMO_DECISION.ref,
      })
      .where("licence_no", "in", sites)
      .where("demonstration_level", "is", null)
      .execute();
  }
  for (const a of DEMO_ACTIVITIES) {
    const stationId = stationByName.get(a.station);
    if (stationId === undefined) throw new Error(`demo activity: unknown station ${a.station}`);
    const exists = await trx
      .selectFrom("association_activities")
      .select("id")
      .where("station_id", "=", stationId)
      .where("held_on", "=", a.heldOn)
      .where("title", "=", a.title)
      .executeTakeFirst();
    if (exists) continue;
    await trx
      .insertInto("association_activities")
      .values({
        station_id: stationId,
        held_on: a.heldOn,
        title: a.title,
        participants: a.participants,
        summary: a.summary,
      })
      .execute();
  }
  return { demonstrations: sites.length, activities: DEMO_ACTIVITIES.length };
}
