import type { CameraSpecRecord } from "@mingfang/core";
import type { Db } from "@mingfang/db";

/** The columns of a camera the ingest runs on (the URLs sealed, as stored). */
export class CameraSpecRepository {
  constructor(private readonly db: Db) {}

  private base() {
    return this.db
      .selectFrom("cameras")
      .select(["id", "enabled", "source_url_enc", "sub_url_enc", "analyse"]);
  }

  /** One camera's spec, or undefined when it does not exist. */
  async find(id: number): Promise<CameraSpecRecord | undefined> {
    const row = await this.base().where("id", "=", id).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /** Every camera's spec, by id. */
  async all(): Promise<CameraSpecRecord[]> {
    return (await this.base().orderBy("id").execute()).map(toRecord);
  }
}

function toRecord(r: {
  id: number;
  enabled: boolean;
  source_url_enc: string | null;
  sub_url_enc: string | null;
  analyse: boolean;
}): CameraSpecRecord {
  return {
    id: r.id,
    enabled: r.enabled,
    sourceUrlEnc: r.source_url_enc,
    subUrlEnc: r.sub_url_enc,
    analyse: r.analyse,
  };
}
