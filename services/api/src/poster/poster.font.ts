/**
 * The poster's Chinese font: Noto Sans CJK from Debian's fonts-noto-cjk (`node deploy/setup.mjs --for demo`
 * installs it). Looked up at run time; a machine without it answers a clear 503 instead of a poster with
 * empty boxes where the characters should be.
 */
import { existsSync } from "node:fs";
import { HttpError } from "../errors.js";

export interface PosterFonts {
  regular: string;
  bold: string;
  /** The face inside the .ttc collections: Simplified Chinese. */
  regularFace: string;
  boldFace: string;
}

const DIRS = [
  "/usr/share/fonts/opentype/noto",
  "/usr/share/fonts/noto-cjk",
  "/usr/share/fonts/google-noto-cjk",
];

/** The first directory holding both faces, or undefined. `dirs` is for tests. */
export function findPosterFonts(dirs: readonly string[] = DIRS): PosterFonts | undefined {
  for (const dir of dirs) {
    const regular = `${dir}/NotoSansCJK-Regular.ttc`;
    const bold = `${dir}/NotoSansCJK-Bold.ttc`;
    if (existsSync(regular) && existsSync(bold)) {
      return { regular, bold, regularFace: "NotoSansCJKsc-Regular", boldFace: "NotoSansCJKsc-Bold" };
    }
  }
  return undefined;
}

export function posterFontsOrThrow(dirs: readonly string[] = DIRS): PosterFonts {
  const fonts = findPosterFonts(dirs);
  if (!fonts) {
    throw new HttpError(
      503,
      "font_missing",
      `The poster needs the Noto Sans CJK font (NotoSansCJK-Regular.ttc and -Bold.ttc in ${dirs.join(" or ")}): install Debian's fonts-noto-cjk (node deploy/setup.mjs --for demo)`,
    );
  }
  return fonts;
}
