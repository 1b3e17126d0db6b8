/**
 * Feedback for the models: GET /api/feedback/dataset.tar.gz — the reviewed alerts of a period as a
 * YOLO-format dataset (core `buildYoloDataset`), streamed as a gzipped tar. Bureau administrators only.
 *
 * Which alerts: those with an evidence frame that a person has judged — marked a false positive, resolved,
 * or in a closed case (a case closed as a false alarm makes its alerts false positives). The image is the
 * frame as the model saw it (undrawn, migration 0007) when the alert has one, else the evidence JPEG with
 * its boxes drawn (older alerts; manifest.json says which, per image: `source`). Every file is read
 * through the evidence store, which checks its SHA-256; one that fails is left out and named in
 * manifest.json under `skipped`.
 */
import path from "node:path";
import { Readable } from "node:stream";
import { createGzip } from "node:zlib";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  buildYoloDataset,
  ErrorBody,
  type FeedbackAlert,
  type FeedbackBox,
  resolveDataDir,
  type YoloDataset,
} from "@mingfang/core";
import { Type } from "typebox";
import { EvidenceStore } from "../alerts/evidence.store.js";
import { AuditRepository } from "../audit/audit.repository.js";
import type { ApiDeps } from "../context.js";
import { badRequest, forbidden } from "../errors.js";
import { currentUser } from "../plugins/auth.plugin.js";
import { FeedbackRepository, type ReviewedAlertRow } from "./feedback.repository.js";
import { TAR_END, tarFile } from "./tar.js";

const DatasetQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: "date-time" })),
    to: Type.Optional(Type.String({ format: "date-time" })),
  },
  { additionalProperties: false },
);

const ROOT = "mingfang-dataset";

export const feedbackRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db, config }) => {
  const evidence = new EvidenceStore(path.join(resolveDataDir(config), "media"));
  const audit = new AuditRepository(db);
  const reviewed = new FeedbackRepository(db);

  app.get(
    "/api/feedback/dataset.tar.gz",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["feedback"],
        summary:
          "Reviewed alerts as a YOLO dataset (images/, labels/, data.yaml, manifest.json), tar.gz; bureau_admin",
        querystring: DatasetQuery,
        response: {
          200: Type.Unsafe<Buffer>({ type: "string", format: "binary" }),
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      if (user.role !== "bureau_admin") throw forbidden("only the bureau exports training data");
      const to = req.query.to ? new Date(req.query.to) : new Date();
      const from = req.query.from ? new Date(req.query.from) : new Date(0);
      if (from.getTime() >= to.getTime()) throw badRequest("from", "querystring: 'from' must be before 'to'");

      const rows = await reviewed.reviewedAlerts(from, to);
      const ds = buildYoloDataset(rows.map(feedbackAlert));
      await audit.record({
        actorId: user.id,
        actorUsername: user.username,
        action: "feedback.export",
        targetType: "dataset",
        ip: req.ip,
        detail: { from: from.toISOString(), to: to.toISOString(), ...ds.counts, classes: ds.classes },
      });
      const stamp = to.toISOString().slice(0, 10);
      const tar = datasetTar(ds, new Map(rows.map((r) => [r.id, r])), evidence);
      return reply
        .header("content-type", "application/gzip")
        .header("content-disposition", `attachment; filename="mingfang-dataset-${stamp}.tar.gz"`)
        .send(Readable.from(tar).pipe(createGzip()) as unknown as Buffer);
    },
  );
};

/** A reviewed alert as the dataset builder takes it: a case closed as a false alarm is a false positive. */
export function feedbackAlert(r: ReviewedAlertRow): FeedbackAlert {
  return {
    id: r.id,
    type: r.type,
    verdict:
      r.status === "false_positive" || r.case_outcome === "false_alarm" ? "false_positive" : "confirmed",
    boxes: ((typeof r.boxes === "string" ? JSON.parse(r.boxes) : r.boxes) ?? []) as FeedbackBox[],
    capturedAt: new Date(r.captured_at).toISOString(),
    cameraId: r.camera_id,
    model: r.model ?? null,
    modelVersion: r.model_version ?? null,
  };
}

/**
 * The dataset as tar entries: each image read through the evidence store (the undrawn frame when there
 * is one), then manifest.json, which names the images left out and the source of each one kept.
 */
async function* datasetTar(
  ds: YoloDataset,
  byId: Map<string, ReviewedAlertRow>,
  evidence: EvidenceStore,
): AsyncGenerator<Buffer> {
  const mtime = Math.floor(Date.now() / 1000);
  const skipped: { alertId: string; reason: string }[] = [];
  const files = ds.files.filter((f) => f.path !== "manifest.json");
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    if (f.alertId) {
      const r = byId.get(f.alertId)!;
      let bytes: Buffer;
      try {
        bytes = r.frame_path
          ? await evidence.read(r.frame_path, r.frame_sha256)
          : await evidence.read(r.evidence_path!, r.evidence_sha256);
      } catch (err) {
        skipped.push({ alertId: f.alertId, reason: (err as Error).message });
        i += 1; // its label file follows: leave it out too
        continue;
      }
      yield* tarFile(`${ROOT}/${f.path}`, bytes, mtime);
    } else {
      yield* tarFile(`${ROOT}/${f.path}`, Buffer.from(f.text ?? "", "utf8"), mtime);
    }
  }
  const manifest = JSON.parse(ds.files.find((f) => f.path === "manifest.json")!.text!) as {
    images: { alertId: string }[];
  };
  const gone = new Set(skipped.map((s) => s.alertId));
  const images = manifest.images
    .filter((m) => !gone.has(m.alertId))
    .map((m) => ({ ...m, source: byId.get(m.alertId)?.frame_path ? "frame" : "evidence_drawn" }));
  const out = { ...manifest, images, skipped };
  yield* tarFile(`${ROOT}/manifest.json`, Buffer.from(`${JSON.stringify(out, null, 2)}\n`), mtime);
  yield TAR_END;
}
