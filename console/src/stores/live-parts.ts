/**
 * The parts of the live store that hold no connection: the subscribers by event kind, the open-alert badge,
 * and the `/ws` address.
 */
import type { Ref } from "vue";
import { http } from "@/api/http";
import type { Page } from "@/api/types";
import type { ServerEvent } from "@/utils/event-stream";

export type Handler = (e: ServerEvent) => void;

/** Pages subscribe by event kind (`*`: every kind) and to resets; each subscription returns its undo. */
export function eventHandlers() {
  const byKind = new Map<string, Set<Handler>>();
  const resets = new Set<() => void>();
  return {
    on(kind: string, fn: Handler): () => void {
      const set = byKind.get(kind) ?? new Set<Handler>();
      byKind.set(kind, set);
      set.add(fn);
      return () => set.delete(fn);
    },
    onReset(fn: () => void): () => void {
      resets.add(fn);
      return () => resets.delete(fn);
    },
    dispatch(e: ServerEvent) {
      for (const fn of byKind.get(e.kind) ?? []) fn(e);
      for (const fn of byKind.get("*") ?? []) fn(e);
    },
    reset() {
      for (const fn of resets) fn();
    },
  };
}

/** The header's count of new open alerts: refreshed now, or once after a burst of events. */
export function openAlertBadge(count: Ref<number>) {
  let timer: ReturnType<typeof setTimeout> | null = null;
  async function refresh() {
    try {
      const r = await http.get<Page<unknown>>("/api/alerts", { open: true, status: "new", pageSize: 1 });
      count.value = r.total;
    } catch {
      // the badge keeps its last figure; the pages show errors
    }
  }
  function refreshSoon() {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      void refresh();
    }, 500);
  }
  return { refresh, refreshSoon };
}

/** The `/ws` address of this page's host, resuming after `since` when given. */
export function wsUrl(since: string | null): string {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${location.host}/ws${since ? `?since=${encodeURIComponent(since)}` : ""}`;
}
