// @vitest-environment happy-dom
import { createPinia, setActivePinia } from "pinia";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { nextTick, reactive } from "vue";
import type { AlertView } from "@/api/types";
import type { ServerEvent } from "@/utils/event-stream";

// A live store to drive by hand: handlers by kind, reset handlers, the connection state.
const live = reactive({
  state: "live" as "live" | "connecting" | "down",
  lastReplayed: 0,
  handlers: new Map<string, Set<(e: ServerEvent) => void>>(),
  resets: new Set<() => void>(),
  on(kind: string, fn: (e: ServerEvent) => void) {
    const set = live.handlers.get(kind) ?? new Set();
    live.handlers.set(kind, set);
    set.add(fn);
    return () => set.delete(fn);
  },
  onReset(fn: () => void) {
    live.resets.add(fn);
    return () => live.resets.delete(fn);
  },
});
vi.mock("@/stores/live", () => ({ useLiveStore: () => live }));

const server = new Map<string, AlertView>();
const api = {
  list: vi.fn(async (q: { page?: number; pageSize?: number; status?: string }) => {
    const all = [...server.values()]
      .filter((a) => !q.status || a.status === q.status)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const size = q.pageSize ?? 50;
    const from = ((q.page ?? 1) - 1) * size;
    return { items: all.slice(from, from + size), total: all.length, page: q.page ?? 1, pageSize: size };
  }),
  get: vi.fn(async (id: string) => {
    const a = server.get(id);
    if (!a) {
      const { ApiError } = await import("@/api/http");
      throw new ApiError(404, "not_found", "alert not found");
    }
    return a;
  }),
};
vi.mock("@/api/alerts", () => ({ alertsApi: api }));

const { useAlertsStore } = await import("./alerts");

let clock = Date.parse("2026-12-07T02:00:00Z");
function put(id: string, over: Partial<AlertView> = {}): AlertView {
  clock += 1000;
  const at = new Date(clock).toISOString();
  const a = {
    id,
    cameraId: 1,
    cameraName: "加工车间-1",
    workshopId: 1,
    workshopName: "张记",
    stationId: 1,
    type: "no_hat",
    area: null,
    grade: 3,
    status: "new",
    confidence: 0.9,
    boxes: [],
    model: null,
    zone: null,
    capturedAt: at,
    createdAt: at,
    updatedAt: at,
    repeatCount: 0,
    lastSeenAt: null,
    acknowledgedBy: null,
    acknowledgedAt: null,
    ackNote: null,
    escalationDueAt: null,
    escalatedAt: null,
    closedBy: null,
    closedAt: null,
    closeNote: null,
    caseId: null,
    hasEvidence: false,
    evidenceUrl: null,
    frameUrl: null,
    actions: ["acknowledge"],
    ...server.get(id),
    ...over,
  } as AlertView;
  server.set(id, a);
  return a;
}
function emit(kind: "alert.created" | "alert.updated", a: AlertView) {
  const e = {
    type: "event",
    seq: "1",
    kind,
    stationId: 1,
    at: a.updatedAt,
    payload: { ...a },
  } as ServerEvent;
  for (const fn of live.handlers.get(kind) ?? []) fn(e);
}
const settle = async () => {
  await vi.advanceTimersByTimeAsync(300);
  await nextTick();
};

describe("alerts store", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    setActivePinia(createPinia());
    server.clear();
    live.handlers.clear();
    live.resets.clear();
    live.state = "live";
    api.list.mockClear();
    api.get.mockClear();
  });

  it("puts a live alert at the top once, fetched by id, and tells the page", async () => {
    put("a");
    put("b");
    const store = useAlertsStore();
    const arrived: string[] = [];
    store.start({ onArrive: (xs) => arrived.push(...xs.map((x) => x.id)) });
    await store.load();
    expect(store.items.map((a) => a.id)).toEqual(["b", "a"]);
    const c = put("c");
    emit("alert.created", c);
    emit("alert.created", c); // a duplicate delivery
    await settle();
    expect(store.items.map((a) => a.id)).toEqual(["c", "b", "a"]);
    expect(store.total).toBe(3);
    expect(arrived).toEqual(["c"]);
    expect(api.get).toHaveBeenCalledTimes(1);
    expect(store.fresh.has("c")).toBe(true);
    store.stop();
  });

  it("updates a shown alert in place, and ignores events outside the filter", async () => {
    put("a");
    const store = useAlertsStore();
    store.start();
    await store.setFilter({ status: "new" });
    emit(
      "alert.updated",
      put("a", { status: "acknowledged", updatedAt: new Date(clock + 5000).toISOString() }),
    );
    emit("alert.created", put("x", { status: "resolved" }));
    await settle();
    expect(store.items.map((a) => [a.id, a.status])).toEqual([["a", "acknowledged"]]);
    expect(api.get).toHaveBeenCalledTimes(1);
    store.stop();
  });

  it("reloads when an alert not shown comes to match the filter", async () => {
    put("a");
    const b = put("b", { status: "acknowledged" });
    const store = useAlertsStore();
    store.start();
    await store.setFilter({ status: "new" });
    expect(store.items.map((x) => x.id)).toEqual(["a"]);
    const loads = api.list.mock.calls.length;
    emit("alert.updated", put("b", { status: "new", updatedAt: new Date(clock + 5000).toISOString() }));
    await settle();
    expect(api.list.mock.calls.length).toBe(loads + 1);
    expect(store.items.map((x) => x.id)).toEqual(["b", "a"]);
    expect(store.total).toBe(2);
    expect(b.id).toBe("b");
    store.stop();
  });

  it("counts new alerts on a later page instead of moving its rows", async () => {
    for (const id of ["a", "b", "c"]) put(id);
    const store = useAlertsStore();
    store.start();
    await store.setPage(2, 2);
    expect(store.items.map((a) => a.id)).toEqual(["a"]);
    emit("alert.created", put("d"));
    await settle();
    expect(store.items.map((a) => a.id)).toEqual(["a"]);
    expect(store.newElsewhere).toBe(1);
    store.stop();
  });

  it("reloads the page for a burst of events, and after a reset", async () => {
    const store = useAlertsStore();
    store.start();
    await store.load();
    for (let i = 0; i < 25; i++) emit("alert.created", put(`n${String(i).padStart(2, "0")}`));
    await settle();
    expect(api.get).not.toHaveBeenCalled();
    expect(store.total).toBe(25);
    expect(store.items[0]!.id).toBe("n24");
    const loads = api.list.mock.calls.length;
    for (const fn of live.resets) fn();
    await settle();
    expect(api.list.mock.calls.length).toBe(loads + 1);
    store.stop();
  });

  it("reports how many events a reconnect replayed", async () => {
    const store = useAlertsStore();
    store.start();
    live.state = "down";
    await nextTick();
    expect(store.connectionLost).toBe(true);
    live.state = "connecting";
    await nextTick();
    live.state = "live";
    live.lastReplayed = 3;
    await nextTick();
    expect(store.connectionLost).toBe(false);
    expect(store.replayNotice).toMatchObject({ replayed: 3, reloaded: false });
    store.stop();
  });

  it("drops an alert the server no longer shows (404)", async () => {
    const a = put("a");
    const store = useAlertsStore();
    store.start();
    await store.load();
    server.delete("a");
    emit("alert.updated", a);
    await settle();
    expect(store.items).toEqual([]);
    expect(store.total).toBe(0);
    store.stop();
  });
});
