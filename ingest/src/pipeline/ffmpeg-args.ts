/**
 * ffmpeg argument lists as data: plain functions, unit-tested without ffmpeg (as immich's utils/media.ts
 * and Frigate's ffmpeg_presets). The supervisor only runs what these return.
 */

export interface InputOptions {
  url: string;
  /** Socket I/O timeout: an input that sends nothing for this long makes ffmpeg exit. */
  timeoutSeconds: number;
}

/** Input options per protocol: RTSP over TCP with a socket timeout; rw_timeout for the others. */
/**
 * How long ffprobe and ffmpeg read an RTSP stream before deciding its parameters, µs. The default (5 s)
 * made every camera start take two of those (the probe, then the live process): 10–14 s against the
 * simulator; with 1 s, 2–3 s each, codec, size and frame rate still found (the SDP carries SPS/PPS). A
 * camera's start is the bulk of an ingest failover (docs/scaling.md, "Ingest nodes").
 */
export const RTSP_ANALYZE_US = 1_000_000;

export function inputArgs({ url, timeoutSeconds }: InputOptions): string[] {
  const us = String(Math.round(timeoutSeconds * 1_000_000));
  const scheme = url.slice(0, url.indexOf(":")).toLowerCase();
  if (scheme === "rtsp" || scheme === "rtsps") {
    return ["-rtsp_transport", "tcp", "-timeout", us, "-analyzeduration", String(RTSP_ANALYZE_US), "-i", url];
  }
  return ["-rw_timeout", us, "-i", url];
}

const COMMON = ["-hide_banner", "-nostdin", "-loglevel", "error"];

/** Codecs a browser plays through hls.js without re-encoding. */
export function needsTranscode(codec: string | null | undefined): boolean {
  return codec !== "h264";
}

export interface LiveArgs extends InputOptions {
  /** Folder of index.m3u8 and its segments. */
  hlsDir: string;
  segmentSeconds: number;
  /** Segments in the rolling playlist. */
  listSize: number;
  /**
   * Given (RECORDING_BUFFER_SECONDS / segment): segments stay on disk after they leave the playlist — the
   * recorder's and the clips' source — and ffmpeg deletes none; the camera owner prunes those older than
   * the buffer. Absent: ffmpeg deletes them two segments after they leave the playlist.
   */
  keepSegments?: number;
  /** The camera's video codec as probed; anything but H.264 is transcoded. */
  codec: string | null;
  /** When transcoding: output width (height follows), frame rate. */
  transcode?: { width: number; fps: number };
  /** Also publish the stream to this RTMP URL (node-media-server) for FLV live view. */
  rtmpUrl?: string;
}

/**
 * RTSP → HLS, `-c copy` when the camera sends H.264. Segment numbers come from the wall clock so that a
 * restarted process never reuses a name a player has cached. Progress goes to stdout (key=value blocks)
 * for the supervisor's stall watchdog and the status' fps and bitrate.
 */
export function buildLiveArgs(a: LiveArgs): string[] {
  const video = needsTranscode(a.codec)
    ? [
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-tune",
        "zerolatency",
        "-vf",
        `scale=${a.transcode?.width ?? 1280}:-2,fps=${a.transcode?.fps ?? 10}`,
        "-g",
        String(Math.max(1, Math.round((a.transcode?.fps ?? 10) * a.segmentSeconds))),
        "-pix_fmt",
        "yuv420p",
      ]
    : ["-c:v", "copy"];
  const hls = [
    "-map",
    "0:v:0",
    ...video,
    "-an",
    ...hlsOutput(a.hlsDir, a.segmentSeconds, a.listSize, "seg-", a.keepSegments),
  ];
  const rtmp = a.rtmpUrl ? ["-map", "0:v:0", ...video, "-an", "-f", "flv", a.rtmpUrl] : [];
  return [
    ...COMMON,
    "-progress",
    "pipe:1",
    "-nostats",
    "-fflags",
    "+genpts",
    ...inputArgs(a),
    ...hls,
    ...rtmp,
  ];
}

export interface MaskedArgs {
  /** The camera's private HLS playlist, read from disk: no second session on the camera. */
  inputPlaylist: string;
  /** The mask image (8-bit gray, white = blur), rasterised at the stream's size. */
  maskFile: string;
  /** The stream's size (the blur radius follows it). */
  width: number;
  height: number;
  fps: number;
  /** Folder of the public (masked) index.m3u8 and its segments. */
  hlsDir: string;
  segmentSeconds: number;
  listSize: number;
}

