// The run explorer's logic, kept free of the DOM so node tests can import it: filtering and sorting runs
// with Arquero, the Pareto front of accuracy against cost, curves as tidy rows, and the explorer's state
// as URL search parameters.
import type { RunSummary } from "../../loaders/report/summary.ts";
import { runCurveRows, type RunCurveRow } from "./curves.js";

/** Arquero's functions, which it gives to the filter expressions below by name (it reads their source). */
declare const op: typeof aq.op;

/** The explorer's state: what its address holds. */
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
/**
 * A run as the explorer shows it: a summary row of the loaders (RunSummary) with its task and compact
 * curves (src/data/explorer.json.ts), or one of the reader's runs (readerRuns.ts), whose family and
 * task are the page's own; hence any field beyond the id and title may be missing.
 */
export type ExplorerRun = { id: string; title: string; curves?: Curves | null; reader?: boolean; [field: string]: any };
/** Fields of a summary row the explorer filters and sorts on. */
export type ExplorerField = keyof RunSummary | "task";
/** A run's learning curves as arrays over its epochs. */
export interface Curves {
  epoch: number[];
  loss?: (number | null)[];
  accuracy?: (number | null)[];
  valLoss?: (number | null)[];
  valAccuracy?: (number | null)[];
}
/** Where paretoLabels puts a label, and the box it estimates for it. */
export interface PlacedLabel {
  anchor: "start" | "middle" | "end";
  box: { l: number; r: number; t: number; b: number };
}
type Margins = { marginLeft: number; marginRight: number; marginTop: number; marginBottom: number };
import * as aq from "./arquero.js";

/** What the scatter's x axis can show: a cost to minimise. */
export const X_AXES: Record<string, string> = {params: "Parameters", trainSeconds: "Training time (s)"};
export const METRICS = ["accuracy", "loss"];
export const SPLITS = ["validation", "train"];
/** Sort orders of the table: a column, "-" in front for descending. */
export const SORTS: Record<string, string> = {
  "-testAccuracy": "test accuracy, best first",
  testAccuracy: "test accuracy, worst first",
  params: "parameters, fewest first",
  "-params": "parameters, most first",
  trainSeconds: "training time, shortest first",
  "-trainSeconds": "training time, longest first",
  title: "name, A to Z",
  dataset: "dataset, then name",
  family: "family, then name"
};

/** The explorer's state when the URL says nothing. `runs: null` means "the default choice". */
export const DEFAULT_STATE: Readonly<ExplorerState> = Object.freeze({
  runs: null,
  /** One task at a time (dataset and classes): runs of different tasks are never ranked together. */
  task: "mnist",
  datasets: null,
  families: null,
  optimizers: null,
  minParams: null,
  maxParams: null,
  minAccuracy: null,
  query: "",
  sort: "-testAccuracy",
  x: "params",
  metric: "accuracy",
  split: "validation"
});

const LISTS: Record<"runs" | "datasets" | "families" | "optimizers", string> = {runs: "runs", datasets: "dataset", families: "family", optimizers: "optimizer"};
const NUMBERS: Record<"minParams" | "maxParams" | "minAccuracy", string> = {minParams: "pmin", maxParams: "pmax", minAccuracy: "acc"};

/** Object.entries with the object's own keys. */
const entries = <K extends string, V>(o: Record<K, V>) => Object.entries(o) as [K, V][];
const splitList = (s: string) => (s === "" ? [] : s.split(",").map((x) => x.trim()).filter((x) => x !== ""));

/** The state as a query string (no leading "?"), leaving out whatever equals the default. */
export function encodeState(state: Partial<ExplorerState>): string {
  const params = new URLSearchParams();
  const s: ExplorerState = {...DEFAULT_STATE, ...state};
  for (const [key, name] of entries(LISTS)) {
    const list = s[key];
    if (list != null) params.set(name, list.join(","));
  }
  for (const [key, name] of entries(NUMBERS)) {
    const value = s[key];
    if (value != null && Number.isFinite(value)) params.set(name, String(value));
  }
  if (s.query) params.set("q", s.query);
  for (const key of ["task", "sort", "x", "metric", "split"] as const) {
    const value = s[key];
    if (value != null && value !== DEFAULT_STATE[key]) params.set(key, value);
  }
  return params.toString().replace(/%2C/g, ","); // commas are legal in a query and keep run lists readable
}

