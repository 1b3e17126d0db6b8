/**
 * Association activities (协会活动) of a station: who sees them (everyone may read the stations, but a
 * station's own users see only their station's activities: another station's is a 404), who records them
 * (`plan.update`: the station's staff and the bureau), the date rule, and one transaction per change with
 * its audit row. Photos are checked like case photos.
 */
import { randomUUID } from "node:crypto";
import {
  type ActivityBody,
  type ActivityListQuery,
  type ActivityUpdateBody,
  type ListScope,
  type Principal,
  roleNeedsStation,
} from "@mingfang/core";
import type { Db } from "@mingfang/db";
import { type AuditEntry, AuditRepository } from "../audit/audit.repository.js";
import type { PhotoMime } from "../cases/case-photo.store.js";
import { badRequest, notFound } from "../errors.js";
import { checkNotFuture } from "../plan/plan.rules.js";
import type { Actor } from "../plan/plan.service.js";
import { can } from "../plugins/auth.plugin.js";
import { StationRepository } from "../stations/station.repository.js";
import { ActivityRepository, type ActivityRow, type Exec } from "./activity.repository.js";
import type { ActivityPhotoStore } from "./activity-photo.store.js";

/** Everyone reads activities (`station.read`); a station's own users only their station's. */
export function activityScope(user: Principal): ListScope {
  can(user, "station.read", "activity");
  if (!roleNeedsStation(user.role)) return { kind: "all" };
  return user.stationId === null ? { kind: "none" } : { kind: "stations", ids: [user.stationId] };
}

function visible(user: Principal, a: ActivityRow | undefined): ActivityRow {
  const scope = activityScope(user);
  if (!a || (scope.kind !== "all" && !(scope.kind === "stations" && scope.ids.includes(a.station_id))))
    throw notFound("activity");
  return a;
}

/** The audited fields of an activity, as the API names them. */
function snapshot(a: ActivityRow) {
  return { heldOn: a.held_on, title: a.title, participants: a.participants, summary: a.summary };
}

export class ActivityService {
  readonly repo = new ActivityRepository();
  private readonly stations: StationRepository;

  constructor(
    private readonly db: Db,
    private readonly photos: ActivityPhotoStore,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.stations = new StationRepository(db);
  }

  async list(user: Principal, q: ActivityListQuery) {
    const scope = activityScope(user);
    if (q.from && q.to && q.from > q.to) throw badRequest("from", "querystring: 'from' is after 'to'");
    const { items, total } = await this.repo.list(this.db, q, scope);
    const photos = await this.repo.photos(
      this.db,
      items.map((a) => a.id),
    );
    return { items, photos, total };
  }

  /** The activity and its photos, or a 404 when the user may not see it. */
  async load(user: Principal, id: number) {
    const a = visible(user, await this.repo.find(this.db, id));
    return { activity: a, photos: await this.repo.photos(this.db, [a.id]) };
  }

  async create(actor: Actor, b: ActivityBody): Promise<number> {
    can(actor.user, "plan.update", "station", { stationId: b.stationId });
    checkNotFuture("heldOn", b.heldOn, this.now());
    if (!(await this.stations.exists(b.stationId))) throw badRequest("stationId", "body: no such station");
    return this.db.transaction().execute(async (trx) => {
      const id = await this.repo.create(trx, {
        station_id: b.stationId,
        held_on: b.heldOn,
        title: b.title,
        participants: b.participants,
        summary: b.summary ?? "",
        created_by: actor.user.id,
      });
      const created = await this.repo.find(trx, id);
      await this.audit(trx, actor, "activity.create", created!, { after: snapshot(created!) });
      return id;
    });
  }

  async update(actor: Actor, id: number, b: ActivityUpdateBody): Promise<void> {
    if (b.heldOn !== undefined) checkNotFuture("heldOn", b.heldOn, this.now());
    await this.db.transaction().execute(async (trx) => {
      const a = await this.lockForChange(trx, actor.user, id);
      await this.repo.update(trx, id, {
        ...(b.heldOn !== undefined ? { held_on: b.heldOn } : {}),
        ...(b.title !== undefined ? { title: b.title } : {}),
        ...(b.participants !== undefined ? { participants: b.participants } : {}),
        ...(b.summary !== undefined ? { summary: b.summary } : {}),
      });
      const after = snapshot((await this.repo.find(trx, id))!);
      const before = snapshot(a);
      const fields = (Object.keys(before) as (keyof typeof before)[]).filter((k) => before[k] !== after[k]);
      if (fields.length === 0) return;
      const pick = (s: typeof before) => Object.fromEntries(fields.map((k) => [k, s[k]]));
      await this.audit(trx, actor, "activity.update", a, { before: pick(before), after: pick(after) });
    });
  }

