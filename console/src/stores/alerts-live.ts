/**
 * The live half of the alert centre's list: events merged into the page shown, and the notice after a
 * reconnect. Events carry a summary, so changed alerts are fetched by id, in batches every FLUSH_MS; a burst
 * of more than MAX_FETCH_PER_FLUSH (a long replay) reloads the page instead. The merging rules are the
 * tested pure module `views/alerts/alert-list.ts`.
 */
import { type Ref, type ShallowRef, watch } from "vue";
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
import type { useLiveStore } from "./live";

/** More pending events than this at once (a long replay): reload the page instead of fetching each. */
const MAX_FETCH_PER_FLUSH = 20;
const FLUSH_MS = 200;

/** The list state the merger reads and changes. */
export interface ListState {
  items: ShallowRef<AlertView[]>;
  total: Ref<number>;
  page: Ref<number>;
  pageSize: Ref<number>;
  filter: Ref<AlertFilter>;
  newElsewhere: Ref<number>;
  load: () => Promise<void>;
  /** Alerts that arrived live and are now shown. */
  arrived: (alerts: AlertView[]) => void;
}

/** What an event means for the page shown. */
type EventEffect = "ignore" | "elsewhere" | "created" | "updated" | "reload";

function effectOf(e: ServerEvent, id: string, list: ListState): EventEffect {
  const shown = list.items.value.some((a) => a.id === id);
  const matches = matchesFilter(e.payload as unknown as FilterableAlert, list.filter.value);
  if (!shown && !matches) return "ignore";
  if (e.kind === "alert.created" && !shown) return list.page.value !== 1 ? "elsewhere" : "created";
  // An older alert that now matches the filter (it was acknowledged, escalated…): where it goes and
  // whether the total grows is the server's answer.
  return shown ? "updated" : "reload";
}

/** Fetches the changed alerts, merges them into the page shown; returns those that arrived. */
async function fetchEach(list: ListState, ids: string[], created: string[]): Promise<AlertView[]> {
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
  const items = list.items.value;
  const shown = new Set(items.map((a) => a.id));
  const keep = fetched.filter((a) => shown.has(a.id) || matchesFilter(a, list.filter.value));
  const added = countNew(items, keep);
  const base = items.filter((a) => !gone.includes(a.id));
  list.total.value -= items.length - base.length;
  list.items.value = mergeAlerts(base, keep, list.page.value === 1 ? list.pageSize.value : undefined);
  list.total.value += added;
  return keep.filter((a) => created.includes(a.id) && !shown.has(a.id));
}

/** Reloads the page; returns the created alerts it brought. */
async function reloadPage(list: ListState, created: string[]): Promise<AlertView[]> {
  const before = new Set(list.items.value.map((a) => a.id));
  await list.load();
  return list.items.value.filter((a) => created.includes(a.id) && !before.has(a.id));
}

export function liveAlertMerger(list: ListState) {
  const pendingCreated = new Set<string>();
  const pendingUpdated = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let reloadNeeded = false;

  function onEvent(e: ServerEvent) {
    const id = payloadAlertId(e.payload);
    if (!id) return;
    const effect = effectOf(e, id, list);
    if (effect === "ignore") return;
    if (effect === "elsewhere") {
      list.newElsewhere.value++;
      list.total.value++;
      return;
    }
    if (effect === "created") pendingCreated.add(id);
    else if (effect === "updated") pendingUpdated.add(id);
    else reloadNeeded = true;
    if (!timer) timer = setTimeout(() => void flush(), FLUSH_MS);
  }

  async function flush() {
    timer = null;
    const created = [...pendingCreated];
    const ids = [...new Set([...created, ...pendingUpdated])];
    const reload = reloadNeeded;
    clear();
    let arrived: AlertView[] = [];
    if (reload || ids.length > MAX_FETCH_PER_FLUSH) arrived = await reloadPage(list, created);
    else if (ids.length > 0) arrived = await fetchEach(list, ids, created);
    if (arrived.length > 0) list.arrived(arrived);
  }

  function clear() {
    if (timer) clearTimeout(timer);
    timer = null;
    pendingCreated.clear();
    pendingUpdated.clear();
    reloadNeeded = false;
  }

  return { onEvent, clear };
}

/** What a reconnect tells the page: the connection was lost, then how many events were replayed. */
export interface ReconnectState {
  connectionLost: Ref<boolean>;
  replayNotice: Ref<{ replayed: number; reloaded: boolean; at: number } | null>;
}

/** Follows the connection; `onReset` is called on a `reset` (the list reloads). Returns the undo. */
export function watchReconnects(
  live: ReturnType<typeof useLiveStore>,
  notice: ReconnectState,
  onReset: () => void,
): () => void {
  let hadLive = live.state === "live";
  let wasReset = false;
  const offReset = live.onReset(() => {
    wasReset = true;
    onReset();
  });
  const offWatch = watch(
    () => live.state,
    (s) => {
      if (s !== "live") {
        if (hadLive) notice.connectionLost.value = true;
        return;
      }
      if (hadLive && notice.connectionLost.value) {
        // `synced` (or `reset`) came with the same message: lastReplayed is set by now.
        notice.replayNotice.value = { replayed: live.lastReplayed, reloaded: wasReset, at: Date.now() };
      }
      hadLive = true;
      wasReset = false;
      notice.connectionLost.value = false;
    },
  );
  return () => {
    offReset();
    offWatch();
  };
}