/** The state a query string describes; unknown or malformed values fall back to the defaults. */
export function decodeState(search: string): ExplorerState {
  const params = new URLSearchParams(search);
  const state: ExplorerState = {...DEFAULT_STATE};
  for (const [key, name] of entries(LISTS)) if (params.has(name)) state[key] = [...new Set(splitList(params.get(name)!))];
  for (const [key, name] of entries(NUMBERS)) {
    const raw = params.get(name);
    const value = raw == null || raw.trim() === "" ? NaN : Number(raw);
    if (Number.isFinite(value)) state[key] = value;
  }
  state.query = params.get("q") ?? "";
  // A task is checked against the runs by the page (an unknown one falls back to the default there).
  const task = params.get("task") ?? "";
  const sort = params.get("sort") ?? "";
  const x = params.get("x") ?? "";
  const metric = params.get("metric") ?? "";
  const split = params.get("split") ?? "";
  if (/^[a-z0-9-]{1,40}$/.test(task)) state.task = task;
  if (Object.hasOwn(SORTS, sort)) state.sort = sort;
  if (Object.hasOwn(X_AXES, x)) state.x = x;
  if (METRICS.includes(metric)) state.metric = metric;
  if (SPLITS.includes(split)) state.split = split;
  return state;
}

/**
 * The runs that pass the filters, as an Arquero table: `datasets`, `families`, `optimizers` are lists of
 * allowed values (null: any), `minParams`/`maxParams`/`minAccuracy` bounds (null: none; a run without a test
 * accuracy fails any accuracy bound), `query` words that must all appear in the title or layers.
 */
export function filterTable(runs: ExplorerRun[], filters: Partial<ExplorerState> = {}) {
  const f: ExplorerState = {...DEFAULT_STATE, ...filters};
  const words = (f.query ?? "").toLowerCase().split(/\s+/).filter(Boolean);
  return aq
    .from(runs)
    .params({
      task: f.task,
      datasets: f.datasets,
      families: f.families,
      optimizers: f.optimizers,
      minParams: f.minParams,
      maxParams: f.maxParams,
      minAccuracy: f.minAccuracy,
      words
    })
    .filter((d: any, $: any) => $.task == null || d.task === $.task)
    .filter((d: any, $: any) => $.datasets == null || op.includes($.datasets, d.dataset))
    .filter((d: any, $: any) => $.families == null || op.includes($.families, d.family))
    .filter((d: any, $: any) => $.optimizers == null || op.includes($.optimizers, d.optimizer))
    .filter((d: any, $: any) => ($.minParams == null || d.params >= $.minParams) && ($.maxParams == null || d.params <= $.maxParams))
    .filter((d: any, $: any) => $.minAccuracy == null || (d.testAccuracy != null && d.testAccuracy >= $.minAccuracy))
    .filter(aq.escape((d: ExplorerRun) => words.every((w) => `${d.title} ${d.architecture ?? ""}`.toLowerCase().includes(w))));
}

/**
 * Sorts an Arquero table of runs by one of SORTS; runs without a value for the column go last, ties are
 * broken by title.
 */
export function sortTable(table: ReturnType<typeof aq.from>, sort = DEFAULT_STATE.sort): ReturnType<typeof aq.from> {
  const descending = sort.startsWith("-");
  const column = descending ? sort.slice(1) : sort;
  const secondary = column === "dataset" || column === "family" ? ["title"] : [];
  return table
    .derive({_missing: aq.escape((d: Record<string, unknown>) => (d[column] == null || (typeof d[column] === "number" && !Number.isFinite(d[column])) ? 1 : 0))})
    .orderby("_missing", descending ? aq.desc(column) : column, ...secondary, "title")
    .select(aq.not("_missing"));
}

/** filterTable then sortTable, as plain run objects. */
export function filterRuns<T extends ExplorerRun>(runs: T[], state: Partial<ExplorerState> = {}): T[] {
  return sortTable(filterTable(runs, state), state.sort ?? DEFAULT_STATE.sort).objects() as T[];
}

/**
 * The Pareto front of points that should have a small `x` and a large `y`: those no other point beats on
 * one and matches or beats on the other. Points without finite x and y are ignored. Returned in order of
 * increasing x (and so increasing y); points that tie exactly are all kept.
 */
