/**
 * A paged list kept in step with the API: the rows of the current page, the total, loading and error
 * states; a new request cancels the one in flight (a slow answer never overwrites a newer one); a change of
 * page or page size reloads; `search()` goes back to page 1. The view builds its query from `page` and
 * `pageSize` in `fetch`.
 */
import { getCurrentInstance, onBeforeUnmount, type Ref, ref, watch } from "vue";
import type { Page } from "@/api/types";
import { errorMessage } from "@/utils/errors";

/** A yes / no / either filter as the select holds it ("" = either) and as the API takes it. */
export type TriState = "" | "true" | "false";
export const triState = (v: TriState): boolean | undefined => (v === "" ? undefined : v === "true");

export function usePagedList<T>(
  fetch: (page: number, pageSize: number, signal: AbortSignal) => Promise<Page<T>>,
  opts: { pageSize?: number } = {},
) {
  const page = ref(1);
  const pageSize = ref(opts.pageSize ?? 20);
  const rows = ref([]) as Ref<T[]>;
  const total = ref(0);
  const loading = ref(false);
  const error = ref("");
  let ctrl: AbortController | null = null;

  async function load(): Promise<void> {
    ctrl?.abort();
    const mine = new AbortController();
    ctrl = mine;
    loading.value = true;
    try {
      const r = await fetch(page.value, pageSize.value, mine.signal);
      if (ctrl !== mine) return;
      rows.value = r.items;
      total.value = r.total;
      error.value = "";
    } catch (err) {
      if ((err as Error).name === "AbortError" || ctrl !== mine) return;
      error.value = errorMessage(err);
    } finally {
      if (ctrl === mine) loading.value = false;
    }
  }

  /** Back to the first page with the current filters (one load, whether or not the page changes). */
  function search(): void {
    if (page.value === 1) void load();
    else page.value = 1;
  }

  watch([page, pageSize], () => void load());
  if (getCurrentInstance()) onBeforeUnmount(() => ctrl?.abort());

  return { page, pageSize, rows, total, loading, error, load, search };
}
