/**
 * Letterbox geometry: fit a frame into a model's square (or rectangular) input keeping its aspect ratio,
 * padding the rest (Ultralytics: grey 114). Pure arithmetic; the pixels are moved by sharp elsewhere.
 */

export interface Letterbox {
  /** Model input size. */
  inputWidth: number;
  inputHeight: number;
  /** Scale from frame pixels to input pixels (letterbox: the same on both axes). */
  scale: number;
  scaleX: number;
  scaleY: number;
  /** Size of the resized frame inside the input. */
  width: number;
  height: number;
  /** Padding on the left and top (input pixels); the rest of the padding is right and bottom. */
  padX: number;
  padY: number;
}

export function letterbox(
  frameWidth: number,
  frameHeight: number,
  inputWidth: number,
  inputHeight: number = inputWidth,
): Letterbox {
  if (!(frameWidth > 0 && frameHeight > 0))
    throw new RangeError(`bad frame size ${frameWidth}x${frameHeight}`);
  if (!(inputWidth > 0 && inputHeight > 0))
    throw new RangeError(`bad input size ${inputWidth}x${inputHeight}`);
  const scale = Math.min(inputWidth / frameWidth, inputHeight / frameHeight);
  const width = Math.max(1, Math.min(inputWidth, Math.round(frameWidth * scale)));
  const height = Math.max(1, Math.min(inputHeight, Math.round(frameHeight * scale)));
  return {
    inputWidth,
    inputHeight,
    scale,
    scaleX: width / frameWidth,
    scaleY: height / frameHeight,
    width,
    height,
    padX: Math.floor((inputWidth - width) / 2),
    padY: Math.floor((inputHeight - height) / 2),
  };
}

/** Stretches the frame over the whole input (models trained without letterboxing, e.g. CenterNet here). */
export function stretch(
  frameWidth: number,
  frameHeight: number,
  inputWidth: number,
  inputHeight: number = inputWidth,
): Letterbox {
  if (!(frameWidth > 0 && frameHeight > 0))
    throw new RangeError(`bad frame size ${frameWidth}x${frameHeight}`);
  return {
    inputWidth,
    inputHeight,
    scale: Math.min(inputWidth / frameWidth, inputHeight / frameHeight),
    scaleX: inputWidth / frameWidth,
    scaleY: inputHeight / frameHeight,
    width: inputWidth,
    height: inputHeight,
    padX: 0,
    padY: 0,
  };
}

/** An axis-aligned box by its corners, in some pixel space. */
export interface Rect {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** Maps a box from model-input pixels back to frame pixels, clamped to the frame. */
export function unletterboxRect(lb: Letterbox, r: Rect, frameWidth: number, frameHeight: number): Rect {
  const fx = (x: number) => clamp((x - lb.padX) / lb.scaleX, 0, frameWidth);
  const fy = (y: number) => clamp((y - lb.padY) / lb.scaleY, 0, frameHeight);
  return { x1: fx(r.x1), y1: fy(r.y1), x2: fx(r.x2), y2: fy(r.y2) };
}

/** Maps a box from frame pixels into model-input pixels (the forward transform). */
export function letterboxRect(lb: Letterbox, r: Rect): Rect {
  return {
    x1: r.x1 * lb.scaleX + lb.padX,
    y1: r.y1 * lb.scaleY + lb.padY,
    x2: r.x2 * lb.scaleX + lb.padX,
    y2: r.y2 * lb.scaleY + lb.padY,
  };
}

export function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

/** Expands a rect by a factor around its centre (and clamps it to the frame). */
export function expandRect(r: Rect, factor: number, frameWidth: number, frameHeight: number): Rect {
  const cx = (r.x1 + r.x2) / 2;
  const cy = (r.y1 + r.y2) / 2;
  const hw = ((r.x2 - r.x1) * factor) / 2;
  const hh = ((r.y2 - r.y1) * factor) / 2;
  return {
    x1: clamp(cx - hw, 0, frameWidth),
    y1: clamp(cy - hh, 0, frameHeight),
    x2: clamp(cx + hw, 0, frameWidth),
    y2: clamp(cy + hh, 0, frameHeight),
  };
}

/** Integer crop region (sharp extract) of a rect, at least 1×1, inside the frame. */
export function cropRegion(
  r: Rect,
  frameWidth: number,
  frameHeight: number,
): { left: number; top: number; width: number; height: number } {
  const left = clamp(Math.floor(r.x1), 0, frameWidth - 1);
  const top = clamp(Math.floor(r.y1), 0, frameHeight - 1);
  const right = clamp(Math.ceil(r.x2), left + 1, frameWidth);
  const bottom = clamp(Math.ceil(r.y2), top + 1, frameHeight);
  return { left, top, width: right - left, height: bottom - top };
}
