/**
 * The cameras of the big screen's wall: the cameras and workshops the user may see and their statuses (one
 * call each at start), then the statuses live from `camera.status` events. Returns the wall's order, which
 * cameras are down, and how many are online now.
 */
import { computed, onBeforeUnmount, onMounted, type Ref, ref, shallowRef } from "vue";
import { liveApi } from "@/api/live";
import type { CameraView, WorkshopView } from "@/api/types";
import { useLiveStore } from "@/stores/live";
import { wallCameras } from "./bigscreen-model";

export function useWallCameras(stationId: Ref<number | null>) {
  const live = useLiveStore();
  const cameras = shallowRef<CameraView[]>([]);
  const workshops = shallowRef<WorkshopView[]>([]);
  const statuses = ref(new Map<number, string>());
  const loaded = ref(false);

  async function load() {
    try {
      const [cams, shops, list] = await Promise.all([
        liveApi.cameras(),
        liveApi.workshops(),
        liveApi.statuses(),
      ]);
      cameras.value = cams;
      workshops.value = shops;
      statuses.value = new Map(list.map((s) => [s.cameraId, s.status]));
      loaded.value = true;
    } catch {
      // the wall stays as it was; the next reset or visit loads again
    }
  }

  const isDown = (id: number) => {
    const s = statuses.value.get(id);
    return s === "offline" || s === "disabled";
  };
  const list = computed(() =>
    loaded.value
      ? wallCameras(
          cameras.value,
          workshops.value,
          (id) => statuses.value.get(id) === "online",
          stationId.value,
        )
      : [],
  );

  /** Cameras online now (enabled, reported online), live from the events; null before the first load. */
  const onlineCount = computed(() =>
    loaded.value
      ? cameras.value.filter(
          (c) =>
            c.enabled &&
            (stationId.value === null || c.stationId === stationId.value) &&
            statuses.value.get(c.id) === "online",
        ).length
      : null,
  );

  const offs: Array<() => void> = [];
  onMounted(() => {
    void load();
    offs.push(
      live.on("camera.status", (e) => {
        const id = Number(e.payload.cameraId);
        const s = e.payload.status;
        if (typeof s !== "string" || statuses.value.get(id) === s) return;
        const next = new Map(statuses.value);
        next.set(id, s);
        statuses.value = next;
      }),
      live.onReset(() => void load()),
    );
  });
  onBeforeUnmount(() => {
    for (const off of offs) off();
  });
  return { list, isDown, onlineCount, reload: load };
}
