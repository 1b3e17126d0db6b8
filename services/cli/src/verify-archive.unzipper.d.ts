/**
 * The part of `unzipper` (0.10, the ZIP reader exceljs also uses) that `mingfang verify-archive` calls: the
 * central directory of a ZIP file, and a stream of each entry's bytes. The package ships no types.
 */
declare module "unzipper" {
  import type { Readable } from "node:stream";

  export interface ZipEntry {
    path: string;
    type: "File" | "Directory";
    uncompressedSize: number;
    compressedSize: number;
    compressionMethod: number;
    stream(password?: string): Readable;
  }

  export interface CentralDirectory {
    files: ZipEntry[];
  }

  export const Open: {
    file(path: string): Promise<CentralDirectory>;
  };
}
