/**
 * The snapshot button: the frame on screen as a JPEG download, drawn from the <video> through a canvas
 * (the stream is same-origin, so the canvas is not tainted); when the video has no frame yet, the
 * camera's latest frame from the API.
 */
export function snapshotName(cameraName: string, at = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${at.getFullYear()}${p(at.getMonth() + 1)}${p(at.getDate())}-${p(at.getHours())}${p(at.getMinutes())}${p(at.getSeconds())}`;
  const safe = cameraName.replace(/[\\/:*?"<>|\s]+/g, "_").slice(0, 60) || "camera";
  return `${safe}-${stamp}.jpg`;
}

/** The current frame of a video as JPEG, or null when it has none. */
export function grabFrame(video: HTMLVideoElement | null | undefined): Promise<Blob | null> {
  if (!video || video.readyState < 2 || !video.videoWidth) return Promise.resolve(null);
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const ctx = canvas.getContext("2d");
  if (!ctx) return Promise.resolve(null);
  ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => {
    try {
      canvas.toBlob((b) => resolve(b), "image/jpeg", 0.92);
    } catch {
      resolve(null);
    }
  });
}

/** Saves a blob as a file download. */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
