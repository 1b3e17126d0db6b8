/**
 * The alert actions the console runs: one lifecycle action, a case from an alert, and the bulk
 * acknowledgement (one audited request per alert, a few at a time; the alerts whose `actions` do not
 * offer it are skipped, and each failure is reported).
 */
import { type AlertActionName, alertsApi } from "@/api/alerts";
import type { AlertView } from "@/api/types";

export type DialogMode = AlertActionName | "open_case" | "bulk_acknowledge";

export function noteRequired(mode: DialogMode): boolean {
  return mode === "acknowledge" || mode === "bulk_acknowledge";
}

/** The alerts of a selection a bulk acknowledgement applies to, and those it skips. */
export function bulkTargets(selection: readonly AlertView[]): { targets: AlertView[]; skipped: number } {
  const targets = selection.filter((a) => a.actions.includes("acknowledge"));
  return { targets, skipped: selection.length - targets.length };
}

export interface BulkResult {
  done: AlertView[];
  failed: { id: string; error: unknown }[];
}

/** Acknowledge each alert with the same note, `concurrency` requests at a time. */
export async function acknowledgeAll(
  alerts: readonly AlertView[],
  note: string,
  act: (id: string, note: string) => Promise<AlertView> = (id, n) => alertsApi.act(id, "acknowledge", n),
  concurrency = 4,
): Promise<BulkResult> {
  const out: BulkResult = { done: [], failed: [] };
  const queue = [...alerts];
  const worker = async () => {
    for (let a = queue.shift(); a; a = queue.shift()) {
      try {
        out.done.push(await act(a.id, note));
      } catch (error) {
        out.failed.push({ id: a.id, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  return out;
}
