// Two stored runs side by side, from the pack loaders/report/comparePack.ts writes for a task:
// decoding, the paired comparison (difference of accuracy with its interval, McNemar's p-value from
// the pack), the two confusion matrices, the images that moved between them, and the page's address.
import type { CompareMeta } from "../../loaders/report/comparePack.ts";

/** A task's comparison pack, decoded. */
export interface ComparePack {
  meta: CompareMeta;
  label: Uint8Array;
  index: Uint16Array;
  pValue(i: number, j: number): number;
  wrongOf(r: number): { positions: Uint16Array; predicted: Uint8Array; confidence: number[] };
}
export interface ConfusionRow {
  actual: number;
  predicted: number;
  count: number;
  rate: number;
}
/** A test image whose answer differs between the two runs. */
export interface MovedImage {
  position: number;
  index: number;
  label: number;
  predictedA: number;
  predictedB: number;
  confidenceA: number | null;
  confidenceB: number | null;
  change: "fixed" | "broken" | "changed";
}
export interface CompareResult {
  n: number;
  accuracyA: number;
  accuracyB: number;
  onlyA: number;
  onlyB: number;
  difference: number;
  low: number;
  high: number;
  pValue: number;
  verdict: "higher" | "lower" | "indistinguishable";
  confusionA: ConfusionRow[];
  confusionB: ConfusionRow[];
  moved: MovedImage[];
}
/** The page's state in its address. */
export interface CompareState {
  task: string | null;
  a: string | null;
  b: string | null;
  cell: [number, number] | null;
  malformed: string[];
}
type TypedArrayOf<T> = { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number };

const MAGIC = 0x50434e4d;
const IMAGES_MAGIC = 0x49434e4d;
const VERSION = 1;
const PIXELS = 784;

/** Decodes a comparison pack; throws a RangeError that says what is wrong with a damaged one. */
export function decodeComparePack(bytes: Uint8Array): ComparePack {
  if (bytes.length < 12) throw new RangeError(`comparison data: ${bytes.length} bytes, shorter than its header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new RangeError("comparison data: wrong magic number");
  if (view.getUint8(4) !== VERSION) throw new RangeError(`comparison data: version ${view.getUint8(4)}, expected ${VERSION}`);
  const headerLength = view.getUint32(8, true);
  const meta: CompareMeta = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)));
  const R = meta.runs.length;
  const n = meta.n;
  const W = meta.runs.reduce((s, r) => s + r.wrong, 0);
  const pairs = (R * (R - 1)) / 2;
  const expected = 12 + headerLength + 4 * pairs + 4 * (R + 1) + 2 * (W + n) + 2 * W + n;
  if (bytes.length !== expected) throw new RangeError(`comparison data: ${bytes.length} bytes, expected ${expected}`);
  let at = bytes.byteOffset + 12 + headerLength;
  const take = <T>(Type: TypedArrayOf<T>, count: number): T => {
    const out = new Type((bytes.buffer as ArrayBuffer).slice(at, at + count * Type.BYTES_PER_ELEMENT));
    at += count * Type.BYTES_PER_ELEMENT;
    return out;
  };
  const pValues = take(Float32Array, pairs);
  const offsets = take(Uint32Array, R + 1);
  const positions = take(Uint16Array, W);
  // Stored as gaps within each run (see comparePack.ts): back to positions.
  for (let r = 0; r < R; r++) for (let k = offsets[r] + 1; k < offsets[r + 1]; k++) positions[k] += positions[k - 1];
  const index = take(Uint16Array, n);
  const predicted = take(Uint8Array, W);
  const confidence = take(Uint8Array, W);
  const label = take(Uint8Array, n);
  return {
    meta,
    label,
    index,
    /** McNemar's exact p-value of runs i and j (either order); 1 for a run against itself. */
    pValue(i: number, j: number) {
      if (i === j) return 1;
      const [a, b] = i < j ? [i, j] : [j, i];
      return pValues[a * R - (a * (a + 1)) / 2 + (b - a - 1)];
    },
    /** Run r's wrong answers: sorted positions, predicted classes and confidences in [0, 1]. */
    wrongOf(r: number) {
      const from = offsets[r];
      const to = offsets[r + 1];
      return {positions: positions.subarray(from, to), predicted: predicted.subarray(from, to), confidence: Array.from(confidence.subarray(from, to), (c) => c / 255)};
    }
  };
}

/** Decodes the images file: pixelsAt(position) gives an image's 784 pixels, or null when it has none. */
export function decodeCompareImages(bytes: Uint8Array): { count: number; pixelsAt(position: number): Uint8Array | null } {
  if (bytes.length < 8) throw new RangeError(`comparison images: ${bytes.length} bytes, shorter than their header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== IMAGES_MAGIC) throw new RangeError("comparison images: wrong magic number");
  const count = view.getUint32(4, true);
  const start = 8 + Math.ceil((2 * count) / 4) * 4;
  if (bytes.length !== start + count * PIXELS) throw new RangeError(`comparison images: ${bytes.length} bytes, expected ${start + count * PIXELS}`);
  const slot = new Map<number, number>();
  for (let k = 0; k < count; k++) slot.set(view.getUint16(8 + 2 * k, true), k);
  return {
    count,
    pixelsAt(position: number) {
      const k = slot.get(position);
      return k == null ? null : bytes.subarray(start + k * PIXELS, start + (k + 1) * PIXELS);
    }
  };
}

