/**
 * One owner per camera: it holds the camera's two ffmpeg processes (live HLS from the main stream, frame
 * sampling from the sub-stream), their timers and the camera's status, and it reports to its parent.
 * Two lean processes rather than one with two outputs: cheaper here (ARCHITECTURE.md), and a failing
 * sub-stream never takes the live view down. A public camera with privacy masks has a third: the masked
 * public output, transcoded from the private HLS on disk (docs/ingest.md, "Privacy masks").
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { CameraStatus, Logger } from "@mingfang/core";
import { spawnTethered, type TetheredProcess } from "@mingfang/process";
import {
  buildLiveArgs,
  buildMaskedArgs,
  buildProbeArgs,
  buildSamplerArgs,
  needsTranscode,
  type ProbeResult,
  parseProbe,
  parseProgressBlock,
  samplingMode,
} from "./ffmpeg-args.js";
import { JpegSplitter, jpegSize } from "./jpeg-splitter.js";
import { encodePgm, masksKey, type Polygon, rasteriseMask } from "./privacy-mask.js";
import { ProcessSupervisor } from "./process-supervisor.js";
import type { FrameSink, StatusSink } from "./sinks.js";
import type { StartGate } from "./start-gate.js";
import {
  type BackoffPolicy,
  cameraStatusOf,
  DEFAULT_BACKOFF,
  type SupervisorState,
} from "./supervisor-state.js";

export interface CameraSpec {
  id: number;
  /** Main stream, with credentials (decrypted; never logged). */
  mainUrl: string;
  /** Sub-stream for analysis; the main stream when absent. */
  subUrl: string | null;
  /** Analyse frames from this camera. */
  analyse: boolean;
  /** Privacy masks to blur into a separate public output (a public camera of a demonstration site). */
  privacyMasks?: Polygon[];
}

export interface IngestSettings {
  ffmpeg: string;
  ffprobe: string;
  /** Root of the HLS output: <mediaDir>/hls/<cameraId>/index.m3u8. */
  mediaDir: string;
  segmentSeconds: number;
  playlistSize: number;
  /** Seconds of segments kept on disk after they leave the playlist (recordings' source). */
  bufferSeconds: number;
  /** Seconds without output before a process is restarted. */
  stallSeconds: number;
  /** Seconds a starting process may take to its first output. */
  connectSeconds: number;
  /** Delay between starting one camera and the next (42 ffmpeg starts at once overload 2 cores). */
  staggerMs: number;
  /** Processes allowed to be starting at the same time, across all cameras. */
  concurrentStarts: number;
  /** Socket timeout given to ffmpeg. */
  ioTimeoutSeconds: number;
  /** Analysed frames per second per camera. */
  analysisFps: number;
  /** The GOP the cameras are assumed to have: keyframe-only sampling when 1/GOP ≥ analysisFps. */
  assumedGopSeconds: number;
  analysisWidth: number;
  backoff: BackoffPolicy;
  /** Publish the status at least this often (heartbeat), ms. */
  heartbeatMs: number;
  /** When set, the live process also publishes the camera to this RTMP URL (node-media-server, FLV view). */
  republishUrl?: (cameraId: number) => string;
  /** Rewrites a source URL just before each start (signs pulls from our own node-media-server). */
  signSource?: (url: string) => string;
}

export const DEFAULT_INGEST_SETTINGS: Omit<IngestSettings, "mediaDir"> = {
  ffmpeg: "ffmpeg",
  ffprobe: "ffprobe",
  segmentSeconds: 1,
  playlistSize: 6,
  bufferSeconds: 120,
  stallSeconds: 10,
  connectSeconds: 20,
  staggerMs: 150,
  concurrentStarts: 6,
  ioTimeoutSeconds: 5,
  analysisFps: 0.5,
  assumedGopSeconds: 2,
  analysisWidth: 640,
  backoff: DEFAULT_BACKOFF,
  heartbeatMs: 10_000,
};

