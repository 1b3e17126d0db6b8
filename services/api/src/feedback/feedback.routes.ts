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
      const tar = feedbackDatasetTar(ds, evidenceImages(new Map(rows.map((r) => [r.id, r])), evidence));
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

/** An alert's image for the dataset: the undrawn frame, or (older alerts) the evidence with boxes drawn. */
export interface FeedbackImage {
  bytes: Buffer;
  source: "frame" | "evidence_drawn";
}

/** Reads an alert's image through the evidence store (SHA-256 checked): the frame when there is one. */
function evidenceImages(byId: Map<string, ReviewedAlertRow>, evidence: EvidenceStore) {
  return async (alertId: string): Promise<FeedbackImage> => {
    const r = byId.get(alertId)!;
    return r.frame_path
      ? { bytes: await evidence.read(r.frame_path, r.frame_sha256), source: "frame" }
      : { bytes: await evidence.read(r.evidence_path!, r.evidence_sha256), source: "evidence_drawn" };
  };
}

/**
 * The dataset as tar entries (`mingfang-dataset/…`, then the end blocks; gzip them for the download):
 * each image from `image`, then manifest.json, which names the images left out (`image` threw) and the
 * source of each one kept. What `mingfang models retrain --feedback` reads.
 */
export async function* feedbackDatasetTar(
  ds: YoloDataset,
  image: (alertId: string) => Promise<FeedbackImage>,
): AsyncGenerator<Buffer> {
  const mtime = Math.floor(Date.now() / 1000);
  const skipped: { alertId: string; reason: string }[] = [];
  const sources = new Map<string, FeedbackImage["source"]>();
  const files = ds.files.filter((f) => f.path !== "manifest.json");
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    if (f.alertId) {
      let img: FeedbackImage;
      try {
        img = await image(f.alertId);
      } catch (err) {
        skipped.push({ alertId: f.alertId, reason: (err as Error).message });
        i += 1; // its label file follows: leave it out too
        continue;
      }
      sources.set(f.alertId, img.source);
      yield* tarFile(`${ROOT}/${f.path}`, img.bytes, mtime);
    } else {
      yield* tarFile(`${ROOT}/${f.path}`, Buffer.from(f.text ?? "", "utf8"), mtime);
    }
  }
  const manifest = JSON.parse(ds.files.find((f) => f.path === "manifest.json")!.text!) as {
    images: { alertId: string }[];
  };
  const images = manifest.images
    .filter((m) => sources.has(m.alertId))
    .map((m) => ({ ...m, source: sources.get(m.alertId) }));
  const out = { ...manifest, images, skipped };
  yield* tarFile(`${ROOT}/manifest.json`, Buffer.from(`${JSON.stringify(out, null, 2)}\n`), mtime);
  yield TAR_END;
}
