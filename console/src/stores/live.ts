/**
 * The live connection of this console (one `/ws` per tab) and the open-alert badge. Pages subscribe to
 * event kinds with `on(kind, fn)` (and unsubscribe with the function it returns); `onReset(fn)` tells them
 * to reload their lists after a `reset`. The page is told how many events a reconnect replayed.
 */
import { defineStore } from "pinia";
import { ref } from "vue";
import { EventStream, type SocketLike, type StreamState } from "@/utils/event-stream";
import { eventHandlers, openAlertBadge, wsUrl } from "./live-parts";

export const useLiveStore = defineStore("live", () => {
  const state = ref<StreamState>("down");
  const lastSeq = ref<string | null>(null);
  const lastReplayed = ref(0);
  const reconnects = ref(0);
  const openAlerts = ref(0);
  const handlers = eventHandlers();
  const badge = openAlertBadge(openAlerts);
  let stream: EventStream | null = null;
  let unauthorized: () => void = () => {};

  /** Open the connection (after sign-in). `withAlerts`: this role sees alerts (the badge counts them). */
  function start(opts: { withAlerts: boolean; onUnauthorized: () => void }) {
    if (stream) return;
    unauthorized = opts.onUnauthorized;
    stream = new EventStream(
      {
        url: wsUrl,
        open: (url) => new WebSocket(url) as unknown as SocketLike,
      },
      {
        event(e) {
          lastSeq.value = e.seq;
          handlers.dispatch(e);
          if (opts.withAlerts && e.kind.startsWith("alert.")) badge.refreshSoon();
        },
        synced(replayed) {
          lastReplayed.value = replayed;
          if (opts.withAlerts) void badge.refresh();
        },
        reset() {
          handlers.reset();
          if (opts.withAlerts) void badge.refresh();
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
    if (opts.withAlerts) void badge.refresh();
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
    on: handlers.on,
    onReset: handlers.onReset,
    start,
    stop,
    drop,
    refreshBadge: badge.refresh,
  };
});