function secretsOf(...urls: (string | null)[]): string[] {
  const out: string[] = [];
  for (const u of urls) {
    if (!u) continue;
    try {
      const p = new URL(u);
      if (p.password) out.push(decodeURIComponent(p.password), p.password);
      if (p.username && p.username.length >= 3) out.push(decodeURIComponent(p.username));
    } catch {
      // Not a URL: nothing to scrub beyond the generic masking.
    }
  }
  return out;
}

export class CameraOwner {
  readonly live: ProcessSupervisor;
  readonly sampler: ProcessSupervisor | undefined;
  private spec: CameraSpec;
  private probe: ProbeResult | null = null;
  private fps: number | null = null;
  private bitrateKbps: number | null = null;
  private lastFrameAt: number | null = null;
  private lastForwarded = 0;
  private progressLines: string[] = [];
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly hlsDir: string;
  private readonly log: Logger;
  private lastPublished = "";
  /** The masked public output's process, while the camera has privacy masks. */
  private masked: ProcessSupervisor | undefined;
  private maskedChain: Promise<void> = Promise.resolve();
  private maskedKey = "";
  private running = false;
  private readonly publicDir: string;
  private readonly gate: StartGate | undefined;
  /** The ffprobe under way, if any: stopped with the camera (it is an RTSP session to the camera too). */
  private probing: TetheredProcess | undefined;

  constructor(
    spec: CameraSpec,
    private readonly settings: IngestSettings,
    private readonly frames: FrameSink,
    private readonly status: StatusSink,
    logger: Logger,
    gate?: StartGate,
  ) {
    this.spec = spec;
    this.log = logger.child({ cameraId: spec.id });
    this.hlsDir = path.join(settings.mediaDir, "hls", String(spec.id));
    this.publicDir = path.join(this.hlsDir, "public");
    this.gate = gate;
    const secrets = () => secretsOf(this.spec.mainUrl, this.spec.subUrl);
    this.live = new ProcessSupervisor({
      name: "live",
      command: settings.ffmpeg,
      args: () => this.liveArgs(),
      stallSeconds: settings.stallSeconds,
      connectSeconds: settings.connectSeconds,
      backoff: settings.backoff,
      logger: this.log,
      secrets,
      ...(gate ? { gate } : {}),
      isProgress: (line) => line.startsWith("out_time_us=") || line.startsWith("frame="),
      onStdoutLine: (line) => this.onProgress(line),
      onChange: () => this.publish(),
    });
    if (spec.analyse) {
      const splitter = () => new JpegSplitter((jpeg) => this.onFrame(jpeg));
      let current = splitter();
      this.sampler = new ProcessSupervisor({
        name: "sampler",
        command: settings.ffmpeg,
        args: () => {
          current = splitter();
          return this.samplerArgs();
        },
        // Keyframe sampling yields a frame per GOP: allow a few GOPs of silence.
        stallSeconds: Math.max(
          settings.stallSeconds,
          settings.assumedGopSeconds * 3,
          3 / settings.analysisFps,
        ),
        connectSeconds: settings.connectSeconds,
        backoff: settings.backoff,
        logger: this.log,
        secrets,
        ...(gate ? { gate } : {}),
        onStdout: (chunk) => current.push(chunk),
      });
    }
  }

  get id(): number {
    return this.spec.id;
  }

  start(): void {
    mkdirSync(this.hlsDir, { recursive: true });
    this.running = true;
    this.live.start();
    this.sampler?.start();
    this.syncMasked();
    this.heartbeat = setInterval(() => {
      void this.publish(true);
      this.pruneSegments();
    }, this.settings.heartbeatMs);
    this.heartbeat.unref();
  }

  /** A new configuration reaches this camera only: its processes restart with the new arguments. */
  reconfigure(spec: CameraSpec): void {
    const urlChanged = spec.mainUrl !== this.spec.mainUrl || spec.subUrl !== this.spec.subUrl;
    // A change of the privacy masks alone touches the public output only: the private stream runs on.
    const masksOnly =
      !urlChanged &&
      spec.analyse === this.spec.analyse &&
      masksKey(spec.privacyMasks) !== masksKey(this.spec.privacyMasks);
    this.spec = spec;
    if (urlChanged) this.probe = null;
    if (!masksOnly) {
      this.live.reconfigure();
      this.sampler?.reconfigure();
    }
    this.syncMasked();
  }