/** Box-blur radius for the masked regions: a twentieth of the short side (18 px at 640×360), at least 4. */
export function maskBlurRadius(width: number, height: number): number {
  return Math.max(4, Math.round(Math.min(width, height) / 20));
}

/**
 * The public output of a camera with privacy masks: a second process that reads the private HLS (so a
 * failing transcode never disturbs the private stream or the camera), blurs the frame, keeps the blur only
 * where the mask is white (alphamerge of the single mask frame, repeated) and lays it over the original,
 * then encodes H.264 ultrafast into its own HLS folder. The mask is scaled to the video (scale2ref) should
 * the stream's size differ from the one it was rasterised at.
 */
export function buildMaskedArgs(a: MaskedArgs): string[] {
  const r = maskBlurRadius(a.width, a.height);
  const rc = Math.max(2, Math.floor(r / 2));
  const graph = [
    "[0:v]split=2[base][toblur]",
    `[1:v][toblur]scale2ref[mask][toblur2]`,
    `[toblur2]boxblur=luma_radius=${r}:luma_power=3:chroma_radius=${rc}:chroma_power=3[blur]`,
    "[mask]format=gray[alpha]",
    "[blur][alpha]alphamerge[blurred]",
    "[base][blurred]overlay=format=auto:shortest=0,format=yuv420p[out]",
  ].join(";");
  const fps = Math.max(1, Math.round(a.fps));
  return [
    ...COMMON,
    "-progress",
    "pipe:1",
    "-nostats",
    "-live_start_index",
    "-1",
    "-i",
    a.inputPlaylist,
    "-i",
    a.maskFile,
    "-filter_complex",
    graph,
    "-map",
    "[out]",
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-tune",
    "zerolatency",
    "-g",
    String(Math.max(1, Math.round(fps * a.segmentSeconds))),
    "-an",
    // Its own segment names: a public URL of a masked segment can never name an unmasked one (immutable caching).
    ...hlsOutput(a.hlsDir, a.segmentSeconds, a.listSize, MASKED_SEGMENT_PREFIX),
  ];
}

/** Segment names of the masked public output: `mseg-<n>.ts` (the private output's are `seg-<n>.ts`). */
export const MASKED_SEGMENT_PREFIX = "mseg-";

/**
 * The HLS muxer options both outputs share: rolling list, epoch-numbered segments, atomic writes. With
 * `keepSegments` (the live output, the recordings' source) ffmpeg deletes nothing: its
 * `-hls_delete_threshold` keeps at most a playlist's duration of old segments whatever the threshold
 * (ffmpeg 5.1, hlsenc.c `hls_delete_old_segments`; measured: a 6-segment list with a threshold of 120
 * kept 13 files), so the camera owner removes segments older than the recording buffer itself.
 */
function hlsOutput(
  dir: string,
  segmentSeconds: number,
  listSize: number,
  prefix = "seg-",
  keepSegments?: number,
): string[] {
  const deletion =
    keepSegments === undefined
      ? [
          "-hls_delete_threshold",
          "2",
          "-hls_flags",
          "delete_segments+independent_segments+program_date_time+temp_file",
        ]
      : ["-hls_flags", "independent_segments+program_date_time+temp_file"];
  return [
    "-f",
    "hls",
    "-hls_time",
    String(segmentSeconds),
    "-hls_list_size",
    String(listSize),
    ...deletion,
    "-hls_start_number_source",
    "epoch",
    "-hls_segment_filename",
    `${dir}/${prefix}%d.ts`,
    `${dir}/index.m3u8`,
  ];
}

export interface SamplerArgs extends InputOptions {
  /** Analysed frames per second wanted. */
  fps: number;
  /** The stream's keyframe rate (1 / GOP seconds), when known. */
  keyframeFps: number | null;
  /** Output width for analysis (height follows). */
  width: number;
  /** JPEG quality, ffmpeg's 2 (best) .. 31. */
  quality: number;
}

/**
 * Decode keyframes only (`-skip_frame nokey`) when the keyframes come at least as often as the analysis
 * wants frames: a third cheaper than a full decode. Otherwise decode everything and keep `fps` frames a
 * second. Frames go to stdout as a stream of JPEGs. With keyframes more often than wanted (a 1 s GOP for
 * 0.5 fps), a `select` drops the surplus before it is scaled and JPEG-encoded (a keyframe closer than
 * 0.9 / fps to the last one kept is skipped; measured: 13 % less sampler CPU at 1 s GOP / 0.5 fps).
 */
