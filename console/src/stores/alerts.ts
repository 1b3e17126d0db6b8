/**
 * The alert centre's list, kept live: the page of alerts for the current filter, fetched over REST and
 * merged with what `/ws` announces (`alert.created`, `alert.updated`). Events carry a summary, so the
 * store fetches the full alert by id (a burst of more than a few reloads the page instead). A `reset`
 * reloads; a reconnect tells the page how many events were replayed. The merging rules are the tested
 * pure module `views/alerts/alert-list.ts`.
 */
import { defineStore } from "pinia";
import { ref, shallowRef, watch } from "vue";
import { alertsApi } from "@/api/alerts";
import { ApiError } from "@/api/http";
import type { AlertView } from "@/api/types";
import type { ServerEvent } from "@/utils/event-stream";
import {
  type AlertFilter,
  countNew,
  type FilterableAlert,
  matchesFilter,
  mergeAlerts,
  payloadAlertId,
} from "@/views/alerts/alert-list";
import { useLiveStore } from "./live";

/** More pending events than this at once (a long replay): reload the page instead of fetching each. */
const MAX_FETCH_PER_FLUSH = 20;
const FLUSH_MS = 200;
const FRESH_MS = 10_000;

export interface StartOptions {
  /** Alerts that arrived live (not those of a reload), newest first: for the sound and the notification. */
  onArrive?: (alerts: AlertView[]) => void;
}

