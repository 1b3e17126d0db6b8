/**
 * Citizens' feedback (表扬 / 建议 / 投诉): taken from the public page without an account (rate-limited per
 * address and site, the address kept only as a salted hash), then answered (答复) and closed (办结) by the
 * site's station or the bureau. Each change is one transaction with its audit row and its event (last, as
 * the event bus asks), so a console's inbox and badge update live.
 */
import type { ListScope, Principal, PublicFeedbackBody, PublicFeedbackListQuery } from "@mingfang/core";
import { listScope } from "@mingfang/core";
import type { Db } from "@mingfang/db";
import { AuditRepository } from "../audit/audit.repository.js";
import { conflict, notFound } from "../errors.js";
import type { EventBus } from "../events/event-bus.js";
import type { Actor } from "../plan/plan.service.js";
import { can } from "../plugins/auth.plugin.js";
import { type Exec, PublicFeedbackRepository } from "./public-feedback.repository.js";
import { PublicSiteRepository } from "./public-site.repository.js";

export class PublicFeedbackService {
  private readonly repo = new PublicFeedbackRepository();
  private readonly sites: PublicSiteRepository;

  constructor(
    private readonly db: Db,
    private readonly bus: Pick<EventBus, "transaction" | "publish">,
  ) {
    this.sites = new PublicSiteRepository(db);
  }

  /** The demonstration site a message is for, or 404 (a private workshop looks missing). */
  async siteFor(workshopId: number) {
    const site = await this.sites.site(workshopId);
    if (!site) throw notFound("site");
    return site;
  }

  /** Stores a citizen's message for the site's station and tells the station's consoles. */
  async submit(site: { id: number; station_id: number }, b: PublicFeedbackBody, ipHash: string) {
    const contact = b.contact?.trim() ? b.contact.trim() : null;
    return this.bus.transaction(async (trx) => {
      const row = await this.repo.insert(trx, {
        workshop_id: site.id,
        station_id: site.station_id,
        kind: b.kind,
        body: b.body.trim(),
        contact,
        ip_hash: ipHash,
      });
      await new AuditRepository(trx as unknown as Db).record({
        actorId: null,
        actorUsername: null,
        action: "public_feedback.create",
        targetType: "public_feedback",
        targetId: row.id,
        stationId: site.station_id,
        // The address only as its salted hash, as in the table.
        detail: { workshopId: site.id, kind: b.kind, ipHash },
      });
      await this.bus.publish(trx, "public_feedback.created", site.station_id, {
        id: row.id,
        workshopId: site.id,
        kind: b.kind,
        status: "open",
      });
      return row;
    });
  }

  scope(user: Principal): ListScope {
    can(user, "public_feedback.read", "public feedback");
    return listScope(user, "public_feedback.read");
  }

  list(user: Principal, q: PublicFeedbackListQuery) {
    return this.repo.list(this.db, q, this.scope(user));
  }

  countOpen(user: Principal): Promise<number> {
    return this.repo.countOpen(this.db, this.scope(user));
  }

  async load(user: Principal, id: number) {
    const f = await this.repo.find(this.db, id);
    if (!f) throw notFound("feedback");
    can(user, "public_feedback.read", "feedback", { stationId: f.station_id });
    return f;
  }

  /** 答复: the station's answer (the item stays in the inbox until it is closed). */
  reply(actor: Actor, id: number, reply: string): Promise<void> {
    return this.change(actor, id, "reply", (trx, now) =>
      this.repo.update(trx, id, { reply, status: "answered", handled_by: actor.user.id, answered_at: now }),
    );
  }

  /** 办结: the item is done. */
  close(actor: Actor, id: number): Promise<void> {
    return this.change(actor, id, "close", (trx, now) =>
      this.repo.update(trx, id, { status: "closed", handled_by: actor.user.id, closed_at: now }),
    );
  }

  private async change(
    actor: Actor,
    id: number,
    what: "reply" | "close",
    write: (trx: Exec, now: Date) => Promise<void>,
  ): Promise<void> {
    await this.bus.transaction(async (trx) => {
      const f = await this.repo.lock(trx, id);
      if (!f) throw notFound("feedback");
      can(actor.user, "public_feedback.read", "feedback", { stationId: f.station_id });
      can(actor.user, "public_feedback.handle", "feedback", { stationId: f.station_id });
      if (f.status === "closed") throw conflict("this feedback is already closed");
      await write(trx, new Date());
      const status = what === "close" ? "closed" : "answered";
      await new AuditRepository(trx as unknown as Db).record({
        actorId: actor.user.id,
        actorUsername: actor.user.username,
        action: `public_feedback.${what}`,
        targetType: "public_feedback",
        targetId: id,
        stationId: f.station_id,
        ip: actor.ip,
        detail: { before: { status: f.status }, after: { status } },
      });
      await this.bus.publish(trx, "public_feedback.updated", f.station_id, {
        id,
        workshopId: f.workshop_id,
        kind: f.kind,
        status,
      });
    });
  }
}
