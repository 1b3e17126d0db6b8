// What facebox.mjs and mit-web.mjs share: cutting a region out of a decoded image.
import { crop } from "../../analytics/dist/models/image.adapter.js";

/** The region r ({x1, y1, x2, y2} px, may reach outside) clamped to the image, outward to whole pixels. */
export const cut = (img, r) => {
  const left = Math.max(0, Math.floor(r.x1));
  const top = Math.max(0, Math.floor(r.y1));
  const right = Math.min(img.width, Math.ceil(r.x2));
  const bottom = Math.min(img.height, Math.ceil(r.y2));
  return crop(img, { left, top, width: Math.max(1, right - left), height: Math.max(1, bottom - top) });
};
