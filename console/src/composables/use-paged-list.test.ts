// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { nextTick } from "vue";
import { ApiError } from "@/api/http";
import type { Page } from "@/api/types";
import { triState, usePagedList } from "./use-paged-list";

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const pageOf = (items: string[], total = items.length): Page<string> => ({
  items,
  total,
  page: 1,
  pageSize: 20,
});

describe("usePagedList", () => {
  it("keeps the newest answer when an older, slower one arrives later", async () => {
    const calls: { page: number; d: ReturnType<typeof deferred<Page<string>>>; signal: AbortSignal }[] = [];
    const list = usePagedList<string>((page, _size, signal) => {
      const d = deferred<Page<string>>();
      calls.push({ page, d, signal });
      return d.promise;
    });
    const first = list.load();
    const second = list.load();
    expect(calls[0]!.signal.aborted).toBe(true);
    calls[1]!.d.resolve(pageOf(["new"]));
    await second;
    calls[0]!.d.resolve(pageOf(["old"]));
    await first;
    expect(list.rows.value).toEqual(["new"]);
    expect(list.loading.value).toBe(false);
  });

  it("shows a translated error and keeps the rows it had", async () => {
    let fail = false;
    const list = usePagedList<string>(async () => {
      if (fail) throw new ApiError(403, "forbidden", "no");
      return pageOf(["a"]);
    });
    await list.load();
    fail = true;
    await list.load();
    expect(list.rows.value).toEqual(["a"]);
    expect(list.error.value).not.toBe("");
  });

  it("reloads on a page change, and search() goes back to page 1 with one load", async () => {
    const pages: number[] = [];
    const list = usePagedList<string>(async (page) => {
      pages.push(page);
      return pageOf([`p${page}`], 60);
    });
    list.page.value = 3;
    await nextTick();
    await Promise.resolve();
    list.search();
    await nextTick();
    await Promise.resolve();
    list.search();
    await Promise.resolve();
    expect(pages).toEqual([3, 1, 1]);
  });

  it("reads a tri-state filter", () => {
    expect([triState(""), triState("true"), triState("false")]).toEqual([undefined, true, false]);
  });
});
