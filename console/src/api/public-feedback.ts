/** The station's inbox of citizens' feedback (公众留言): list, badge count, reply (答复), close (办结). */
import type { PublicFeedbackListQuery, PublicFeedbackSummary, PublicFeedbackView } from "@contracts/public";
import { http, request } from "./http";
import type { Page } from "./types";

export type {
  PublicFeedbackKind,
  PublicFeedbackStatus,
  PublicFeedbackView,
} from "@contracts/public";
export type PublicFeedbackFilter = Partial<PublicFeedbackListQuery>;

export const publicFeedbackApi = {
  list: (q: PublicFeedbackFilter, signal?: AbortSignal) =>
    http.get<Page<PublicFeedbackView>>("/api/public-feedback", q, signal),
  summary: () => http.get<PublicFeedbackSummary>("/api/public-feedback/summary"),
  reply: (id: number, reply: string) =>
    request<PublicFeedbackView>("POST", `/api/public-feedback/${id}/reply`, { body: { reply } }),
  close: (id: number) => request<PublicFeedbackView>("POST", `/api/public-feedback/${id}/close`),
};