/** Every image's answer of run r (the label where it was right) and its confidence where it was wrong. */
function answersOf(pack: ComparePack, r: number): { answers: Uint8Array; confidence: Map<number, number> } {
  const answers = Uint8Array.from(pack.label);
  const confidence = new Map<number, number>();
  const wrong = pack.wrongOf(r);
  wrong.positions.forEach((p, k) => {
    answers[p] = wrong.predicted[k];
    confidence.set(p, wrong.confidence[k]);
  });
  return {answers, confidence};
}

/** Tidy confusion rows {actual, predicted, count, rate} of answers against labels. */
function confusionRows(labels: Uint8Array, answers: Uint8Array, classes: number): ConfusionRow[] {
  const counts: number[][] = Array.from({length: classes}, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) counts[labels[i]][answers[i]]++;
  return counts.flatMap((row, actual) => {
    const total = row.reduce((s, c) => s + c, 0);
    return row.map((count, predicted) => ({actual, predicted, count, rate: total ? count / total : 0}));
  });
}

/**
 * Run b against run a on the same test images: accuracies, b's accuracy minus a's with its Wald
 * interval for paired proportions (the pack's z), McNemar's exact p-value, the verdict at the pack's
 * alpha ("higher": b is more accurate), both confusion matrices, and every image whose answer changed.
 */
export function compareRuns(pack: ComparePack, a: number, b: number): CompareResult {
  const {n, classes, z, alpha} = pack.meta;
  const A = answersOf(pack, a);
  const B = answersOf(pack, b);
  let onlyA = 0;
  let onlyB = 0;
  const moved: MovedImage[] = [];
  for (let i = 0; i < n; i++) {
    const label = pack.label[i];
    const ra = A.answers[i] === label;
    const rb = B.answers[i] === label;
    if (ra && !rb) onlyA++;
    else if (rb && !ra) onlyB++;
    if (A.answers[i] !== B.answers[i]) {
      moved.push({position: i, index: pack.index[i], label, predictedA: A.answers[i], predictedB: B.answers[i], confidenceA: A.confidence.get(i) ?? null, confidenceB: B.confidence.get(i) ?? null, change: ra ? "broken" : rb ? "fixed" : "changed"});
    }
  }
  const difference = (onlyB - onlyA) / n;
  const se = Math.sqrt(Math.max(0, onlyA + onlyB - (onlyA - onlyB) ** 2 / n)) / n;
  const pValue = pack.pValue(a, b);
  const verdict: CompareResult["verdict"] = !(pValue < alpha) || difference === 0 ? "indistinguishable" : difference > 0 ? "higher" : "lower";
  const wrongA = pack.meta.runs[a].wrong;
  const wrongB = pack.meta.runs[b].wrong;
  return {
    n,
    accuracyA: (n - wrongA) / n,
    accuracyB: (n - wrongB) / n,
    onlyA,
    onlyB,
    difference,
    low: difference - z * se,
    high: difference + z * se,
    pValue,
    verdict,
    confusionA: confusionRows(pack.label, A.answers, classes),
    confusionB: confusionRows(pack.label, B.answers, classes),
    moved
  };
}

/**
 * The cells of b's confusion matrix minus a's, for a heatmap: `delta` is the change in count and
 * `benefit` its sign as the reader wants it (more right answers on the diagonal, fewer mistakes off it).
 */
