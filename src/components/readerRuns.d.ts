// Types of readerRuns.js for the TypeScript tests.
export interface Store {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}
export const STORAGE_KEY: string;
export const MAX_READER_RUNS: number;
export const READER_FAMILY: string;
export function loadReaderRuns(store?: Store | null): any[];
export function saveReaderRun(run: any, store?: Store | null): any[];
export function clearReaderRuns(store?: Store | null): void;
export function nextReaderId(runs: { id: string }[]): string;
