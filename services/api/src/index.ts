export { buildApp } from "./app.js";
export { AssessmentService } from "./assessment/assessment.service.js";
export { workbookFileName, writeAssessmentWorkbook } from "./assessment/assessment.workbook.js";
export { publishCameraSpec, resyncCameraSpecs } from "./cameras/camera-spec.publisher.js";
export type { ApiDeps } from "./context.js";
export { HttpError } from "./errors.js";
export { type FeedbackImage, feedbackDatasetTar } from "./feedback/feedback.routes.js";
export { SESSION_COOKIE } from "./plugins/auth.plugin.js";
export { type InternalListener, startInternalListener } from "./plugins/security.plugin.js";
