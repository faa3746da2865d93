// Runs the reader trained in the page (train.md), kept in the browser's localStorage so the run explorer
// can show them beside the stored runs. Each has the explorer's row shape, with `reader: true`.

/** Where the runs are kept: localStorage, or a stand-in with its three methods (tests). */
export interface Store {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}
/** A run the reader trained, in the explorer's row shape. */
export interface ReaderRun {
  id: string;
  title: string;
  curves: { epoch: number[]; [series: string]: unknown };
  reader?: true;
  [field: string]: unknown;
}

export const STORAGE_KEY = "mnist-findings:reader-runs";
/** How many of the reader's runs are kept (the oldest is dropped first). */
export const MAX_READER_RUNS = 8;
export const READER_FAMILY = "trained in your browser";

function storage(): Store | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // access denied (e.g. storage disabled)
  }
}

const isRun = (r: Partial<ReaderRun> | null): r is ReaderRun => r != null && typeof r.id === "string" && typeof r.title === "string" && r.curves != null && Array.isArray(r.curves.epoch);

/** The reader's saved runs, oldest first; [] when there are none or storage is unavailable. */
export function loadReaderRuns(store: Store | null = storage()): ReaderRun[] {
  if (!store) return [];
  try {
    const runs = JSON.parse(store.getItem(STORAGE_KEY) ?? "[]");
    return Array.isArray(runs) ? runs.filter(isRun).map((r) => ({...r, reader: true as const})) : [];
  } catch {
    return [];
  }
}

/** Saves a run (replacing one with the same id), keeping the newest MAX_READER_RUNS; returns the list. */
export function saveReaderRun(run: ReaderRun, store: Store | null = storage()): ReaderRun[] {
  const runs = [...loadReaderRuns(store).filter((r) => r.id !== run.id), {...run, reader: true as const}].slice(-MAX_READER_RUNS);
  store?.setItem(STORAGE_KEY, JSON.stringify(runs));
  return runs;
}

export function clearReaderRuns(store: Store | null = storage()): void {
  store?.removeItem(STORAGE_KEY);
}

/** A fresh id for the reader's next run: "yours-1", "yours-2", … */
export function nextReaderId(runs: { id: string }[]): string {
  const n = Math.max(0, ...runs.map((r) => Number(/^yours-(\d+)$/.exec(r.id)?.[1] ?? 0)));
  return `yours-${n + 1}`;
}
