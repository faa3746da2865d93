// Types of subset.js for the TypeScript tests.
export interface DecodedSubset {
  count: number;
  rows: number;
  cols: number;
  classes: number;
  labels: Uint8Array;
  pixels: Uint8Array;
}
export function isGzip(bytes: Uint8Array): boolean;
export function decodeSubset(input: Uint8Array | ArrayBuffer): DecodedSubset;
export function gunzip(bytes: Uint8Array): Promise<Uint8Array>;
export function loadSubset(source: string | { arrayBuffer(): Promise<ArrayBuffer> }): Promise<DecodedSubset>;
export function toFloats(subset: DecodedSubset, start?: number, end?: number): Float32Array;
