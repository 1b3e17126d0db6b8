/**
 * The live connection of this console (one `/ws` per tab) and the open-alert badge. Pages subscribe to
 * event kinds with `on(kind, fn)` (and unsubscribe with the function it returns); `onReset(fn)` tells them
 * to reload their lists after a `reset`. The page is told how many events a reconnect replayed.
 */
import { defineStore } from "pinia";
import { ref } from "vue";
import { http } from "@/api/http";
import type { Page } from "@/api/types";
import { EventStream, type ServerEvent, type StreamState } from "@/utils/event-stream";

type Handler = (e: ServerEvent) => void;

export const useLiveStore = defineStore("live", () => {
  const state = ref<StreamState>("down");
  const lastSeq = ref<string | null>(null);
  const lastReplayed = ref(0);
  const reconnects = ref(0);
  const openAlerts = ref(0);
  const handlers = new Map<string, Set<Handler>>();
  const resetHandlers = new Set<() => void>();
  let stream: EventStream | null = null;
  let badgeTimer: ReturnType<typeof setTimeout> | null = null;
  let unauthorized: () => void = () => {};

  function on(kind: string, fn: Handler): () => void {
    const set = handlers.get(kind) ?? new Set<Handler>();
    handlers.set(kind, set);
    set.add(fn);
    return () => set.delete(fn);
  }

  function onReset(fn: () => void): () => void {
    resetHandlers.add(fn);
    return () => resetHandlers.delete(fn);
  }

  async function refreshBadge() {
    try {
      const r = await http.get<Page<unknown>>("/api/alerts", { open: true, status: "new", pageSize: 1 });
      openAlerts.value = r.total;
    } catch {
      // the badge keeps its last figure; the pages show errors
    }
  }

  function refreshBadgeSoon() {
    if (badgeTimer) return;
    badgeTimer = setTimeout(() => {
      badgeTimer = null;
      void refreshBadge();
    }, 500);
  }

  function wsUrl(since: string | null): string {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    return `${proto}//${location.host}/ws${since ? `?since=${encodeURIComponent(since)}` : ""}`;
  }

  /** Open the connection (after sign-in). `withAlerts`: this role sees alerts (the badge counts them). */
  function start(opts: { withAlerts: boolean; onUnauthorized: () => void }) {
    if (stream) return;
    unauthorized = opts.onUnauthorized;
    stream = new EventStream(
      {
        url: wsUrl,
        open: (url) => new WebSocket(url) as unknown as import("@/utils/event-stream").SocketLike,
      },
      {
        event(e) {
          lastSeq.value = e.seq;
          for (const fn of handlers.get(e.kind) ?? []) fn(e);
          for (const fn of handlers.get("*") ?? []) fn(e);
          if (opts.withAlerts && e.kind.startsWith("alert.")) refreshBadgeSoon();
        },
        synced(replayed) {
          lastReplayed.value = replayed;
          if (opts.withAlerts) void refreshBadge();
        },
        reset() {
          for (const fn of resetHandlers) fn();
          if (opts.withAlerts) void refreshBadge();
        },
        state(s) {
          if (s === "connecting" && state.value === "down" && stream?.lastSeq) reconnects.value++;
          state.value = s;
        },
        unauthorized: () => unauthorized(),
      },
    );
    window.addEventListener("online", kick);
    document.addEventListener("visibilitychange", kick);
    stream.start();
    if (opts.withAlerts) void refreshBadge();
  }

  function kick() {
    if (document.visibilityState === "visible") stream?.kick();
  }

  function stop() {
    window.removeEventListener("online", kick);
    document.removeEventListener("visibilitychange", kick);
    stream?.stop();
    stream = null;
    state.value = "down";
    openAlerts.value = 0;
  }

  /** Cut the socket as a network failure would: the stream reconnects with `since` by itself. */
  function drop() {
    stream?.drop();
  }

  return {
    state,
    lastSeq,
    lastReplayed,
    reconnects,
    openAlerts,
    on,
    onReset,
    start,
    stop,
    drop,
    refreshBadge,
  };
});
