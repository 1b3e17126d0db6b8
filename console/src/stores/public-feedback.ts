/**
 * The menu's count of open citizens' feedback (公众留言): fetched once the layout opens, then again after
 * each `public_feedback.*` event on `/ws` (a burst of them gives one request) and after a reset. A new
 * item also shows a short notice. Only roles that may open the inbox start it.
 */
import { ElNotification } from "element-plus";
import { defineStore } from "pinia";
import { ref } from "vue";
import { publicFeedbackApi } from "@/api/public-feedback";
import { t } from "@/i18n";
import { useLiveStore } from "./live";

export const usePublicFeedbackStore = defineStore("public-feedback", () => {
  const open = ref(0);
  let undo: (() => void)[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;

  async function refresh(): Promise<void> {
    try {
      open.value = (await publicFeedbackApi.summary()).open;
    } catch {
      // the badge keeps its last figure; the inbox shows errors
    }
  }

  function refreshSoon(): void {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      void refresh();
    }, 300);
  }

  function start(): void {
    if (undo.length) return;
    const live = useLiveStore();
    undo = [
      live.on("public_feedback.created", () => {
        ElNotification({ title: t("public.inbox.newItem"), message: "", type: "info", duration: 4000 });
        refreshSoon();
      }),
      live.on("public_feedback.updated", refreshSoon),
      live.onReset(refreshSoon),
    ];
    void refresh();
  }

  function stop(): void {
    for (const u of undo) u();
    undo = [];
    if (timer) clearTimeout(timer);
    timer = null;
    open.value = 0;
  }

  return { open, start, stop, refresh };
});