  async remove(actor: Actor, id: number): Promise<void> {
    const paths = await this.db.transaction().execute(async (trx) => {
      const a = await this.lockForChange(trx, actor.user, id);
      const photos = await this.repo.photos(trx, [id]);
      await this.repo.delete(trx, id);
      await this.audit(trx, actor, "activity.delete", a, {
        before: { ...snapshot(a), photos: photos.map((p) => p.sha256) },
      });
      return photos.map((p) => p.path);
    });
    await this.removeUnused(paths);
  }

  async addPhoto(
    actor: Actor,
    id: number,
    photo: { bytes: Buffer; mime: PhotoMime; fileName: string | null },
  ) {
    // Check before writing the file: a refused upload leaves nothing on disk.
    const pre = visible(actor.user, await this.repo.find(this.db, id));
    can(actor.user, "plan.update", "activity", { stationId: pre.station_id });
    const saved = await this.photos.save(id, photo.bytes, photo.mime);
    const photoId = randomUUID();
    return this.db.transaction().execute(async (trx) => {
      const a = await this.lockForChange(trx, actor.user, id);
      await this.repo.insertPhoto(trx, {
        id: photoId,
        activity_id: id,
        mime: photo.mime,
        size: photo.bytes.length,
        sha256: saved.sha256,
        path: saved.rel,
        file_name: photo.fileName,
        uploaded_by: actor.user.id,
      });
      const data = { photoId, sha256: saved.sha256, size: photo.bytes.length, mime: photo.mime };
      await this.audit(trx, actor, "activity.photo_add", a, { after: data });
      return (await this.repo.findPhoto(trx, id, photoId))!;
    });
  }

  /** A photo's bytes, checked against its SHA-256 (a file changed on disk is not served). */
  async readPhoto(user: Principal, id: number, photoId: string) {
    visible(user, await this.repo.find(this.db, id));
    const p = await this.repo.findPhoto(this.db, id, photoId);
    if (!p) throw notFound("photo");
    return { mime: p.mime, bytes: await this.photos.read(p.path, p.sha256) };
  }

  async removePhoto(actor: Actor, id: number, photoId: string): Promise<void> {
    const rel = await this.db.transaction().execute(async (trx) => {
      const a = await this.lockForChange(trx, actor.user, id);
      const p = await this.repo.findPhoto(trx, id, photoId);
      if (!p) throw notFound("photo");
      await this.repo.deletePhoto(trx, photoId);
      await this.audit(trx, actor, "activity.photo_delete", a, {
        before: { photoId, sha256: p.sha256, size: p.size, mime: p.mime },
      });
      return p.path;
    });
    await this.removeUnused([rel]);
  }

  /** The activity locked for a change: 404 when the user may not see it, 403 when it may not change it. */
  private async lockForChange(trx: Exec, user: Principal, id: number): Promise<ActivityRow> {
    const a = visible(user, await this.repo.find(trx, id, true));
    can(user, "plan.update", "activity", { stationId: a.station_id });
    return a;
  }

  /** Files no photo row points at any more (the same bytes uploaded twice share one file). */
  private async removeUnused(paths: string[]): Promise<void> {
    for (const rel of new Set(paths)) {
      if ((await this.repo.pathUses(this.db, rel)) === 0) await this.photos.remove(rel);
    }
  }

  private audit(trx: Exec, actor: Actor, action: string, a: ActivityRow, detail: AuditEntry["detail"]) {
    return new AuditRepository(trx as unknown as Db).record({
      actorId: actor.user.id,
      actorUsername: actor.user.username,
      action,
      targetType: "activity",
      targetId: a.id,
      stationId: a.station_id,
      ip: actor.ip,
      detail: { title: a.title, ...detail },
    });
  }
}
