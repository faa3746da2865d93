// Reader for IDX files (the MNIST file format), plain or gzipped, with errors that say which file is wrong and how.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

/** The only IDX element type this reader accepts: unsigned byte. */
export const IDX_TYPE_UBYTE = 0x08;
const HEADER_BYTES = 4;
const DIM_BYTES = 4;

/** A problem with an IDX file. The message always names the file. */
export class IdxError extends Error {
  readonly file: string;
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super(`${file}: ${problem}`, options);
    this.name = "IdxError";
    this.file = file;
  }
}

export interface IdxArray {
  /** Size of each dimension, outermost first (e.g. [60000, 28, 28]). */
  dims: number[];
  /** The elements in row-major order: a view into the input buffer, not a copy. */
  data: Uint8Array;
}

export interface IdxExpectations {
  /** The whole 32-bit magic number, e.g. 0x00000803 for a 3-dimensional unsigned-byte array. */
  expectMagic?: number;
  /** Expected dimension sizes; null means any size (e.g. [null, 28, 28]). */
  expectDims?: (number | null)[];
}

export const hex32 = (n: number) => "0x" + (n >>> 0).toString(16).padStart(8, "0");
const hex8 = (n: number) => "0x" + n.toString(16).padStart(2, "0");
const showDims = (dims: (number | null)[]) => `[${dims.map((d) => (d == null ? "any" : d)).join(", ")}]`;

/**
 * Parses an IDX buffer: two zero bytes, a type byte (only 0x08, unsigned byte, is accepted), a
 * dimension count, one big-endian uint32 per dimension, then the data. `file` is only used in
 * error messages. Optional expectations are checked as in readIdxFile.
 */
export function readIdx(buffer: Uint8Array, file: string, expect: IdxExpectations = {}): IdxArray {
  if (buffer.length < HEADER_BYTES) {
    throw new IdxError(file, `file is too short for an IDX header: expected at least ${HEADER_BYTES} bytes, found ${buffer.length}`);
  }
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const magic = view.getUint32(0, false);
  const type = buffer[2];
  const ndim = buffer[3];

  if (expect.expectMagic != null && magic !== expect.expectMagic >>> 0) {
    const expected = expect.expectMagic >>> 0;
    // Name the part of the magic number that differs, when the leading zero bytes are right.
    const sameTypeAndPrefix = magic >>> 8 === expected >>> 8;
    const detail = sameTypeAndPrefix ? ` (wrong dimension count: expected ${expected & 0xff}, found ${ndim})` : "";
    throw new IdxError(file, `bad magic number: expected ${hex32(expected)}, found ${hex32(magic)}${detail}`);
  }
  if (buffer[0] !== 0 || buffer[1] !== 0) {
    const expected = ((IDX_TYPE_UBYTE << 8) | (expect.expectDims?.length ?? ndim)) >>> 0;
    throw new IdxError(
      file,
      `bad magic number: expected ${hex32(expected)} (an IDX file starts with two zero bytes), found ${hex32(magic)}; ` +
        `is this really an IDX file${file.endsWith(".gz") ? "" : " (or a gzipped one without the .gz suffix)"}?`
    );
  }
  if (type !== IDX_TYPE_UBYTE) {
    throw new IdxError(file, `unsupported IDX data type ${hex8(type)} (magic ${hex32(magic)}): only ${hex8(IDX_TYPE_UBYTE)} (unsigned byte) is supported`);
  }
  if (expect.expectDims && ndim !== expect.expectDims.length) {
    throw new IdxError(file, `wrong dimension count: expected ${expect.expectDims.length} ${showDims(expect.expectDims)}, found ${ndim}`);
  }

  const headerBytes = HEADER_BYTES + DIM_BYTES * ndim;
  if (buffer.length < headerBytes) {
    throw new IdxError(file, `truncated header: ${ndim} dimensions need ${headerBytes} header bytes, found ${buffer.length}`);
  }
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(HEADER_BYTES + DIM_BYTES * i, false));

  if (expect.expectDims) {
    expect.expectDims.forEach((want, i) => {
      if (want != null && dims[i] !== want) {
        throw new IdxError(file, `wrong size of dimension ${i}: expected ${showDims(expect.expectDims!)}, found ${showDims(dims)}`);
      }
    });
  }

  // Each element is one byte, so the data length is the product of the dimensions.
  const expectedBytes = dims.reduce((a, b) => a * b, 1);
  const found = buffer.length - headerBytes;
  if (found < expectedBytes) {
    throw new IdxError(
      file,
      `data is truncated: dims ${showDims(dims)} need ${expectedBytes} bytes of data, found ${found} (${expectedBytes - found} missing)`
    );
  }
  if (found > expectedBytes) {
    throw new IdxError(
      file,
      `${found - expectedBytes} extra trailing bytes: dims ${showDims(dims)} need ${expectedBytes} bytes of data, found ${found}`
    );
  }
  return { dims, data: buffer.subarray(headerBytes, headerBytes + expectedBytes) };
}

/**
 * Reads an IDX file from disk, gunzipping it first when the path ends in ".gz", and checks the
 * optional expected magic number and dimensions. Every failure (missing file, corrupt gzip,
 * malformed IDX, unexpected shape) is an IdxError naming the file.
 */
export function readIdxFile(path: string, expect: IdxExpectations = {}): IdxArray {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : `cannot read file (${(error as Error).message})`;
    throw new IdxError(path, reason, { cause: error });
  }
  let bytes: Uint8Array = raw;
  if (path.endsWith(".gz")) {
    try {
      bytes = gunzipSync(raw);
    } catch (error) {
      throw new IdxError(path, `corrupt gzip data, cannot decompress: ${(error as Error).message}`, { cause: error });
    }
  }
  return readIdx(bytes, path, expect);
}