export const useAlertsStore = defineStore("alerts", () => {
  const live = useLiveStore();
  const filter = ref<AlertFilter>({});
  const page = ref(1);
  const pageSize = ref(20);
  const items = shallowRef<AlertView[]>([]);
  const total = ref(0);
  const loading = ref(false);
  const error = ref<unknown>(null);
  /** Ids that arrived live a moment ago (the rows flash). */
  const fresh = ref<Set<string>>(new Set());
  /** New alerts announced while the user looks at a later page. */
  const newElsewhere = ref(0);
  /**
   * After a reconnect: how many events were replayed, or `reloaded` when the backlog was too long and the
   * list was reloaded instead (null: no reconnect to report).
   */
  const replayNotice = ref<{ replayed: number; reloaded: boolean; at: number } | null>(null);
  const connectionLost = ref(false);
  const now = ref(Date.now());

  let abort: AbortController | null = null;
  const pendingCreated = new Set<string>();
  const pendingUpdated = new Set<string>();
  let flushTimer: ReturnType<typeof setTimeout> | null = null;
  let reloadNeeded = false;
  let stops: (() => void)[] = [];
  let onArrive: StartOptions["onArrive"];

  async function load() {
    abort?.abort();
    const ctl = new AbortController();
    abort = ctl;
    loading.value = true;
    try {
      const r = await alertsApi.list(
        { ...filter.value, page: page.value, pageSize: pageSize.value },
        ctl.signal,
      );
      if (ctl.signal.aborted) return;
      items.value = mergeAlerts([], r.items);
      total.value = r.total;
      error.value = null;
      if (page.value === 1) newElsewhere.value = 0;
    } catch (err) {
      if ((err as Error).name === "AbortError") return;
      error.value = err;
    } finally {
      if (abort === ctl) loading.value = false;
    }
  }

  function setFilter(f: AlertFilter) {
    filter.value = f;
    page.value = 1;
    return load();
  }

  function setPage(p: number, size = pageSize.value) {
    page.value = p;
    pageSize.value = size;
    return load();
  }

  /** Put alerts the page changed (an action's answer) in place at once, without waiting for the event. */
  function upsert(alerts: AlertView[]) {
    const shown = new Set(items.value.map((a) => a.id));
    items.value = mergeAlerts(
      items.value,
      alerts.filter((a) => shown.has(a.id)),
    );
  }

  function markFresh(ids: string[]) {
    if (ids.length === 0) return;
    fresh.value = new Set([...fresh.value, ...ids]);
    setTimeout(() => {
      const next = new Set(fresh.value);
      for (const id of ids) next.delete(id);
      fresh.value = next;
    }, FRESH_MS);
  }

  function onEvent(e: ServerEvent) {
    const id = payloadAlertId(e.payload);
    if (!id) return;
    const shown = items.value.some((a) => a.id === id);
    const matches = matchesFilter(e.payload as unknown as FilterableAlert, filter.value);
    if (!shown && !matches) return;
    if (e.kind === "alert.created" && !shown) {
      if (page.value !== 1) {
        newElsewhere.value++;
        total.value++;
        return;
      }
      pendingCreated.add(id);
    } else if (shown) {
      pendingUpdated.add(id);
    } else {
      // An older alert that now matches the filter (it was acknowledged, escalated…): where it goes and
      // whether the total grows is the server's answer.
      reloadNeeded = true;
    }
    if (!flushTimer) flushTimer = setTimeout(() => void flush(), FLUSH_MS);
  }

  async function flush() {
    flushTimer = null;
    const created = [...pendingCreated];
    const ids = [...new Set([...created, ...pendingUpdated])];
    pendingCreated.clear();
    pendingUpdated.clear();
    const reload = reloadNeeded;
    reloadNeeded = false;
    if (reload || ids.length > MAX_FETCH_PER_FLUSH) {
      const before = new Set(items.value.map((a) => a.id));
      await load();
      const arrived = items.value.filter((a) => created.includes(a.id) && !before.has(a.id));
      markFresh(arrived.map((a) => a.id));
      if (arrived.length > 0) onArrive?.(arrived);
      return;
    }
    if (ids.length === 0) return;
    const gone: string[] = [];
    const got = await Promise.all(
      ids.map((id) =>
        alertsApi.get(id).catch((err) => {
          if (err instanceof ApiError && err.status === 404) gone.push(id);
          return null;
        }),
      ),
    );
    const fetched = got.filter((a): a is AlertView => a !== null);
    const shown = new Set(items.value.map((a) => a.id));
    const keep = fetched.filter((a) => shown.has(a.id) || matchesFilter(a, filter.value));
    const added = countNew(items.value, keep);
    const base = items.value.filter((a) => !gone.includes(a.id));
    total.value -= items.value.length - base.length;
    items.value = mergeAlerts(base, keep, page.value === 1 ? pageSize.value : undefined);
    total.value += added;
    const arrived = keep.filter((a) => created.includes(a.id) && !shown.has(a.id));
    markFresh(arrived.map((a) => a.id));
    if (arrived.length > 0) onArrive?.(arrived);
  }

  /** Subscribe to the live stream (the page calls it when it mounts, and `stop` when it leaves). */
  function start(opts: StartOptions = {}) {
    stop();
    onArrive = opts.onArrive;
    replayNotice.value = null;
    connectionLost.value = false;
    let hadLive = live.state === "live";
    let wasReset = false;
    const tick = setInterval(() => {
      now.value = Date.now();
    }, 15_000);
    stops = [
      live.on("alert.created", onEvent),
      live.on("alert.updated", onEvent),
      live.onReset(() => {
        wasReset = true;
        void load();
      }),
      watch(
        () => live.state,
        (s) => {
          if (s !== "live") {
            if (hadLive) connectionLost.value = true;
            return;
          }
          if (hadLive && connectionLost.value) {
            // `synced` (or `reset`) came with the same message: lastReplayed is set by now.
            replayNotice.value = { replayed: live.lastReplayed, reloaded: wasReset, at: Date.now() };
          }
          hadLive = true;
          wasReset = false;
          connectionLost.value = false;
        },
      ),
      () => clearInterval(tick),
    ];
  }

  function stop() {
    for (const s of stops) s();
    stops = [];
    abort?.abort();
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = null;
    pendingCreated.clear();
    pendingUpdated.clear();
    reloadNeeded = false;
  }

  return {
    filter,
    page,
    pageSize,
    items,
    total,
    loading,
    error,
    fresh,
    newElsewhere,
    replayNotice,
    connectionLost,
    now,
    load,
    setFilter,
    setPage,
    upsert,
    start,
    stop,
  };
});
