// Small image helpers for the model tools (measurement, crop export): frames from ffmpeg as packed RGB,
// crops resized bilinearly into NCHW float 0..1, PPM/PNG output for looking at results. No native deps.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";

/** Decodes `count` frames of a video (every `step`-th, from `start`) to RGB24 buffers with ffmpeg. */
export function readFrames(file, { start = 0, step = 1, count = 1 } = {}) {
  const probe = spawnSync(
    "ffprobe",
    ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", file],
    {
      encoding: "utf8",
    },
  );
  const [width, height] = probe.stdout.trim().split(",").map(Number);
  const select = `select='gte(n\\,${start})*not(mod(n-${start}\\,${step}))'`;
  const r = spawnSync(
    "ffmpeg",
    [
      "-v",
      "error",
      "-i",
      file,
      "-vf",
      select,
      "-vsync",
      "0",
      "-frames:v",
      String(count),
      "-f",
      "rawvideo",
      "-pix_fmt",
      "rgb24",
      "-",
    ],
    { maxBuffer: width * height * 3 * count + 1024 },
  );
  if (r.status !== 0) throw new Error(`ffmpeg failed on ${file}: ${r.stderr}`);
  const size = width * height * 3;
  const frames = [];
  for (let i = 0; i + size <= r.stdout.length; i += size)
    frames.push({ width, height, data: r.stdout.subarray(i, i + size) });
  return frames;
}

/** Reads a still image (JPEG/PNG) via ffmpeg. */
export function readImage(file) {
  return readFrames(file, { count: 1 })[0];
}

/**
 * The region [x, y, w, h] of `img` resized to `size`×`height` (default square) into NCHW float 0..1. With `letterbox` the
 * region keeps its aspect ratio and is centred on black; outside the image is black.
 * Returns the tensor and the mapping back: original = offset + tensor_coord * scale.
 */
export function cropToTensor(img, [x, y, w, h], size, letterbox, height = size) {
  const out = new Float32Array(3 * size * height);
  let sx = w / size;
  let sy = h / height;
  let ox = x;
  let oy = y;
  if (letterbox) {
    const s = Math.max(w / size, h / height);
    sx = s;
    sy = s;
    ox = x - (size * s - w) / 2;
    oy = y - (height * s - h) / 2;
  }
  const plane = size * height;
  for (let ty = 0; ty < height; ty++) {
    const fy = oy + (ty + 0.5) * sy - 0.5;
    for (let tx = 0; tx < size; tx++) {
      const fx = ox + (tx + 0.5) * sx - 0.5;
      const inside = fx >= x - 0.5 && fx <= x + w - 0.5 && fy >= y - 0.5 && fy <= y + h - 0.5;
      if (!inside) continue;
      const x0 = Math.max(0, Math.min(img.width - 1, Math.floor(fx)));
      const y0 = Math.max(0, Math.min(img.height - 1, Math.floor(fy)));
      const x1 = Math.min(img.width - 1, x0 + 1);
      const y1 = Math.min(img.height - 1, y0 + 1);
      const ax = Math.max(0, Math.min(1, fx - x0));
      const ay = Math.max(0, Math.min(1, fy - y0));
      for (let c = 0; c < 3; c++) {
        const p = (xx, yy) => img.data[(yy * img.width + xx) * 3 + c];
        const v =
          (p(x0, y0) * (1 - ax) + p(x1, y0) * ax) * (1 - ay) + (p(x0, y1) * (1 - ax) + p(x1, y1) * ax) * ay;
        out[c * plane + ty * size + tx] = v / 255;
      }
    }
  }
  return { tensor: out, map: { ox, oy, sx, sy } };
}

/** Axis-aligned IoU of [x1,y1,x2,y2] boxes. */
export function iou(a, b) {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy NMS over {box, score} items, best first. */
export function nms(items, threshold) {
  const sorted = [...items].sort((a, b) => b.score - a.score);
  const kept = [];
  for (const it of sorted) if (kept.every((k) => iou(k.box, it.box) < threshold)) kept.push(it);
  return kept;
}

/** Draws rectangle outlines ([x1,y1,x2,y2], rgb) onto a copy of the image and writes a PNG via ffmpeg. */
export function writeAnnotatedPng(img, rects, file) {
  const data = Buffer.from(img.data);
  const put = (x, y, [r, g, b]) => {
    if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
    const i = (Math.round(y) * img.width + Math.round(x)) * 3;
    data[i] = r;
    data[i + 1] = g;
    data[i + 2] = b;
  };
  for (const { box, color } of rects) {
    const [x1, y1, x2, y2] = box.map(Math.round);
    for (let x = x1; x <= x2; x++) {
      put(x, y1, color);
      put(x, y2, color);
    }
    for (let y = y1; y <= y2; y++) {
      put(x1, y, color);
      put(x2, y, color);
    }
  }
  const ppm = `${file}.ppm`;
  writeFileSync(ppm, Buffer.concat([Buffer.from(`P6\n${img.width} ${img.height}\n255\n`), data]));
  spawnSync("ffmpeg", ["-v", "error", "-y", "-i", ppm, file]);
  spawnSync("rm", ["-f", ppm]);
}
