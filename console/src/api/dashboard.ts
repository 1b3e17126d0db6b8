/** The bureau's dashboard (监管看板): `GET /api/dashboard`, the Annex 1 table and the period's figures. */
import type { DashboardQuery, DashboardView } from "@contracts/dashboard";
import { http } from "./http";

export type { DashboardQuery, DashboardSummary, DashboardView, StationFigures } from "@contracts/dashboard";

export const dashboardApi = {
  get: (q: DashboardQuery, signal?: AbortSignal) =>
    http.get<DashboardView>("/api/dashboard", q as Record<string, string | number | undefined>, signal),
};