  /** The masked public output's supervisor, when there is one (tests, status). */
  get maskedOutput(): ProcessSupervisor | undefined {
    return this.masked;
  }

  /**
   * Brings the masked public output in line with the masks: when they change, the old process stops and
   * its output is DELETED before a new one starts (never fail open: the public route serves the masked
   * folder or nothing, and a folder made with other masks must not linger). Serialised per camera.
   */
  private syncMasked(): void {
    const key = masksKey(this.spec.privacyMasks);
    if (key === this.maskedKey) return;
    this.maskedKey = key;
    this.maskedChain = this.maskedChain
      .then(async () => {
        const old = this.masked;
        this.masked = undefined;
        await old?.stop();
        rmSync(this.publicDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
        if (!this.running || masksKey(this.spec.privacyMasks) !== key || !key) return;
        this.masked = this.newMaskedSupervisor();
        this.masked.start();
        this.log.info({ masks: this.spec.privacyMasks?.length }, "masked public output started");
      })
      .catch((err) => this.log.error({ err }, "masked public output not (re)started"));
  }

  private newMaskedSupervisor(): ProcessSupervisor {
    const sup: ProcessSupervisor = new ProcessSupervisor({
      name: "public-masked",
      command: this.settings.ffmpeg,
      args: () => this.maskedArgs(sup),
      stallSeconds: this.settings.stallSeconds,
      connectSeconds: this.settings.connectSeconds,
      backoff: this.settings.backoff,
      logger: this.log,
      secrets: () => [],
      ...(this.gate ? { gate: this.gate } : {}),
      isProgress: (line) => line.startsWith("out_time_us=") || line.startsWith("frame="),
      // Progress lines only feed the stall watchdog (the camera's fps and bitrate are the private stream's).
      onStdoutLine: () => {},
    });
    return sup;
  }

  async stop(opts: { removeMedia?: boolean } = {}): Promise<void> {
    clearInterval(this.heartbeat);
    this.running = false;
    this.maskedKey = "";
    this.syncMasked();
    await Promise.all([this.live.stop(), this.sampler?.stop(), this.maskedChain, this.probing?.stop(1000)]);
    await this.publish(true);
    if (opts.removeMedia) rmSync(this.hlsDir, { recursive: true, force: true });
  }

  pids(): number[] {
    return [this.live.pid, this.sampler?.pid, this.masked?.pid].filter((p): p is number => p !== undefined);
  }

  snapshotStatus(): CameraStatus {
    const s: SupervisorState = this.live.current;
    const now = new Date();
    return {
      cameraId: this.spec.id,
      status: cameraStatusOf(s),
      state: s.phase,
      fps: s.phase === "live" ? this.fps : null,
      bitrateKbps: s.phase === "live" ? this.bitrateKbps : null,
      lastFrameAt: this.lastFrameAt ? new Date(this.lastFrameAt).toISOString() : null,
      lastError: s.lastError,
      since: new Date(s.since).toISOString(),
      restarts: s.restarts + (this.sampler?.current.restarts ?? 0),
      updatedAt: now.toISOString(),
    };
  }

  /**
   * ffmpeg's HLS muxer reports no bitrate when copying: measure it from the playlist instead (bytes of the
   * listed segments over their duration). Runs with the heartbeat, not per packet.
   */
  private measureBitrate(): void {
    if (this.live.current.phase !== "live") return;
    try {
      const lines = readFileSync(path.join(this.hlsDir, "index.m3u8"), "utf8").split("\n");
      let seconds = 0;
      let bytes = 0;
      for (let i = 0; i < lines.length; i++) {
        const m = /^#EXTINF:([\d.]+)/.exec(lines[i]!);
        if (!m) continue;
        // The segment's URI is the next line that is not a tag (#EXT-X-PROGRAM-DATE-TIME may come between).
        let j = i + 1;
        while (j < lines.length && lines[j]!.startsWith("#")) j++;
        const seg = lines[j];
        if (!seg) continue;
        try {
          bytes += statSync(path.join(this.hlsDir, seg.trim())).size;
          seconds += Number(m[1]);
        } catch {
          // Deleted meanwhile.
        }
      }
      if (seconds > 0) this.bitrateKbps = Math.round((bytes * 8) / seconds / 100) / 10;
    } catch {
      // No playlist yet.
    }
  }

  private async publish(force = false): Promise<void> {
    if (force) this.measureBitrate();
    const st = this.snapshotStatus();
    const key = `${st.status}|${st.state}|${st.lastError}`;
    if (!force && key === this.lastPublished) return;
    this.lastPublished = key;
    if (st.status !== "online" && st.lastError)
      this.log.info({ status: st.status, error: st.lastError }, "camera status");
    else this.log.info({ status: st.status }, "camera status");
    await this.status.publish(st).catch((err) => this.log.warn({ err }, "status publish failed"));
  }

  private source(url: string): string {
    return this.settings.signSource ? this.settings.signSource(url) : url;
  }

  private async runProbe(): Promise<ProbeResult> {
    if (this.probe) return this.probe;
    const args = buildProbeArgs({
      url: this.source(this.spec.mainUrl),
      timeoutSeconds: this.settings.ioTimeoutSeconds,
    });
    let out = "";
    let err = "";
    const p = spawnTethered(this.settings.ffprobe, args, {
      logLine: (stream, line) => {
        if (stream === "stdout") out += `${line}\n`;
        else err = line;
      },
    });
    this.probing = p;
    const timer = setTimeout(() => void p.stop(1000), (this.settings.ioTimeoutSeconds + 15) * 1000);
    const { code } = await p.exited;
    clearTimeout(timer);
    if (this.probing === p) this.probing = undefined;
    if (code !== 0) throw new Error(err || `ffprobe exited with ${code}`);
    const r = parseProbe(out);
    if (!r.codec) throw new Error("no video stream");
    this.probe = r;
    return r;
  }

  private async liveArgs(): Promise<string[]> {
    const probe = await this.runProbe();
    mkdirSync(this.hlsDir, { recursive: true });
    this.cleanStaleSegments();
    return buildLiveArgs({
      url: this.source(this.spec.mainUrl),
      timeoutSeconds: this.settings.ioTimeoutSeconds,
      hlsDir: this.hlsDir,
      segmentSeconds: this.settings.segmentSeconds,
      listSize: this.settings.playlistSize,
      keepSegments: Math.ceil(this.settings.bufferSeconds / this.settings.segmentSeconds),
      codec: probe.codec,
      transcode: {
        width: Math.min(probe.width ?? 1280, 1280),
        fps: Math.min(Math.round(probe.fps ?? 10), 15),
      },
      ...(this.settings.republishUrl ? { rtmpUrl: this.settings.republishUrl(this.spec.id) } : {}),
    });
  }

  /** The private output's size: the camera's, or the transcode's (≤ 1280 wide) when it is not H.264. */
  private outputSize(probe: ProbeResult): { width: number; height: number } {
    const w = probe.width ?? 1280;
    const h = probe.height ?? 720;
    if (!needsTranscode(probe.codec) || w <= 1280) return { width: w, height: h };
    return { width: 1280, height: Math.round((h * 1280) / w / 2) * 2 };
  }

  /**
   * Waits (up to connectSeconds) for the private playlist, rasterises the masks at the stream's size into
   * `public/mask.pgm`, clears stale public segments and returns the masked transcode's arguments.
   */
  private async maskedArgs(sup: ProcessSupervisor): Promise<string[]> {
    const probe = await this.runProbe();
    const playlist = path.join(this.hlsDir, "index.m3u8");
    const end = Date.now() + this.settings.connectSeconds * 1000;
    while (!existsSync(playlist)) {
      if (Date.now() > end) throw new Error("the private stream has no playlist yet");
      await new Promise((r) => setTimeout(r, 250));
    }
    // Superseded while waiting (masks changed, camera stopped): write nothing into the public folder.
    if (this.masked !== sup) throw new Error("masked output superseded");
    const masks = this.spec.privacyMasks ?? [];
    if (!masks.length) throw new Error("no privacy masks");
    const { width, height } = this.outputSize(probe);
    mkdirSync(this.publicDir, { recursive: true });
    for (const f of readdirSync(this.publicDir)) {
      if (f.endsWith(".ts") || f.endsWith(".tmp") || f.endsWith(".m3u8"))
        rmSync(path.join(this.publicDir, f), { force: true });
    }
    const maskFile = path.join(this.publicDir, "mask.pgm");
    const grow = Math.max(1, Math.round(Math.min(width, height) / 100));
    writeFileSync(maskFile, encodePgm(rasteriseMask(masks, width, height, grow), width, height));
    return buildMaskedArgs({
      inputPlaylist: playlist,
      maskFile,
      width,
      height,
      fps: Math.min(Math.round(probe.fps ?? 10), 30),
      hlsDir: this.publicDir,
      segmentSeconds: this.settings.segmentSeconds,
      listSize: this.settings.playlistSize,
    });
  }

  private samplerArgs(): string[] {
    return buildSamplerArgs({
      url: this.source(this.spec.subUrl ?? this.spec.mainUrl),
      timeoutSeconds: this.settings.ioTimeoutSeconds,
      fps: this.settings.analysisFps,
      keyframeFps: 1 / this.settings.assumedGopSeconds,
      width: this.settings.analysisWidth,
      quality: 5,
    });
  }

  /** Segments of an earlier process: a restart starts a new sequence, the old files would linger. */
  /**
   * Before a (re)start: the previous run's unfinished files, and its segments older than the recording
   * buffer. Younger ones stay: they are an alert clip's pre-roll (a new ffmpeg never deletes them, so
   * the recorder's sweep removes what outlives the buffer).
   */
  private cleanStaleSegments(): void {
    try {
      for (const f of readdirSync(this.hlsDir)) {
        if (f.endsWith(".tmp")) rmSync(path.join(this.hlsDir, f), { force: true });
      }
    } catch {
      // Nothing there yet.
    }
    this.pruneSegments();
  }

  /**
   * Segments older than the recording buffer (ffmpeg deletes none of the live output's: see hlsOutput in
   * ffmpeg-args.ts). Run at every heartbeat and before a (re)start.
   */
  private pruneSegments(): void {
    const cutoff = Date.now() - this.settings.bufferSeconds * 1000;
    try {
      for (const f of readdirSync(this.hlsDir)) {
        if (!f.endsWith(".ts")) continue;
        const file = path.join(this.hlsDir, f);
        try {
          if (statSync(file).mtimeMs < cutoff) rmSync(file, { force: true });
        } catch {
          // Gone meanwhile.
        }
      }
    } catch {
      // Nothing there yet.
    }
  }

  private onProgress(line: string): void {
    this.progressLines.push(line);
    if (!line.startsWith("progress=")) return;
    const b = parseProgressBlock(this.progressLines);
    this.progressLines = [];
    if (b.fps !== null) this.fps = b.fps;
    if (b.bitrateKbps !== null) this.bitrateKbps = b.bitrateKbps;
    else if (this.bitrateKbps === null) this.measureBitrate();
  }

  private onFrame(jpeg: Buffer): void {
    const now = Date.now();
    this.lastFrameAt = now;
    // Keyframe sampling may yield more frames than wanted: keep `analysisFps` a second.
    if (now - this.lastForwarded < 1000 / this.settings.analysisFps - 50) return;
    this.lastForwarded = now;
    const size = jpegSize(jpeg);
    if (!size) {
      this.log.warn("sampler produced an unreadable JPEG; dropped");
      return;
    }
    const source = samplingMode(this.settings.analysisFps, 1 / this.settings.assumedGopSeconds);
    this.frames
      .push(this.spec.id, jpeg, size.width, size.height, source)
      .catch((err) => this.log.warn({ err }, "frame enqueue failed"));
  }
}
