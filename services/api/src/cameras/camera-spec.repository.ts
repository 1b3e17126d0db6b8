import type { CameraSpecRecord } from "@mingfang/core";
import type { Db } from "@mingfang/db";
import { parseJson } from "../views.js";

/**
 * The columns of a camera the ingest runs on (the URLs sealed, as stored), and the privacy masks it must
 * blur into a public output: only those of a public, enabled camera of a demonstration site.
 */
export class CameraSpecRepository {
  constructor(private readonly db: Db) {}

  private base() {
    return this.db
      .selectFrom("cameras as c")
      .innerJoin("workshops as w", "w.id", "c.workshop_id")
      .select([
        "c.id",
        "c.enabled",
        "c.source_url_enc",
        "c.sub_url_enc",
        "c.analyse",
        "c.public",
        "c.privacy_masks",
        "w.demo_site",
      ]);
  }

  /** One camera's spec, or undefined when it does not exist. */
  async find(id: number): Promise<CameraSpecRecord | undefined> {
    const row = await this.base().where("c.id", "=", id).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /** Every camera's spec, by id. */
  async all(): Promise<CameraSpecRecord[]> {
    return (await this.base().orderBy("c.id").execute()).map(toRecord);
  }

  /** The ids of a workshop's cameras (their specs follow the workshop's demo_site). */
  async idsOfWorkshop(workshopId: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom("cameras")
      .select("id")
      .where("workshop_id", "=", workshopId)
      .orderBy("id")
      .execute();
    return rows.map((r) => r.id);
  }
}

function toRecord(r: {
  id: number;
  enabled: boolean;
  source_url_enc: string | null;
  sub_url_enc: string | null;
  analyse: boolean;
  public: boolean;
  privacy_masks: unknown;
  demo_site: boolean;
}): CameraSpecRecord {
  const masks = parseJson<[number, number][][]>(r.privacy_masks as never, []);
  const applies = r.public && r.enabled && r.demo_site && masks.length > 0;
  return {
    id: r.id,
    enabled: r.enabled,
    sourceUrlEnc: r.source_url_enc,
    subUrlEnc: r.sub_url_enc,
    analyse: r.analyse,
    // Absent (not empty) when none apply: the record of an unmasked camera stays as it was.
    ...(applies ? { privacyMasks: masks } : {}),
  };
}
