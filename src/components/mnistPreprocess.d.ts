// Types of mnistPreprocess.js for the TypeScript tests (the page imports the .js directly).
export declare const SIDE: 28;
export declare const BOX: 20;
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface Preprocessed {
  pixels: Float32Array;
  box: Box;
  size: { width: number; height: number };
  offset: { x: number; y: number };
  centre: { x: number; y: number };
}
export declare function preprocessDrawing(ink: ArrayLike<number>, width: number, height: number, options?: { threshold?: number; max?: number }): Preprocessed | null;
export declare function boundingBox(ink: ArrayLike<number>, width: number, height: number, cutoff?: number): Box | null;
export declare function inkFromImageData(image: { data: ArrayLike<number>; width: number; height: number }): Float32Array;
