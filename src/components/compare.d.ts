// Types of compare.js for the TypeScript tests.
import type { CompareMeta } from "../../loaders/report/findings/comparePack.ts";

export interface ComparePack {
  meta: CompareMeta;
  label: Uint8Array;
  index: Uint16Array;
  pValue(i: number, j: number): number;
  wrongOf(r: number): { positions: Uint16Array; predicted: Uint8Array; confidence: number[] };
}
export function decodeCompareImages(bytes: Uint8Array): { count: number; pixelsAt(position: number): Uint8Array | null };
export interface ConfusionRow {
  actual: number;
  predicted: number;
  count: number;
  rate: number;
}
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
export function decodeComparePack(bytes: Uint8Array): ComparePack;
export function compareRuns(pack: ComparePack, a: number, b: number): CompareResult;
export function confusionDifference(result: CompareResult): { actual: number; predicted: number; delta: number; benefit: number }[];
export function cellChanges(result: CompareResult, actual: number, predicted: number): { entered: MovedImage[]; left: MovedImage[] };
export function compareSentence(result: CompareResult, titleA: string, titleB: string, level?: number): string;
export interface CompareState {
  task: string | null;
  a: string | null;
  b: string | null;
  cell: [number, number] | null;
  malformed: string[];
}
export function readCompareState(search: string): CompareState;
export function encodeCompareState(state: { task?: string | null; a?: string | null; b?: string | null; cell?: [number, number] | null }): string;
export function movedRows(result: CompareResult, classNames: string[]): Record<string, unknown>[];
