/**
 * A demonstration site's QR code and A4 poster (一店一码): `GET /api/workshops/:id/poster` says where the
 * code leads and where the images are; the images themselves are `public-qr.png`, `poster.png`, `poster.pdf`
 * beside it.
 */
import { type Static, Type } from "typebox";

export const PosterView = Type.Object(
  {
    workshopId: Type.Integer(),
    /** What the QR code opens: `${PUBLIC_BASE_URL}/public/sites/<workshopId>`. */
    publicUrl: Type.String(),
    qrPng: Type.String({ description: "The QR code alone (PNG), for the screen." }),
    posterPng: Type.String({ description: "The A4 poster as PNG, 200 dpi (1654 × 2339)." }),
    posterPdf: Type.String({ description: "The A4 poster as PDF, vector text and code." }),
  },
  { additionalProperties: false },
);
export type PosterView = Static<typeof PosterView>;
