/**
 * The alert centre's list, kept live: the page of alerts for the current filter, fetched over REST and
 * merged with what `/ws` announces (`alert.created`, `alert.updated`; `alerts-live.ts`). A `reset` reloads;
 * a reconnect tells the page how many events were replayed.
 */
import { defineStore } from "pinia";
import { ref, shallowRef } from "vue";
import { alertsApi } from "@/api/alerts";
import type { AlertView } from "@/api/types";
import { type AlertFilter, mergeAlerts } from "@/views/alerts/alert-list";
import { liveAlertMerger, watchReconnects } from "./alerts-live";
import { useLiveStore } from "./live";

const FRESH_MS = 10_000;

export interface StartOptions {
  /** Alerts that arrived live (not those of a reload), newest first: for the sound and the notification. */
  onArrive?: (alerts: AlertView[]) => void;
}

/** The list's state: the page shown for the filter, and what the live stream adds to it. */
function listState() {
  return {
    filter: ref<AlertFilter>({}),
    page: ref(1),
    pageSize: ref(20),
    items: shallowRef<AlertView[]>([]),
    total: ref(0),
    loading: ref(false),
    error: ref<unknown>(null),
    /** Ids that arrived live a moment ago (the rows flash). */
    fresh: ref<Set<string>>(new Set()),
    /** New alerts announced while the user looks at a later page. */
    newElsewhere: ref(0),
    /**
     * After a reconnect: how many events were replayed, or `reloaded` when the backlog was too long and the
     * list was reloaded instead (null: no reconnect to report).
     */
    replayNotice: ref<{ replayed: number; reloaded: boolean; at: number } | null>(null),
    connectionLost: ref(false),
    now: ref(Date.now()),
  };
}

type ListRefs = ReturnType<typeof listState>;

/** Loads the page for the filter; a newer load cancels the one in flight. */
function pageLoader(s: ListRefs) {
  let abort: AbortController | null = null;
  async function load() {
    abort?.abort();
    const ctl = new AbortController();
    abort = ctl;
    s.loading.value = true;
    try {
      const r = await alertsApi.list(
        { ...s.filter.value, page: s.page.value, pageSize: s.pageSize.value },
        ctl.signal,
      );
      if (ctl.signal.aborted) return;
      s.items.value = mergeAlerts([], r.items);
      s.total.value = r.total;
      s.error.value = null;
      if (s.page.value === 1) s.newElsewhere.value = 0;
    } catch (err) {
      if ((err as Error).name === "AbortError") return;
      s.error.value = err;
    } finally {
      if (abort === ctl) s.loading.value = false;
    }
  }
  return { load, cancel: () => abort?.abort() };
}

/** Marks ids fresh for FRESH_MS (the rows flash). */
function markFresh(fresh: ListRefs["fresh"], ids: string[]) {
  if (ids.length === 0) return;
  fresh.value = new Set([...fresh.value, ...ids]);
  setTimeout(() => {
    const next = new Set(fresh.value);
    for (const id of ids) next.delete(id);
    fresh.value = next;
  }, FRESH_MS);
}

export const useAlertsStore = defineStore("alerts", () => {
  const live = useLiveStore();
  const s = listState();
  const { load, cancel } = pageLoader(s);
  let stops: (() => void)[] = [];
  let onArrive: StartOptions["onArrive"];

  function setFilter(f: AlertFilter) {
    s.filter.value = f;
    s.page.value = 1;
    return load();
  }

  function setPage(p: number, size = s.pageSize.value) {
    s.page.value = p;
    s.pageSize.value = size;
    return load();
  }

  /** Put alerts the page changed (an action's answer) in place at once, without waiting for the event. */
  function upsert(alerts: AlertView[]) {
    const shown = new Set(s.items.value.map((a) => a.id));
    s.items.value = mergeAlerts(
      s.items.value,
      alerts.filter((a) => shown.has(a.id)),
    );
  }

  const merger = liveAlertMerger({
    ...s,
    load,
    arrived(alerts) {
      markFresh(
        s.fresh,
        alerts.map((a) => a.id),
      );
      onArrive?.(alerts);
    },
  });

  /** Subscribe to the live stream (the page calls it when it mounts, and `stop` when it leaves). */
  function start(opts: StartOptions = {}) {
    stop();
    onArrive = opts.onArrive;
    s.replayNotice.value = null;
    s.connectionLost.value = false;
    const tick = setInterval(() => {
      s.now.value = Date.now();
    }, 15_000);
    stops = [
      live.on("alert.created", merger.onEvent),
      live.on("alert.updated", merger.onEvent),
      watchReconnects(live, s, () => void load()),
      () => clearInterval(tick),
    ];
  }

  function stop() {
    for (const off of stops) off();
    stops = [];
    cancel();
    merger.clear();
  }

  return { ...s, load, setFilter, setPage, upsert, start, stop };
});
