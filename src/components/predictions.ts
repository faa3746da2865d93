// Per-sample test predictions of a stored model (written by src/data/predictions/[run].bin.ts; layout in
// loaders/report/predictions.ts): decoding, the images of one confusion cell, and per-class precision/recall.
// Pure functions of bytes and arrays, so Node tests can import them too.

/** A test image whose pixels were kept, with the model's answer. */
export interface GalleryItem {
  position: number;
  index: number;
  label: number;
  predicted: number;
  confidence: number;
  probabilities: number[];
  pixels: Uint8Array;
}
export interface DecodedPredictions {
  count: number;
  classes: number;
  side: number;
  index: Uint16Array;
  label: Uint8Array;
  predicted: Uint8Array;
  confidence: Float32Array;
  gallery: GalleryItem[];
}

const MAGIC = 0x52504e4d; // "MNPR"
const VERSION = 1;

/**
 * Decodes a predictions file. Returns {count, classes, side, index, label, predicted, confidence, gallery},
 * where the per-sample arrays have `count` entries (confidence as a Float32Array in 0..1) and `gallery`
 * lists the samples whose image was kept: {position, index, label, predicted, confidence, probabilities, pixels}.
 */
export function decodePredictions(buffer: ArrayBuffer | Uint8Array): DecodedPredictions {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 16 || view.getUint32(0, true) !== MAGIC) throw new Error("not a predictions file (bad magic number)");
  const version = view.getUint8(4);
  if (version !== VERSION) throw new Error(`predictions file version ${version}, expected ${VERSION}`);
  const classes = view.getUint8(5);
  const side = view.getUint16(6, true);
  const count = view.getUint32(8, true);
  const stored = view.getUint32(12, true);
  const pixels = side * side;
  const expected = 16 + 6 * count + stored * (2 + classes + pixels);
  if (bytes.byteLength !== expected) throw new Error(`predictions file has ${bytes.byteLength} bytes, its header implies ${expected}`);
  let offset = 16;
  const index = new Uint16Array(count);
  for (let i = 0; i < count; i++, offset += 2) index[i] = view.getUint16(offset, true);
  const label = bytes.slice(offset, (offset += count));
  const predicted = bytes.slice(offset, (offset += count));
  const confidence = new Float32Array(count);
  for (let i = 0; i < count; i++, offset += 2) confidence[i] = view.getUint16(offset, true) / 0xffff;
  const positions = new Uint16Array(stored);
  for (let k = 0; k < stored; k++, offset += 2) positions[k] = view.getUint16(offset, true);
  const gallery: GalleryItem[] = [];
  const probabilityStart = offset;
  const pixelStart = offset + stored * classes;
  for (let k = 0; k < stored; k++) {
    const position = positions[k];
    const probabilities = Array.from(bytes.subarray(probabilityStart + k * classes, probabilityStart + (k + 1) * classes), (b) => b / 255);
    gallery.push({
      position,
      index: index[position],
      label: label[position],
      predicted: predicted[position],
      confidence: confidence[position],
      probabilities,
      pixels: bytes.subarray(pixelStart + k * pixels, pixelStart + (k + 1) * pixels)
    });
  }
  return {count, classes, side, index, label, predicted, confidence, gallery};
}

/**
 * The samples of one confusion cell: how many there are in all (`total`) and those with a stored image
 * (`items`), most confident first.
 */
export function cellSamples(decoded: DecodedPredictions, actual: number, predicted: number): { total: number; items: GalleryItem[] } {
  let total = 0;
  for (let i = 0; i < decoded.count; i++) if (decoded.label[i] === actual && decoded.predicted[i] === predicted) total++;
  const items = decoded.gallery
    .filter((d) => d.label === actual && d.predicted === predicted)
    .sort((a, b) => b.confidence - a.confidence || a.index - b.index);
  return {total, items};
}

/** The confusion matrix (rows actual, columns predicted) of the decoded predictions. */
export function confusionFromPredictions(decoded: DecodedPredictions): number[][] {
  const matrix: number[][] = Array.from({length: decoded.classes}, () => new Array<number>(decoded.classes).fill(0));
  for (let i = 0; i < decoded.count; i++) matrix[decoded.label[i]][decoded.predicted[i]]++;
  return matrix;
}

/** Precision and recall of class `c` from a confusion matrix (null where undefined: nothing predicted or no samples). */
export function classScores(
  matrix: number[][],
  c: number
): { precision: number | null; recall: number | null; support: number; predictedAs: number; correct: number } {
  const tp = matrix[c][c];
  const support = matrix[c].reduce((a, b) => a + b, 0);
  const predictedAs = matrix.reduce((s, row) => s + row[c], 0);
  return {precision: predictedAs ? tp / predictedAs : null, recall: support ? tp / support : null, support, predictedAs, correct: tp};
}
