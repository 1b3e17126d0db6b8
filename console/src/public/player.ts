/**
 * One public camera in a <video>: HLS played natively where the browser can (Safari on iPhone), else by
 * hls.js loaded on demand (its own chunk, fetched only when a video is shown). Public playlists need no
 * token. A stream that fails is retried after a few seconds; `stop()` ends it.
 */
import type Hls from "hls.js";

export interface Player {
  stop(): void;
}

export function play(
  video: HTMLVideoElement,
  url: string,
  onState: (s: "loading" | "playing" | "error") => void,
): Player {
  let hls: Hls | null = null;
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | null = null;
  video.muted = true;
  video.playsInline = true;
  const playing = () => onState("playing");
  video.addEventListener("playing", playing);

  const fail = () => {
    if (stopped) return;
    onState("error");
    hls?.destroy();
    hls = null;
    retry = setTimeout(() => void start(), 4000);
  };

  async function start(): Promise<void> {
    onState("loading");
    // hls.js wherever Media Source Extensions exist (as the console's player): Chromium has played HLS itself
    // since about version 141, and its own HLS player failed to parse the masked public stream in a CI run
    // (DEMUXER_ERROR_COULD_NOT_PARSE) where hls.js plays it. The phone's own player only where there is no
    // MSE (Safari on older iPhones); it is then loaded without the hls.js bytes.
    const mse = "MediaSource" in window || "ManagedMediaSource" in window;
    if (!mse && video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = url;
      video.onerror = fail;
    } else {
      const [{ default: HlsClass }, { default: workerPath }] = await Promise.all([
        import("hls.js"),
        import("hls.js/dist/hls.worker.js?url"),
      ]);
      if (stopped) return;
      if (!HlsClass.isSupported()) return fail();
      const h = new HlsClass({
        enableWorker: true,
        workerPath,
        liveSyncDurationCount: 2,
        liveMaxLatencyDurationCount: 6,
        maxBufferLength: 8,
        backBufferLength: 4,
      });
      hls = h;
      h.on(HlsClass.Events.ERROR, (_e, data) => {
        if (data.fatal) fail();
      });
      h.attachMedia(video);
      h.loadSource(url);
    }
    await video.play().catch(() => {});
  }

  void start().catch(fail);
  return {
    stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      video.removeEventListener("playing", playing);
      video.onerror = null;
      hls?.destroy();
      hls = null;
      video.removeAttribute("src");
      video.load();
    },
  };
}