export function samplingMode(fps: number, keyframeFps: number | null): "keyframe" | "fps" {
  return keyframeFps !== null && keyframeFps >= fps ? "keyframe" : "fps";
}

export function buildSamplerArgs(a: SamplerArgs): string[] {
  const mode = samplingMode(a.fps, a.keyframeFps);
  // Never upscale: a sub-stream narrower than `width` keeps its size.
  const scale = `scale='min(${a.width},iw)':-2`;
  const surplus = mode === "keyframe" && a.keyframeFps !== null && a.keyframeFps >= a.fps * 1.5;
  const gap = Number((0.9 / a.fps).toFixed(3));
  const select = `select='isnan(prev_selected_t)+gte(t-prev_selected_t,${gap})'`;
  const filters = mode === "fps" ? [`fps=${a.fps}`, scale] : surplus ? [select, scale] : [scale];
  return [
    ...COMMON,
    ...(mode === "keyframe" ? ["-skip_frame", "nokey"] : []),
    ...inputArgs(a),
    "-map",
    "0:v:0",
    "-an",
    "-vf",
    filters.join(","),
    ...(mode === "keyframe" ? ["-fps_mode", "passthrough"] : []),
    "-c:v",
    "mjpeg",
    "-q:v",
    String(a.quality),
    "-f",
    "image2pipe",
    "pipe:1",
  ];
}

/** ffprobe: the first video stream's codec, size and frame rate, as JSON. */
export function buildProbeArgs(a: InputOptions): string[] {
  const input = inputArgs(a);
  return [
    "-hide_banner",
    "-loglevel",
    "error",
    ...input.slice(0, -2),
    "-select_streams",
    "v:0",
    "-show_entries",
    "stream=codec_name,width,height,avg_frame_rate,r_frame_rate",
    "-of",
    "json",
    a.url,
  ];
}

export interface ProbeResult {
  codec: string | null;
  width: number | null;
  height: number | null;
  fps: number | null;
}

export function parseProbe(json: string): ProbeResult {
  const j = JSON.parse(json) as { streams?: Record<string, unknown>[] };
  const s = j.streams?.[0];
  if (!s) return { codec: null, width: null, height: null, fps: null };
  const rate = (v: unknown) => {
    const [n, d] = String(v ?? "")
      .split("/")
      .map(Number);
    return n && d ? n / d : null;
  };
  return {
    codec: typeof s.codec_name === "string" ? s.codec_name : null,
    width: typeof s.width === "number" ? s.width : null,
    height: typeof s.height === "number" ? s.height : null,
    fps: rate(s.avg_frame_rate) ?? rate(s.r_frame_rate),
  };
}

/** ffmpeg's `-progress` output: key=value lines, a block ending with `progress=continue|end`. */
export interface ProgressBlock {
  frame: number | null;
  fps: number | null;
  bitrateKbps: number | null;
  outTimeUs: number | null;
  end: boolean;
}

export function parseProgressBlock(lines: string[]): ProgressBlock {
  const kv = new Map<string, string>();
  for (const l of lines) {
    const i = l.indexOf("=");
    if (i > 0) kv.set(l.slice(0, i).trim(), l.slice(i + 1).trim());
  }
  const num = (k: string) => {
    const v = Number.parseFloat(kv.get(k) ?? "");
    return Number.isFinite(v) ? v : null;
  };
  const br = /^([\d.]+)kbits\/s$/.exec(kv.get("bitrate") ?? "");
  return {
    frame: num("frame"),
    fps: num("fps"),
    bitrateKbps: br ? Number(br[1]) : null,
    outTimeUs: num("out_time_us") ?? num("out_time_ms"),
    end: kv.get("progress") === "end",
  };
}

/** Remove the camera's URL and credentials from a line ffmpeg printed, before it reaches a log. */
export function scrubLine(line: string, secrets: string[]): string {
  let out = line
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, "$1***@")
    // Signed keys on URLs (RTMP publish keys, play signatures, media tokens) are credentials too.
    .replace(/([?&](?:key|sign|token|password|pwd)=)[^&\s'"]+/gi, "$1***");
  for (const s of secrets) {
    if (s.length >= 3) out = out.split(s).join("***");
  }
  return out;
}
