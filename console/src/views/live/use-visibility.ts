/**
 * Whether a player should run: the tab is visible (visibilitychange) and its element is on screen
 * (IntersectionObserver). Hidden or scrolled away, a tile stops its stream; back in view, it restarts.
 */
import { onBeforeUnmount, onMounted, type Ref, ref, watch } from "vue";

export function usePageVisible(): Ref<boolean> {
  const visible = ref(document.visibilityState !== "hidden");
  const update = () => {
    visible.value = document.visibilityState !== "hidden";
  };
  onMounted(() => document.addEventListener("visibilitychange", update));
  onBeforeUnmount(() => document.removeEventListener("visibilitychange", update));
  return visible;
}

export function useInView(el: Ref<HTMLElement | null>): Ref<boolean> {
  const inView = ref(true);
  let observer: IntersectionObserver | null = null;
  const observe = (node: HTMLElement | null) => {
    observer?.disconnect();
    if (!node || typeof IntersectionObserver === "undefined") return;
    observer ??= new IntersectionObserver(
      (entries) => {
        for (const e of entries) inView.value = e.isIntersecting;
      },
      { threshold: 0.01 },
    );
    observer.observe(node);
  };
  onMounted(() => observe(el.value));
  watch(el, (node) => observe(node), { flush: "post" });
  onBeforeUnmount(() => {
    observer?.disconnect();
    observer = null;
  });
  return inView;
}
