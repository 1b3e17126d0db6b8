/**
 * The part of `archiver` (5.x, the streaming ZIP writer exceljs also uses) that the case archive calls. The
 * package ships no types and @types/archiver is not installed; these follow its documented API.
 */
declare module "archiver" {
  import type { Readable, Transform } from "node:stream";

  export interface EntryData {
    name: string;
    date?: Date;
    /** true: stored without compression (for JPEG, PNG, MP4, which do not shrink). */
    store?: boolean;
  }

  export interface Archiver extends Transform {
    append(source: Readable | Buffer | string, data: EntryData): this;
    finalize(): Promise<void>;
    abort(): this;
    /** Bytes written so far. */
    pointer(): number;
    on(event: "entry", listener: (entry: EntryData) => void): this;
    on(event: "warning" | "error", listener: (err: Error) => void): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }

  function archiver(format: "zip", options?: { zlib?: { level?: number }; forceZip64?: boolean }): Archiver;
  export default archiver;
}
