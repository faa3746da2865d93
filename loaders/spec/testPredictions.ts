// Every run's answer for every test image, stored compactly, and the test sets they index, so that
// any two runs scored on the same images can be compared image by image (McNemar, the per-image
// ledger, fixed and broken images). Pure encoding: no Node-only imports, so pages decode with it too.

/** "MNRP": a run's per-image predictions. */
export const RUN_PREDICTIONS_MAGIC = 0x50524e4d;
/** "MNTS": a test set, the official indices and task labels a run's predictions are aligned with. */
export const TEST_SET_MAGIC = 0x53544e4d;
export const TEST_PREDICTIONS_VERSION = 1;
export const RUN_PREDICTIONS_FILE = "predictions.bin";
const HEADER = 12;

export interface RunPredictions {
  /** Classes of the task (2 for a 5-vs-8 run, 10 otherwise). */
  classes: number;
  /** Predicted task class of each test image, in the test set's order. */
  predicted: Uint8Array;
  /** Probability the model gave its predicted class, per image, in [0, 1] (stored to 1/65535). */
  confidence: Float32Array;
}

export interface TestSet {
  /** Names the images: the dataset, the task's classes and how many were drawn (testSetId). */
  id: string;
  classes: number;
  /** Index of each image in the dataset's official test set. */
  index: Uint16Array;
  /** Its task label (0 .. classes - 1). */
  label: Uint8Array;
}

/**
 * The id of the test images a run is scored on: all runs of one dataset and task with the same test
 * size see the same images in the same order, whatever their seed (prepareData draws a subset with a
 * fixed seed), so this names them. E.g. "mnist", "mnist-5v8", "fashion-mnist-n1000".
 */
export function testSetId(dataset: string, classes: readonly number[] | undefined, count: number, poolSize: number): string {
  return `${dataset}${classes ? `-${classes.join("v")}` : ""}${count < poolSize ? `-n${count}` : ""}`;
}

function header(view: DataView, magic: number, classes: number, count: number) {
  view.setUint32(0, magic, true);
  view.setUint8(4, TEST_PREDICTIONS_VERSION);
  view.setUint8(5, classes);
  view.setUint32(8, count, true);
}

function readHeader(bytes: Uint8Array, magic: number, what: string): { view: DataView; classes: number; count: number } {
  if (bytes.length < HEADER) throw new RangeError(`${what}: ${bytes.length} bytes, shorter than its ${HEADER}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== magic) throw new RangeError(`${what}: wrong magic number 0x${view.getUint32(0, true).toString(16)}`);
  const version = view.getUint8(4);
  if (version !== TEST_PREDICTIONS_VERSION) throw new RangeError(`${what}: version ${version}, expected ${TEST_PREDICTIONS_VERSION}`);
  return { view, classes: view.getUint8(5), count: view.getUint32(8, true) };
}

/**
 * Layout (little-endian): u32 magic "MNRP", u8 version, u8 classes, u16 0, u32 count N,
 * then u8[N] predicted class, u16[N] confidence × 65535: 3 bytes an image.
 */
export function encodeRunPredictions(p: RunPredictions): Uint8Array {
  const n = p.predicted.length;
  if (p.confidence.length !== n) throw new RangeError(`encodeRunPredictions: ${n} predictions but ${p.confidence.length} confidences`);
  const bytes = new Uint8Array(HEADER + 3 * n);
  const view = new DataView(bytes.buffer);
  header(view, RUN_PREDICTIONS_MAGIC, p.classes, n);
  bytes.set(p.predicted, HEADER);
  for (let i = 0; i < n; i++) {
    const c = p.confidence[i];
    if (!(c >= 0 && c <= 1)) throw new RangeError(`encodeRunPredictions: confidence ${c} of image ${i} is not a probability`);
    if (p.predicted[i] >= p.classes) throw new RangeError(`encodeRunPredictions: class ${p.predicted[i]} of image ${i} is not below ${p.classes}`);
    view.setUint16(HEADER + n + 2 * i, Math.round(c * 65535), true);
  }
  return bytes;
}

export function decodeRunPredictions(bytes: Uint8Array, what = "predictions"): RunPredictions {
  const { view, classes, count: n } = readHeader(bytes, RUN_PREDICTIONS_MAGIC, what);
  if (bytes.length !== HEADER + 3 * n) throw new RangeError(`${what}: ${bytes.length} bytes, expected ${HEADER + 3 * n} for ${n} images`);
  const predicted = bytes.slice(HEADER, HEADER + n);
  for (let i = 0; i < n; i++) if (predicted[i] >= classes) throw new RangeError(`${what}: image ${i} has class ${predicted[i]}, not below ${classes}`);
  const confidence = new Float32Array(n);
  for (let i = 0; i < n; i++) confidence[i] = view.getUint16(HEADER + n + 2 * i, true) / 65535;
  return { classes, predicted, confidence };
}

/**
 * Layout (little-endian): u32 magic "MNTS", u8 version, u8 classes, u16 0, u32 count N,
 * u16[N] official test-set index, u8[N] task label, then the id as UTF-8.
 */
export function encodeTestSet(t: TestSet): Uint8Array {
  const n = t.index.length;
  if (t.label.length !== n) throw new RangeError(`encodeTestSet: ${n} indices but ${t.label.length} labels`);
  const id = new TextEncoder().encode(t.id);
  const bytes = new Uint8Array(HEADER + 3 * n + id.length);
  const view = new DataView(bytes.buffer);
  header(view, TEST_SET_MAGIC, t.classes, n);
  for (let i = 0; i < n; i++) view.setUint16(HEADER + 2 * i, t.index[i], true);
  bytes.set(t.label, HEADER + 2 * n);
  bytes.set(id, HEADER + 3 * n);
  return bytes;
}

export function decodeTestSet(bytes: Uint8Array, what = "test set"): TestSet {
  const { view, classes, count: n } = readHeader(bytes, TEST_SET_MAGIC, what);
  if (bytes.length < HEADER + 3 * n) throw new RangeError(`${what}: ${bytes.length} bytes, too short for ${n} images`);
  const index = new Uint16Array(n);
  for (let i = 0; i < n; i++) index[i] = view.getUint16(HEADER + 2 * i, true);
  const label = bytes.slice(HEADER + 2 * n, HEADER + 3 * n);
  for (let i = 0; i < n; i++) if (label[i] >= classes) throw new RangeError(`${what}: image ${i} has label ${label[i]}, not below ${classes}`);
  const id = new TextDecoder().decode(bytes.subarray(HEADER + 3 * n));
  return { id, classes, index, label };
}

/** Per image, 1 where the run's prediction is the label: the input of pairedComparison. */
export function correctness(predictions: RunPredictions, testSet: TestSet): Uint8Array {
  if (predictions.predicted.length !== testSet.label.length) {
    throw new RangeError(`predictions of ${predictions.predicted.length} images do not fit test set ${testSet.id} of ${testSet.label.length}`);
  }
  return predictions.predicted.map((p, i) => (p === testSet.label[i] ? 1 : 0));
}
