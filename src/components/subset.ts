// Reads the image subsets the site ships for training in the page (written by loaders/data/subsetfile.ts):
// a "MNSS" header, uint8 labels, uint8 pixels; the file on the site is gzip-compressed.

/** A decoded subset: labels and pixels are views of the file's bytes. */
export interface DecodedSubset {
  count: number;
  rows: number;
  cols: number;
  classes: number;
  labels: Uint8Array;
  pixels: Uint8Array;
}

const MAGIC = "MNSS";
const VERSION = 1;
const HEADER_BYTES = 12;

/** True when the bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decodes an uncompressed subset file into {count, rows, cols, classes, labels, pixels}; labels and pixels
 * are Uint8Array views of the input. Throws on a wrong magic number, version, size or label.
 */
export function decodeSubset(input: Uint8Array | ArrayBuffer): DecodedSubset {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (bytes.length < HEADER_BYTES) throw new Error(`subset file too short: ${bytes.length} bytes`);
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== MAGIC) throw new Error(`not a subset file: magic "${magic}", expected "${MAGIC}"`);
  if (bytes[4] !== VERSION) throw new Error(`unsupported subset file version ${bytes[4]}`);
  const rows = bytes[5];
  const cols = bytes[6];
  const classes = bytes[7];
  const count = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  const expected = HEADER_BYTES + count + count * rows * cols;
  if (bytes.length !== expected) throw new Error(`subset file of ${count} ${rows}x${cols} images should have ${expected} bytes, has ${bytes.length}`);
  const labels = bytes.subarray(HEADER_BYTES, HEADER_BYTES + count);
  for (let i = 0; i < count; i++) if (labels[i] >= classes) throw new Error(`label ${labels[i]} at index ${i} is not below ${classes}`);
  const pixels = bytes.subarray(HEADER_BYTES + count);
  return {count, rows, cols, classes, labels, pixels};
}

/** Gunzips bytes with the browser's DecompressionStream. */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Fetches a subset from a URL (or takes a FileAttachment) and decodes it, gunzipping when compressed. */
export async function loadSubset(source: string | { arrayBuffer(): Promise<ArrayBuffer> }): Promise<DecodedSubset> {
  const buffer = typeof source === "string" ? await (await fetch(source)).arrayBuffer() : await source.arrayBuffer();
  let bytes = new Uint8Array(buffer);
  if (isGzip(bytes)) bytes = await gunzip(bytes) as Uint8Array<ArrayBuffer>;
  return decodeSubset(bytes);
}

/** Images [start, end) of a subset as floats in [0, 1], one image after another. */
export function toFloats(subset: DecodedSubset, start = 0, end = subset.count): Float32Array {
  const size = subset.rows * subset.cols;
  const out = new Float32Array((end - start) * size);
  const src = subset.pixels.subarray(start * size, end * size);
  for (let i = 0; i < src.length; i++) out[i] = src[i] / 255;
  return out;
}
