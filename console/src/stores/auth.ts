/**
 * Who is signed in, and the stations (names for ids). The session itself is the httpOnly cookie; this
 * store only mirrors `GET /api/me`.
 */
import { defineStore } from "pinia";
import { computed, ref } from "vue";
import { authApi } from "@/api/auth";
import type { Role, StationView, UserView } from "@/api/types";

export const useAuthStore = defineStore("auth", () => {
  const user = ref<UserView | null>(null);
  const stations = ref<StationView[]>([]);
  const checked = ref(false);

  const role = computed<Role | null>(() => (user.value?.role as Role | undefined) ?? null);
  const station = computed(() => stations.value.find((s) => s.id === user.value?.stationId) ?? null);
  const stationName = (id: number | null | undefined) =>
    stations.value.find((s) => s.id === id)?.name ?? (id == null ? "" : `#${id}`);

  async function loadStations() {
    if (stations.value.length === 0) stations.value = await authApi.stations();
  }

  /** Called once by the router guard: is there a live session? */
  async function probe(): Promise<boolean> {
    if (checked.value) return user.value !== null;
    try {
      user.value = await authApi.me();
      await loadStations();
    } catch {
      user.value = null;
    }
    checked.value = true;
    return user.value !== null;
  }

  async function login(username: string, password: string) {
    const r = await authApi.login(username, password);
    user.value = r.user;
    checked.value = true;
    await loadStations();
  }

  async function logout() {
    try {
      await authApi.logout();
    } finally {
      forget();
    }
  }

  /** The session ended on the server side (expired, signed out elsewhere). */
  function forget() {
    user.value = null;
    checked.value = true;
  }

  return { user, stations, role, station, checked, stationName, probe, login, logout, forget, loadStations };
});