type Value<T> = string | ((d: T) => number | null | undefined);
export function paretoFront<T>(points: T[], {x = "x", y = "y"}: { x?: Value<T>; y?: Value<T> } = {}): T[] {
  const fx = typeof x === "function" ? x : (d: T) => (d as Record<string, number | null>)[x];
  const fy = typeof y === "function" ? y : (d: T) => (d as Record<string, number | null>)[y];
  const valid = points
    .map((d) => ({d, x: fx(d), y: fy(d)}))
    .filter((p): p is { d: T; x: number; y: number } => p.x != null && p.y != null && Number.isFinite(p.x) && Number.isFinite(p.y))
    .sort((a, b) => a.x - b.x || b.y - a.y);
  const front: T[] = [];
  let best: { x: number; y: number } | null = null;
  for (const p of valid) {
    if (best == null || p.y > best.y || (p.y === best.y && p.x === best.x)) {
      front.push(p.d);
      best = p as { x: number; y: number };
    }
  }
  return front;
}

/** A run's learning curves (compact arrays) as tidy rows {run, id, epoch, split, metric, value}. */
export function curveRows(run: ExplorerRun): RunCurveRow[] {
  const c = run.curves;
  if (!c) return [];
  const epochs = c.epoch.map((epoch, i) => ({epoch, loss: c.loss?.[i], accuracy: c.accuracy?.[i], valLoss: c.valLoss?.[i], valAccuracy: c.valAccuracy?.[i]}));
  return runCurveRows(epochs, {run: run.title, id: run.id});
}

/** When the URL chooses nothing: the most accurate run of each family, at most `max` of them. */
export function defaultChoice(runs: ExplorerRun[], max = 4): string[] {
  const best = new Map<unknown, ExplorerRun & { testAccuracy: number }>();
  for (const r of runs) {
    if (r.testAccuracy == null || r.reader) continue;
    const b = best.get(r.family);
    if (!b || r.testAccuracy > b.testAccuracy) best.set(r.family, r as ExplorerRun & { testAccuracy: number });
  }
  return [...best.values()].sort((a, b) => b.testAccuracy - a.testAccuracy).slice(0, max).map((r) => r.id);
}

/** The distinct values of a field, in order of first appearance. */
export function distinct(runs: ExplorerRun[], field: string): unknown[] {
  return [...new Set(runs.map((r) => r[field]).filter((v) => v != null))];
}

const INSET = {x: 20, y: 15};
/** Width of a 10 px label, estimated: enough to keep labels apart without measuring the page. */
const labelWidth = (text: string) => 6 * text.length;

/**
 * The front's runs that get a label, most accurate first: a label that would run into one already
 * placed is left out (the tooltip still names its run), and labels at the chart's edges are anchored
 * inward. Positions are estimated from the scales' extents as Plot will draw them.
 */
export function paretoLabels<T extends { id: string; testAccuracy: number }>(
  front: T[],
  {x, width, height, margins, extent}: { x: string; width: number; height: number; margins: Margins; extent: T[] }
): (T & PlacedLabel)[] {
  const at = (d: T) => (d as unknown as Record<string, number>)[x];
  const logs = extent.map((d) => Math.log(at(d)));
  const accuracies = extent.map((d) => d.testAccuracy);
  const [x0, x1] = [Math.min(...logs), Math.max(...logs)];
  const [y0, y1] = [Math.min(...accuracies), Math.max(...accuracies)];
  const left = margins.marginLeft + INSET.x;
  const right = width - margins.marginRight - INSET.x;
  const top = margins.marginTop + INSET.y;
  const bottom = height - margins.marginBottom - INSET.y;
  const placed: (T & PlacedLabel)[] = [];
  for (const d of [...front].sort((a, b) => b.testAccuracy - a.testAccuracy)) {
    const px = left + (x1 > x0 ? (Math.log(at(d)) - x0) / (x1 - x0) : 0.5) * (right - left);
    const py = top + (y1 > y0 ? (y1 - d.testAccuracy) / (y1 - y0) : 0.5) * (bottom - top);
    const w = labelWidth(d.id);
    const anchor: PlacedLabel["anchor"] = px - w / 2 < margins.marginLeft ? "start" : px + w / 2 > width ? "end" : "middle";
    const l = anchor === "start" ? px : anchor === "end" ? px - w : px - w / 2;
    const box = {l, r: l + w, t: py - 23, b: py - 9};
    if (placed.some((p) => p.box.l < box.r && box.l < p.box.r && p.box.t < box.b && box.t < p.box.b)) continue;
    placed.push({...d, anchor, box});
  }
  return placed;
}
