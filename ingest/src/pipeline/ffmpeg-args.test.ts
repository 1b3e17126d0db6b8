import { describe, expect, it } from "vitest";
import {
  buildLiveArgs,
  buildMaskedArgs,
  buildProbeArgs,
  buildSamplerArgs,
  inputArgs,
  maskBlurRadius,
  needsTranscode,
  parseProbe,
  parseProgressBlock,
  samplingMode,
  scrubLine,
} from "./ffmpeg-args.js";

const url = "rtsp://admin:pw123@127.0.0.1:8554/cam-1/main";

describe("ffmpeg arguments", () => {
  it("pulls RTSP over TCP with a socket timeout and a 1 s analysis, other protocols with rw_timeout", () => {
    expect(inputArgs({ url, timeoutSeconds: 5 })).toEqual([
      "-rtsp_transport",
      "tcp",
      "-timeout",
      "5000000",
      "-analyzeduration",
      "1000000",
      "-i",
      url,
    ]);
    expect(inputArgs({ url: "rtmp://127.0.0.1/live/k", timeoutSeconds: 2 })).toEqual([
      "-rw_timeout",
      "2000000",
      "-i",
      "rtmp://127.0.0.1/live/k",
    ]);
  });

  it("copies H.264 into HLS with a rolling, self-cleaning playlist", () => {
    const a = buildLiveArgs({
      url,
      timeoutSeconds: 5,
      hlsDir: "/m/hls/1",
      segmentSeconds: 1,
      listSize: 6,
      codec: "h264",
    });
    const s = a.join(" ");
    expect(s).toContain("-c:v copy");
    expect(s).not.toContain("libx264");
    expect(s).toContain("-f hls -hls_time 1 -hls_list_size 6");
    expect(s).toContain("delete_segments");
    expect(s).toContain("-hls_start_number_source epoch");
    expect(a.at(-1)).toBe("/m/hls/1/index.m3u8");
    expect(a).toContain("-progress");
    expect(a.indexOf("-i")).toBeLessThan(a.indexOf("-f"));
  });

  it("leaves the deletion of a recording buffer's segments to the camera owner", () => {
    const s = buildLiveArgs({
      url,
      timeoutSeconds: 5,
      hlsDir: "/m/hls/1",
      segmentSeconds: 1,
      listSize: 6,
      keepSegments: 120,
      codec: "h264",
    }).join(" ");
    expect(s).not.toContain("delete_segments");
    expect(s).not.toContain("-hls_delete_threshold");
    expect(s).toContain("-hls_flags independent_segments+program_date_time+temp_file");
  });

  it.each(["hevc", "mjpeg", null])("transcodes %s to H.264", (codec) => {
    expect(needsTranscode(codec)).toBe(true);
    const s = buildLiveArgs({
      url,
      timeoutSeconds: 5,
      hlsDir: "/x",
      segmentSeconds: 2,
      listSize: 4,
      codec,
      transcode: { width: 640, fps: 15 },
    }).join(" ");
    expect(s).toContain("-c:v libx264 -preset ultrafast");
    expect(s).toContain("scale=640:-2,fps=15");
    expect(s).toContain("-g 30");
  });

  it("publishes to RTMP as well when asked", () => {
    const a = buildLiveArgs({
      url,
      timeoutSeconds: 5,
      hlsDir: "/x",
      segmentSeconds: 1,
      listSize: 6,
      codec: "h264",
      rtmpUrl: "rtmp://127.0.0.1:1935/live/cam-1?sign=abc",
    });
    expect(a.slice(-3)).toEqual(["-f", "flv", "rtmp://127.0.0.1:1935/live/cam-1?sign=abc"]);
  });

  it("decodes keyframes only when they come often enough, else an fps filter", () => {
    expect(samplingMode(0.5, 0.5)).toBe("keyframe");
    expect(samplingMode(2, 0.5)).toBe("fps");
    expect(samplingMode(0.5, null)).toBe("fps");
    const kf = buildSamplerArgs({ url, timeoutSeconds: 5, fps: 0.5, keyframeFps: 1, width: 640, quality: 5 });
    expect(kf.slice(0, kf.indexOf("-i"))).toContain("-skip_frame");
    // Keyframes every second, one frame wanted every two: the surplus is dropped before scaling.
    expect(kf.join(" ")).toContain(
      "-vf select='isnan(prev_selected_t)+gte(t-prev_selected_t,1.8)',scale='min(640,iw)':-2",
    );
    const every = buildSamplerArgs({
      url,
      timeoutSeconds: 5,
      fps: 0.5,
      keyframeFps: 0.5,
      width: 640,
      quality: 5,
    });
    expect(every.join(" ")).toContain("-vf scale='min(640,iw)':-2");
    expect(kf.slice(-3)).toEqual(["-f", "image2pipe", "pipe:1"]);
    const fps = buildSamplerArgs({ url, timeoutSeconds: 5, fps: 2, keyframeFps: 1, width: 320, quality: 3 });
    expect(fps).not.toContain("-skip_frame");
    expect(fps.join(" ")).toContain("-vf fps=2,scale='min(320,iw)':-2");
  });

  it("probes the first video stream and reads its answer", () => {
    const a = buildProbeArgs({ url, timeoutSeconds: 5 });
    expect(a.at(-1)).toBe(url);
    expect(a).toContain("-rtsp_transport");
    expect(a.filter((x) => x === "-i")).toHaveLength(0);
    expect(
      parseProbe('{"streams":[{"codec_name":"h264","width":768,"height":576,"avg_frame_rate":"10/1"}]}'),
    ).toEqual({ codec: "h264", width: 768, height: 576, fps: 10 });
    expect(parseProbe('{"streams":[]}').codec).toBeNull();
  });

  it("parses a -progress block", () => {
    const b = parseProgressBlock([
      "frame=250",
      "fps=10.01",
      "bitrate= 812.3kbits/s",
      "out_time_us=25000000",
      "progress=continue",
    ]);
    expect(b).toEqual({ frame: 250, fps: 10.01, bitrateKbps: 812.3, outTimeUs: 25000000, end: false });
    expect(parseProgressBlock(["bitrate=N/A", "progress=end"])).toMatchObject({
      bitrateKbps: null,
      end: true,
    });
  });

  it("scrubs URLs and known secrets from ffmpeg's lines", () => {
    const line = `[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized (${url}) pw123`;
    const clean = scrubLine(line, ["pw123"]);
    expect(clean).not.toContain("pw123");
    expect(clean).toContain("rtsp://***@127.0.0.1:8554/cam-1/main");
    expect(scrubLine("Error opening rtmp://127.0.0.1:1935/live/cam-1?key=1796.abcdef&x=1 (I/O)", [])).toBe(
      "Error opening rtmp://127.0.0.1:1935/live/cam-1?key=***&x=1 (I/O)",
    );
  });

  describe("the masked public output", () => {
    const masked = {
      inputPlaylist: "/data/media/hls/7/index.m3u8",
      maskFile: "/data/media/hls/7/public/mask.pgm",
      width: 768,
      height: 576,
      fps: 10,
      hlsDir: "/data/media/hls/7/public",
      segmentSeconds: 1,
      listSize: 6,
    };
    const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

    it("reads the private HLS from disk (never the camera, never its URL) and the mask image", () => {
      const a = buildMaskedArgs(masked);
      const inputs = a.flatMap((v, i) => (v === "-i" ? [a[i + 1]] : []));
      expect(inputs).toEqual([masked.inputPlaylist, masked.maskFile]);
      expect(a.join(" ")).not.toMatch(/rtsp|rtmp/);
      // From the newest segment: the public output starts live, not six seconds behind.
      expect(after(a, "-live_start_index")).toBe("-1");
    });

    it("blurs, keeps the blur only under the mask and lays it over the original, then encodes H.264", () => {
      const a = buildMaskedArgs(masked);
      const graph = after(a, "-filter_complex")!;
      expect(graph).toContain("[0:v]split=2[base][toblur]");
      expect(graph).toContain("[1:v][toblur]scale2ref[mask][toblur2]");
      expect(graph).toContain(`boxblur=luma_radius=${maskBlurRadius(768, 576)}`);
      expect(graph).toContain("[blur][alpha]alphamerge[blurred]");
      expect(graph).toContain("[base][blurred]overlay");
      expect(after(a, "-map")).toBe("[out]");
      expect(after(a, "-c:v")).toBe("libx264");
      expect(after(a, "-preset")).toBe("ultrafast");
      // A keyframe per segment: every public segment starts independently.
      expect(after(a, "-g")).toBe("10");
      expect(a).not.toContain("copy");
    });

    it("writes its own HLS folder and segment names (mseg-N), epoch-numbered as the private output", () => {
      const a = buildMaskedArgs(masked);
      expect(after(a, "-hls_segment_filename")).toBe("/data/media/hls/7/public/mseg-%d.ts");
      expect(a.at(-1)).toBe("/data/media/hls/7/public/index.m3u8");
      expect(after(a, "-hls_start_number_source")).toBe("epoch");
      expect(after(a, "-hls_flags")).toContain("temp_file");
    });

    it("scales the blur with the picture, never below 4 px", () => {
      expect(maskBlurRadius(1920, 1080)).toBe(54);
      expect(maskBlurRadius(640, 360)).toBe(18);
      expect(maskBlurRadius(64, 48)).toBe(4);
    });
  });
});
