// The run explorer's logic, kept free of the DOM so node tests can import it: filtering and sorting runs
// with Arquero, the Pareto front of accuracy against cost, curves as tidy rows, and the explorer's state
// as URL search parameters.
import * as aq from "./arquero.js";

/** What the scatter's x axis can show: a cost to minimise. */
export const X_AXES = {params: "Parameters", trainSeconds: "Training time (s)"};
export const METRICS = ["accuracy", "loss"];
export const SPLITS = ["validation", "train"];
/** Sort orders of the table: a column, "-" in front for descending. */
export const SORTS = {
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
export const DEFAULT_STATE = Object.freeze({
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

const LISTS = {runs: "runs", datasets: "dataset", families: "family", optimizers: "optimizer"};
const NUMBERS = {minParams: "pmin", maxParams: "pmax", minAccuracy: "acc"};

const splitList = (s) => (s === "" ? [] : s.split(",").map((x) => x.trim()).filter((x) => x !== ""));

/** The state as a query string (no leading "?"), leaving out whatever equals the default. */
export function encodeState(state) {
  const params = new URLSearchParams();
  const s = {...DEFAULT_STATE, ...state};
  for (const [key, name] of Object.entries(LISTS)) if (s[key] != null) params.set(name, s[key].join(","));
  for (const [key, name] of Object.entries(NUMBERS)) if (s[key] != null && Number.isFinite(s[key])) params.set(name, String(s[key]));
  if (s.query) params.set("q", s.query);
  for (const key of ["task", "sort", "x", "metric", "split"]) if (s[key] != null && s[key] !== DEFAULT_STATE[key]) params.set(key, s[key]);
  return params.toString().replace(/%2C/g, ","); // commas are legal in a query and keep run lists readable
}

/** The state a query string describes; unknown or malformed values fall back to the defaults. */
export function decodeState(search) {
  const params = new URLSearchParams(search);
  const state = {...DEFAULT_STATE};
  for (const [key, name] of Object.entries(LISTS)) if (params.has(name)) state[key] = [...new Set(splitList(params.get(name)))];
  for (const [key, name] of Object.entries(NUMBERS)) {
    const raw = params.get(name);
    const value = raw == null || raw.trim() === "" ? NaN : Number(raw);
    if (Number.isFinite(value)) state[key] = value;
  }
  state.query = params.get("q") ?? "";
  // A task is checked against the runs by the page (an unknown one falls back to the default there).
  if (/^[a-z0-9-]{1,40}$/.test(params.get("task") ?? "")) state.task = params.get("task");
  if (Object.hasOwn(SORTS, params.get("sort") ?? "")) state.sort = params.get("sort");
  if (Object.hasOwn(X_AXES, params.get("x") ?? "")) state.x = params.get("x");
  if (METRICS.includes(params.get("metric"))) state.metric = params.get("metric");
  if (SPLITS.includes(params.get("split"))) state.split = params.get("split");
  return state;
}

/**
 * The runs that pass the filters, as an Arquero table: `datasets`, `families`, `optimizers` are lists of
 * allowed values (null: any), `minParams`/`maxParams`/`minAccuracy` bounds (null: none; a run without a test
 * accuracy fails any accuracy bound), `query` words that must all appear in the title or layers.
 */
export function filterTable(runs, filters = {}) {
  const f = {...DEFAULT_STATE, ...filters};
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
    .filter((d, $) => $.task == null || d.task === $.task)
    .filter((d, $) => $.datasets == null || op.includes($.datasets, d.dataset))
    .filter((d, $) => $.families == null || op.includes($.families, d.family))
    .filter((d, $) => $.optimizers == null || op.includes($.optimizers, d.optimizer))
    .filter((d, $) => ($.minParams == null || d.params >= $.minParams) && ($.maxParams == null || d.params <= $.maxParams))
    .filter((d, $) => $.minAccuracy == null || (d.testAccuracy != null && d.testAccuracy >= $.minAccuracy))
    .filter(aq.escape((d) => words.every((w) => `${d.title} ${d.architecture ?? ""}`.toLowerCase().includes(w))));
}

/**
 * Sorts an Arquero table of runs by one of SORTS; runs without a value for the column go last, ties are
 * broken by title.
 */
export function sortTable(table, sort = DEFAULT_STATE.sort) {
  const descending = sort.startsWith("-");
  const column = descending ? sort.slice(1) : sort;
  const secondary = column === "dataset" || column === "family" ? ["title"] : [];
  return table
    .derive({_missing: aq.escape((d) => (d[column] == null || (typeof d[column] === "number" && !Number.isFinite(d[column])) ? 1 : 0))})
    .orderby("_missing", descending ? aq.desc(column) : column, ...secondary, "title")
    .select(aq.not("_missing"));
}

/** filterTable then sortTable, as plain run objects. */
export function filterRuns(runs, state = {}) {
  return sortTable(filterTable(runs, state), state.sort ?? DEFAULT_STATE.sort).objects();
}

/**
 * The Pareto front of points that should have a small `x` and a large `y`: those no other point beats on
 * one and matches or beats on the other. Points without finite x and y are ignored. Returned in order of
 * increasing x (and so increasing y); points that tie exactly are all kept.
 */
export function paretoFront(points, {x = (d) => d.x, y = (d) => d.y} = {}) {
  const fx = typeof x === "function" ? x : (d) => d[x];
  const fy = typeof y === "function" ? y : (d) => d[y];
  const valid = points
    .map((d) => ({d, x: fx(d), y: fy(d)}))
    .filter((p) => p.x != null && p.y != null && Number.isFinite(p.x) && Number.isFinite(p.y))
    .sort((a, b) => a.x - b.x || b.y - a.y);
  const front = [];
  let best = null;
  for (const p of valid) {
    if (best == null || p.y > best.y || (p.y === best.y && p.x === best.x)) {
      front.push(p.d);
      best = p;
    }
  }
  return front;
}

/** A run's learning curves (compact arrays) as tidy rows {run, id, epoch, split, metric, value}. */
export function curveRows(run) {
  const c = run.curves;
  if (!c) return [];
  const series = [
    ["train", "loss", c.loss],
    ["train", "accuracy", c.accuracy],
    ["validation", "loss", c.valLoss],
    ["validation", "accuracy", c.valAccuracy]
  ];
  const rows = [];
  for (const [split, metric, values] of series) {
    (values ?? []).forEach((value, i) => {
      if (value != null && Number.isFinite(value)) rows.push({run: run.title, id: run.id, epoch: c.epoch[i], split, metric, value});
    });
  }
  return rows;
}

/** When the URL chooses nothing: the most accurate run of each family, at most `max` of them. */
export function defaultChoice(runs, max = 4) {
  const best = new Map();
  for (const r of runs) {
    if (r.testAccuracy == null || r.reader) continue;
    const b = best.get(r.family);
    if (!b || r.testAccuracy > b.testAccuracy) best.set(r.family, r);
  }
  return [...best.values()].sort((a, b) => b.testAccuracy - a.testAccuracy).slice(0, max).map((r) => r.id);
}

/** The distinct values of a field, in order of first appearance. */
export function distinct(runs, field) {
  return [...new Set(runs.map((r) => r[field]).filter((v) => v != null))];
}

const INSET = {x: 20, y: 15};
/** Width of a 10 px label, estimated: enough to keep labels apart without measuring the page. */
const labelWidth = (text) => 6 * text.length;

/**
 * The front's runs that get a label, most accurate first: a label that would run into one already
 * placed is left out (the tooltip still names its run), and labels at the chart's edges are anchored
 * inward. Positions are estimated from the scales' extents as Plot will draw them.
 */
export function paretoLabels(front, {x, width, height, margins, extent}) {
  const logs = extent.map((d) => Math.log(d[x]));
  const accuracies = extent.map((d) => d.testAccuracy);
  const [x0, x1] = [Math.min(...logs), Math.max(...logs)];
  const [y0, y1] = [Math.min(...accuracies), Math.max(...accuracies)];
  const left = margins.marginLeft + INSET.x;
  const right = width - margins.marginRight - INSET.x;
  const top = margins.marginTop + INSET.y;
  const bottom = height - margins.marginBottom - INSET.y;
  const placed = [];
  for (const d of [...front].sort((a, b) => b.testAccuracy - a.testAccuracy)) {
    const px = left + (x1 > x0 ? (Math.log(d[x]) - x0) / (x1 - x0) : 0.5) * (right - left);
    const py = top + (y1 > y0 ? (y1 - d.testAccuracy) / (y1 - y0) : 0.5) * (bottom - top);
    const w = labelWidth(d.id);
    const anchor = px - w / 2 < margins.marginLeft ? "start" : px + w / 2 > width ? "end" : "middle";
    const l = anchor === "start" ? px : anchor === "end" ? px - w : px - w / 2;
    const box = {l, r: l + w, t: py - 23, b: py - 9};
    if (placed.some((p) => p.box.l < box.r && box.l < p.box.r && p.box.t < box.b && box.t < p.box.b)) continue;
    placed.push({...d, anchor, box});
  }
  return placed;
}
