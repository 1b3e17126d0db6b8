/** The stage's fit to the window, kept up to date on resize (the listener goes with the page). */
import { onBeforeUnmount, onMounted, type Ref, ref } from "vue";
import { fitStage, type StageFit } from "./bigscreen-model";

export function useStageFit(): Ref<StageFit> {
  const fit = ref<StageFit>(fitStage(window.innerWidth, window.innerHeight));
  const update = () => {
    fit.value = fitStage(window.innerWidth, window.innerHeight);
  };
  onMounted(() => {
    window.addEventListener("resize", update);
    update();
  });
  onBeforeUnmount(() => window.removeEventListener("resize", update));
  return fit;
}
