// Types of explorer.js for the TypeScript tests.
export interface ExplorerState {
  runs: string[] | null;
  /** One task (dataset and classes) at a time; null only in tests, for every task at once. */
  task: string | null;
  datasets: string[] | null;
  families: string[] | null;
  optimizers: string[] | null;
  minParams: number | null;
  maxParams: number | null;
  minAccuracy: number | null;
  query: string;
  sort: string;
  x: string;
  metric: string;
  split: string;
}
export interface ExplorerRun {
  id: string;
  title: string;
  [field: string]: any;
}
export const X_AXES: Record<string, string>;
export const METRICS: string[];
export const SPLITS: string[];
export const SORTS: Record<string, string>;
export const DEFAULT_STATE: Readonly<ExplorerState>;
export function encodeState(state: Partial<ExplorerState>): string;
export function decodeState(search: string): ExplorerState;
export function filterTable(runs: ExplorerRun[], filters?: Partial<ExplorerState>): any;
export function sortTable(table: any, sort?: string): any;
export function filterRuns<T extends ExplorerRun>(runs: T[], state?: Partial<ExplorerState>): T[];
export function paretoFront<T>(points: T[], options?: { x?: string | ((d: T) => number | null); y?: string | ((d: T) => number | null) }): T[];
export function curveRows(run: ExplorerRun): { run: string; id: string; epoch: number; split: string; metric: string; value: number }[];
export function defaultChoice(runs: ExplorerRun[], max?: number): string[];
export function distinct(runs: ExplorerRun[], field: string): unknown[];

export interface PlacedLabel {
  anchor: "start" | "middle" | "end";
  box: { l: number; r: number; t: number; b: number };
}
/** The front's runs that get a label without running into another, most accurate first, each with its anchor and estimated box. */
export function paretoLabels<T extends { id: string; testAccuracy: number }>(
  front: T[],
  options: { x: string; width: number; height: number; margins: { marginLeft: number; marginRight: number; marginTop: number; marginBottom: number }; extent: T[] }
): (T & PlacedLabel)[];