export function confusionDifference(result: CompareResult): { actual: number; predicted: number; delta: number; benefit: number }[] {
  return result.confusionB.map((cell, k) => {
    const delta = cell.count - result.confusionA[k].count;
    return {actual: cell.actual, predicted: cell.predicted, delta, benefit: cell.actual === cell.predicted ? delta : -delta};
  });
}

/** The images that entered and left cell (actual, predicted) going from run a's answers to run b's. */
export function cellChanges(result: CompareResult, actual: number, predicted: number): { entered: MovedImage[]; left: MovedImage[] } {
  const inCell = result.moved.filter((m) => m.label === actual);
  return {
    entered: inCell.filter((m) => m.predictedB === predicted),
    left: inCell.filter((m) => m.predictedA === predicted)
  };
}

const points = (x: number) => `${(x * 100).toFixed(2)} points`;
const pText = (p: number) => (p < 0.0001 ? "p < 0.0001" : `p = ${p < 0.001 ? p.toExponential(1) : p.toFixed(p < 0.01 ? 4 : 3)}`);
const images = (k: number) => `${k.toLocaleString("en-US")} image${k === 1 ? "" : "s"}`;

/**
 * The sentence the page states: its wording follows the verdict (McNemar's exact test), it says which
 * run scored higher, and it gives the evidence. Where the approximate interval and the exact test
 * disagree (the interval excludes zero, the test does not reject), it says the difference is at the
 * edge of what the images can detect rather than pick one of them.
 */
export function compareSentence(result: CompareResult, titleA: string, titleB: string, level = 0.95): string {
  const interval = `${(level * 100).toFixed(0)}% interval ${(result.low * 100).toFixed(2)} to ${(result.high * 100).toFixed(2)} points`;
  const test = `McNemar's exact test ${pText(result.pValue)}`;
  const counts = `${images(result.onlyB)} right only in ${titleB}, ${images(result.onlyA)} only in ${titleA}`;
  const n = result.n.toLocaleString("en-US");
  if (result.verdict !== "indistinguishable") {
    const word = result.verdict === "higher" ? "more" : "less";
    return `${titleB} is ${word} accurate than ${titleA} by ${points(Math.abs(result.difference))} (${interval}; ${counts}; ${test}).`;
  }
  if (result.difference === 0) return `${titleB} and ${titleA} score the same on these ${n} test images (${counts}; ${test}).`;
  const side = `${titleB} scores ${points(Math.abs(result.difference))} ${result.difference > 0 ? "above" : "below"} ${titleA}`;
  if (result.low > 0 || result.high < 0) {
    return `${side}, a difference at the edge of what these ${n} test images can detect: ${test}, not below ${1 - level < 0.5 ? (1 - level).toFixed(2) : "the level"}, while the approximate ${interval} just excludes zero (${counts}).`;
  }
  return `${side}, no difference that these ${n} test images can detect (${interval}; ${counts}; ${test}).`;
}

/** Reads ?task=&a=&b=&cell= of the address, each checked by the page against its data. */
export function readCompareState(search: string): CompareState {
  const params = new URLSearchParams(search);
  const id = (key: string) => {
    const value = params.get(key);
    return value != null && /^[A-Za-z0-9._-]{1,120}$/.test(value) ? value : null;
  };
  const cell = /^(\d{1,2})-(\d{1,2})$/.exec(params.get("cell") ?? "");
  return {
    task: id("task"),
    a: id("a"),
    b: id("b"),
    cell: cell ? [Number(cell[1]), Number(cell[2])] as [number, number] : null,
    /** What the address asked for that is not of the right form, to be named in a note. */
    malformed: ["task", "a", "b", "cell"].filter((key) => params.has(key) && (key === "cell" ? !cell : id(key) == null))
  };
}

/** The query string of a state: task, runs and selected cell. */
export function encodeCompareState({task, a, b, cell}: { task?: string | null; a?: string | null; b?: string | null; cell?: [number, number] | null }): string {
  const params = new URLSearchParams();
  if (task) params.set("task", task);
  if (a) params.set("a", a);
  if (b) params.set("b", b);
  if (cell) params.set("cell", `${cell[0]}-${cell[1]}`);
  return `?${params}`;
}

/** One row per image whose answer changed, for the CSV download. */
export function movedRows(result: CompareResult, classNames: string[]): Record<string, unknown>[] {
  return result.moved.map((m) => ({
    testImage: m.index,
    label: classNames[m.label],
    answerA: classNames[m.predictedA],
    answerB: classNames[m.predictedB],
    change: m.change,
    confidenceA: m.confidenceA,
    confidenceB: m.confidenceB
  }));
}
