/** The year-end assessment (年终考核): `GET /api/assessment/:year` and the workbook's download URL. */
import type { AssessmentView } from "@contracts/assessment";
import { http, withQuery } from "./http";

export type { AssessmentFigures, AssessmentStation, AssessmentView } from "@contracts/assessment";

export const assessmentApi = {
  get: (year: number, stationId?: number, signal?: AbortSignal) =>
    http.get<AssessmentView>(`/api/assessment/${year}`, { stationId }, signal),
  /** Same origin, the session cookie: a plain link downloads it (streamed by the server). */
  workbookUrl: (year: number, stationId?: number) =>
    withQuery(`/api/assessment/${year}/workbook.xlsx`, { stationId }),
};
