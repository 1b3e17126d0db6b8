/**
 * A minimal POSIX ustar writer (regular files only) for streaming exports: one 512-byte header per file,
 * the content padded to 512 bytes, two zero blocks at the end. Read by GNU tar, bsdtar and Python's
 * tarfile. Names must fit the 100-byte name field (the exports use short ASCII paths).
 */

const BLOCK = 512;

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, "0")}\0`;
}

export function tarHeader(name: string, size: number, mtimeSeconds: number): Buffer {
  const nameBytes = Buffer.from(name, "utf8");
  if (nameBytes.length > 100) throw new Error(`tar: name too long: ${name}`);
  const h = Buffer.alloc(BLOCK, 0);
  nameBytes.copy(h, 0);
  h.write(octal(0o644, 8), 100, "ascii");
  h.write(octal(0, 8), 108, "ascii");
  h.write(octal(0, 8), 116, "ascii");
  h.write(octal(size, 12), 124, "ascii");
  h.write(octal(Math.floor(mtimeSeconds), 12), 136, "ascii");
  h.write("        ", 148, "ascii"); // checksum placeholder: eight spaces
  h.write("0", 156, "ascii"); // regular file
  h.write("ustar\0", 257, "ascii");
  h.write("00", 263, "ascii");
  h.write("mingfang", 265, "ascii");
  h.write("mingfang", 297, "ascii");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  return h;
}

/** Header, content and padding of one file. */
export function tarFile(name: string, data: Buffer, mtimeSeconds: number): Buffer[] {
  const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
  return [tarHeader(name, data.length, mtimeSeconds), data, Buffer.alloc(pad, 0)];
}

export const TAR_END = Buffer.alloc(BLOCK * 2, 0);
