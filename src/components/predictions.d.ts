// Types of predictions.js for the TypeScript tests (the pages import the .js directly).
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
export declare function decodePredictions(buffer: ArrayBuffer | Uint8Array): DecodedPredictions;
export declare function cellSamples(decoded: DecodedPredictions, actual: number, predicted: number): { total: number; items: GalleryItem[] };
export declare function confusionFromPredictions(decoded: DecodedPredictions): number[][];
export declare function classScores(
  matrix: number[][],
  c: number
): { precision: number | null; recall: number | null; support: number; predictedAs: number; correct: number };
