/**
 * The analytics benches' configuration, shared by run.mjs and threads.mjs.
 *
 * ours: people checks motion-gated and idle during their cooldown, the clean-baseline check at most once a
 * minute; naive: everything, every frame. Thresholds, persistence (2 of 3) and cooldown (300 s) as the
 * defaults a deployment gets. `compliant`: the people checks' thresholds at 1, so nothing alerts and no
 * cooldown ever saves work — the footage stands for a busy kitchen where everyone wears cap and gloves.
 */
import { parseAnalyticsConfig } from "../../analytics/dist/index.js";

export function benchConfig(modelsDir, { naive = false, compliant = false } = {}) {
  const threshold = compliant ? { threshold: 1 } : {};
  return parseAnalyticsConfig({
    modelsDir,
    defaults: {
      zones: [
        {
          name: "floor",
          points: [
            [0, 0.4],
            [1, 0.4],
            [1, 1],
            [0, 1],
          ],
        },
      ],
      checks: {
        no_gloves: { motionGated: !naive, idleInCooldown: !naive, ...threshold },
        no_hat: { motionGated: !naive, idleInCooldown: !naive, ...threshold },
        unclean_area: { zones: ["floor"], intervalS: naive ? 0 : 60 },
      },
    },
  });
}
