// Charts and measures shared by the study pages: grid heatmaps, overlaid curves, seed spreads,
// trial tables, settings in words, and the overfitting/instability measures the prose quotes.
import type {HistoryEntry} from "../../loaders/spec/record.ts";
import type {Params} from "../../loaders/spec/params.ts";
import type {Trial} from "../../loaders/experiments/tuners.ts";
import * as Plot from "@observablehq/plot";
import * as d3 from "d3";
import {FullTable} from "./tableBox.js";
import {html} from "./untyped.js";
import {percent} from "./format.js";
import {epochTicks} from "./learningCurves.js";
import {runCurveRows, type RunCurveRow} from "./curves.js";

/** One epoch of a run's history, the fields the study views read. */
export type EpochRow = Pick<HistoryEntry, "epoch" | "loss" | "accuracy" | "valLoss" | "valAccuracy">;
/**
 * A run as the study pages pass it: a study run of the loaders (its summary row with its per-epoch
 * records), often reshaped by the page (a mean for its test accuracy, a label of its own); hence any
 * field beyond the id and title may be missing.
 */
export type StudyRun = {
  id: string;
  title: string;
  status?: string;
  testAccuracy?: number | null;
  seed?: number | null;
  variant?: Record<string, string | number> | null;
  epochs?: EpochRow[];
  [field: string]: any;
};
/** A tuner's trial as the study views read it: its point in the search space and its scores. */
export type StudyTrial = Pick<Trial, "params" | "scores" | "score">;
/** Settings in words, from the study's data (`settingNames`); a setting not listed reads as its own name. */
export type SettingNames = Record<string, string>;
export const settingName = (names: SettingNames, setting: string): string => names[setting] ?? setting;

/** A run's figure to plot: test accuracy by default. */
type RunValue = (run: StudyRun) => number | null | undefined;

/** The value of a grid axis for a run: its recorded grid coordinate. */
export const coord = (run: StudyRun, name: string): string | number | undefined => run.variant?.[name];

/** Runs of a grid whose id starts with `prefix` (ids are "<grid id>-<label>-...", see data/experiments/). */
export const gridRuns = <T extends StudyRun>(runs: T[], prefix: string): T[] => runs.filter((r) => r.id.startsWith(`${prefix}-`));

/** What GridHeatmap draws: the variant fields of its two axes, and how; other options go to Plot.plot. */
export interface GridHeatmapOptions extends Omit<Plot.PlotOptions, "x" | "y"> {
  x: string;
  y: string;
  xLabel?: string;
  yLabel?: string;
  value?: RunValue;
  xDomain?: string[];
  yDomain?: string[];
  width?: number;
}

/**
 * A heatmap of a two-axis grid: one cell per run, coloured and labelled by `value` (test accuracy by
 * default). Diverged runs are shown as grey cells marked "diverged".
 */
export function GridHeatmap(
  runs: StudyRun[],
  {x, y, xLabel = x, yLabel = y, value = (r) => r.testAccuracy, xDomain, yDomain, width = 520, ...options}: GridHeatmapOptions
): ReturnType<typeof Plot.plot> {
  const cells = runs.map((r) => ({run: r, x: String(coord(r, x)), y: String(coord(r, y)), v: r.status === "completed" ? value(r) : null}));
  const values = cells.map((c) => c.v).filter((v): v is number => v != null);
  const xs = xDomain ?? [...new Set(cells.map((c) => c.x))];
  const ys = yDomain ?? [...new Set(cells.map((c) => c.y))];
  const cell = Math.min(90, Math.max(48, (Math.min(width, 640) - 120) / xs.length));
  return Plot.plot({
    width: cell * xs.length + 130,
    height: cell * ys.length + 70,
    marginLeft: 110,
    marginBottom: 50,
    padding: 0.04,
    x: {domain: xs, label: xLabel},
    y: {domain: ys, label: yLabel},
    // As many decimals as the legend's ticks need to differ (a grid within a point needs one).
    color: {type: "linear", scheme: "viridis", domain: d3.extent(values), legend: true, label: "test accuracy", tickFormat: (d: number) => percent(d, Math.min(2, d3.precisionFixed(((d3.max(values)! - d3.min(values)!) * 100) / 4)))},
    marks: [
      Plot.cell(cells, {x: "x", y: "y", fill: (d) => d.v ?? undefined, title: (d) => `${d.run.title}\n${d.v == null ? d.run.status : percent(d.v)}`}),
      Plot.cell(cells.filter((c) => c.v == null), {x: "x", y: "y", fill: "#ccc"}),
      Plot.text(cells, {x: "x", y: "y", text: (d) => (d.v == null ? d.run.status : percent(d.v, 1)), fill: (d) => (d.v != null && d.v > d3.mean(values)! ? "black" : "white"), fontSize: 11})
    ],
    ...options
  });
}

/** One row per (run, epoch, split, metric) from the runs' per-epoch records, for overlaid curves. */
export function curveRows(runs: StudyRun[], {label = (r) => r.title}: {label?: (run: StudyRun) => string} = {}): RunCurveRow[] {
  return runs.flatMap((r) => runCurveRows(r.epochs ?? [], {run: label(r), id: r.id}));
}

/** What Curves draws: one metric of one split (with training's too when `withTrain`); other options go to Plot.plot. */
export interface CurvesOptions extends Omit<Plot.PlotOptions, "label"> {
  metric?: "loss" | "accuracy";
  split?: "train" | "validation";
  withTrain?: boolean;
  label?: (run: StudyRun) => string;
  width?: number;
  height?: number;
  logY?: boolean;
}

/** Overlaid curves of one metric, one line per run (solid validation, dashed training when `withTrain`). */
export function Curves(
  runs: StudyRun[],
  {metric = "accuracy", split = "validation", withTrain = false, label, width = 640, height = 300, logY = false, ...options}: CurvesOptions = {}
): ReturnType<typeof Plot.plot> {
  const rows = curveRows(runs, {label}).filter((d) => d.metric === metric && (d.split === split || (withTrain && d.split === "train")));
  return Plot.plot({
    width,
    height,
    x: {label: "epoch", ticks: epochTicks(rows.map((d) => d.epoch)), tickFormat: "d"},
    y: {label: `${split === "train" && !withTrain ? "training " : withTrain ? "" : "validation "}${metric}`, grid: true, type: logY ? "log" : "linear", ...(metric === "accuracy" ? {tickFormat: percentTicks} : {})},
    color: {legend: true, label: "run"},
    marks: [
      Plot.line(rows.filter((d) => d.split === "validation" || !withTrain), {x: "epoch", y: "value", stroke: "run", z: "id", tip: true}),
      withTrain ? Plot.line(rows.filter((d) => d.split === "train"), {x: "epoch", y: "value", stroke: "run", z: "id", strokeDasharray: "4,3", strokeOpacity: 0.7}) : null,
      Plot.dot(rows.filter((d) => d.split === "validation" || !withTrain), {x: "epoch", y: "value", stroke: "run", r: 1.5})
    ],
    ...options
  });
}

/** meanSd's summary of some values (mean, sd, min and max undefined when there are none). */
export interface MeanSd {
  n: number;
  mean: number | undefined;
  sd: number | undefined;
  min: number | undefined;
  max: number | undefined;
}

export function meanSd(values: (number | null | undefined)[]): MeanSd {
  const xs = values.filter((v): v is number => v != null && Number.isFinite(v));
  const mean = d3.mean(xs);
  const sd = xs.length > 1 ? d3.deviation(xs) : 0;
  return {n: xs.length, mean, sd, min: d3.min(xs), max: d3.max(xs)};
}

/** What SeedSpread draws: the group of each run and its figure; other options go to Plot.plot. */
export interface SeedSpreadOptions extends Plot.PlotOptions {
  group: (run: StudyRun) => string;
  value?: RunValue;
  width?: number;
}

/** Seeds of each group as dots, with the mean and ± one standard deviation. */
export function SeedSpread(runs: StudyRun[], {group, value = (r) => r.testAccuracy, width = 640, ...options}: SeedSpreadOptions): ReturnType<typeof Plot.plot> {
  const rows = runs.filter((r) => value(r) != null).map((r) => ({group: group(r), value: value(r), seed: r.seed, run: r}));
  const stats = d3.rollups(rows, (v) => meanSd(v.map((d) => d.value)), (d) => d.group).map(([group, s]) => ({group, ...s}));
  return Plot.plot({
    width,
    height: 70 + 50 * stats.length,
    marginLeft: 210,
    x: {label: "test accuracy", grid: true, tickFormat: (d) => percent(d, 1)},
    y: {label: null},
    marks: [
      Plot.ruleY(stats, {y: "group", x1: (d) => d.mean! - d.sd!, x2: (d) => d.mean! + d.sd!, strokeWidth: 3, stroke: "#bbb"}),
      Plot.tickX(stats, {y: "group", x: "mean", strokeWidth: 2}),
      Plot.dot(rows, {y: "group", x: "value", fill: "currentColor", r: 4, title: (d) => `seed ${d.seed}: ${percent(d.value)}`})
    ],
    ...options
  });
}


/** Which columns TrialTable shows: the search dimensions, and each trial's epochs when `budgetOf` is given. */
export interface TrialTableOptions<T extends StudyTrial> {
  dims: string[];
  /** The study's settings in words (its data's `settingNames`). */
  names: SettingNames;
  budgetOf?: (trial: T) => number;
}

/** The split both write-ups trained their baselines on: training, validation and test images. */
const WRITEUP_SPLIT = [50_000, 10_000, 10_000];

/** A run's split in words, and how it stands to the write-ups' 50,000 / 10,000 / 10,000. */
export function splitText(run: {trainCount?: number; validationCount?: number; testCount?: number} | null | undefined): string {
  const counts = [run?.trainCount, run?.validationCount, run?.testCount];
  const text = (xs: (number | undefined)[]) => xs.map((x) => (x == null ? "—" : x.toLocaleString("en-US"))).join(" / ");
  return counts.every((x, i) => x === WRITEUP_SPLIT[i]) ? `a ${text(counts)} split like the write-up's` : `a ${text(counts)} split (the write-up's was ${text(WRITEUP_SPLIT)})`;
}

/**
 * A successive-halving search's rungs in words: "27 × 1 epoch, then 9 × 3 epochs". Where the profile
 * caps a run's epochs below a rung's budget (the longest any trial ran), the rung says what it trained.
 */
export function rungsText(rungs: {budget: number; trials: unknown[]}[], trialRuns: {epochs: number}[]): string {
  const cap = d3.max(trialRuns, (r) => r.epochs) ?? Infinity;
  const epochs = (n: number) => `${n} epoch${n === 1 ? "" : "s"}`;
  return rungs.map((r) => `${r.trials.length} × ${epochs(r.budget)}${cap < r.budget ? ` (${cap} on this profile)` : ""}`).join(", then ");
}

/** A search's trial run as Curves draws it: its validation accuracy per epoch, under `label`. */
export function trialCurveRun(trial: {id: string; valAccuracies?: (number | null)[]}, label: string): StudyRun {
  return {id: trial.id, title: label, epochs: (trial.valAccuracies ?? []).map((valAccuracy, i) => ({epoch: i + 1, loss: null, accuracy: null, valLoss: null, valAccuracy}))};
}

/** Tuner trials as a sortable table: the point's parameters, the scores per execution and their mean. */
export function TrialTable<T extends StudyTrial>(trials: T[], {dims, names, budgetOf}: TrialTableOptions<T>) {
  // With one execution per trial the per-execution column would repeat the score: it is left out.
  const repeated = trials.some((t) => t.scores.length > 1);
  const rows = trials.map((t, rank) => ({
    rank: rank + 1,
    ...Object.fromEntries(dims.map((k) => [k, t.params[k] ?? "—"])),
    ...(budgetOf ? {epochs: budgetOf(t)} : {}),
    ...(repeated ? {scores: t.scores.map((s) => (Number.isFinite(s) ? percent(s) : "diverged")).join(", ")} : {}),
    score: Number.isFinite(t.score) ? t.score : null
  }));
  return FullTable(rows, {
    select: false,
    format: {
      score: (d: number | null) => (d == null ? "diverged" : percent(d)),
      learningRate: (d: unknown) => (typeof d === "number" ? d.toExponential(1) : d),
      l2: (d: unknown) => (typeof d === "number" ? d.toExponential(0) : d)
    },
    header: {...Object.fromEntries(dims.map((k) => [k, settingName(names, k)])), score: repeated ? "mean best val. accuracy" : "best val. accuracy", scores: "per seed"}
  });
}

/**
 * Percent tick labels with as many decimals as the tick step needs (ticks half a point apart get one),
 * so that neighbouring ticks never read the same.
 */
export function percentTicks(d: number, i: number, ticks?: number[]): string {
  const step = ticks && ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) * 100 : 1;
  return percent(d, Math.min(3, d3.precisionFixed(step)));
}

/** Training accuracy minus validation accuracy at the last epoch: how far the run overfits. */
export function finalGap(run: StudyRun): number | null {
  const last = run.epochs?.at(-1);
  return last?.accuracy != null && last?.valAccuracy != null ? last.accuracy - last.valAccuracy : null;
}

/** The epoch of the lowest validation loss and how much higher the last epoch's is (a sign of overfitting). */
export function valLossTurn(run: StudyRun): {bestEpoch: number; best: number; last: number; lastEpoch: number; rise: number} | null {
  const rows = (run.epochs ?? []).filter((e): e is EpochRow & {valLoss: number} => e.valLoss != null && Number.isFinite(e.valLoss));
  if (!rows.length) return null;
  const best = d3.least(rows, (e) => e.valLoss)!;
  const last = rows.at(-1)!;
  return {bestEpoch: best.epoch, best: best.valLoss, last: last.valLoss, lastEpoch: last.epoch, rise: last.valLoss / best.valLoss - 1};
}

/** Epochs after the first in which the training loss went up: a measure of instability. */
export function lossSpikes(run: StudyRun): number {
  const losses = (run.epochs ?? []).map((e) => e.loss);
  let n = 0;
  for (let i = 1; i < losses.length; i++) if (losses[i] != null && losses[i - 1] != null && losses[i]! > losses[i - 1]! * 1.02) n++;
  return n;
}

/** A small table of runs: title (linked), test accuracy and whichever extra columns are given. */
export function RunList(runs: StudyRun[], columns: Record<string, (run: StudyRun) => unknown> = {}): HTMLElement {
  // Each row is one run, not a mean over seeds: the header says which seed when they share one, a
  // column says it when they do not.
  const seeds = [...new Set(runs.map((r) => r.seed).filter((seed) => seed != null))];
  const accuracyHeader = seeds.length === 1 ? `Test accuracy (seed ${seeds[0]})` : "Test accuracy";
  const seedColumn = seeds.length > 1;
  // Trial titles are long: on a phone the table scrolls inside its own box, not the page.
  return html`<div class="table-scroll"><table class="reference-table">
    <thead><tr><th>Run</th>${seedColumn ? html`<th class="num">Seed</th>` : ""}<th class="num">${accuracyHeader}</th>${Object.keys(columns).map((c) => html`<th class="num">${c}</th>`)}</tr></thead>
    <tbody>${runs.map(
      (r) => html`<tr><td id=${`run-${r.id}`}>${r.title}</td>${seedColumn ? html`<td class="num">${r.seed ?? "—"}</td>` : ""}<td class="num">${r.status === "completed" ? percent(r.testAccuracy) : r.status}</td>${Object.values(columns).map((f) => html`<td class="num">${f(r)}</td>`)}</tr>`
    )}</tbody>
  </table></div>`;
}

/** A tuner point in words: "depth 2, layer 1 units 192, learning rate 0.01" (widths of unused layers are already dropped). */
export function describeParams(params: Params, names: SettingNames): string {
  return Object.keys(params)
    .sort()
    .map((k) => `${settingName(names, k)} ${typeof params[k] === "number" ? +params[k].toPrecision(3) : params[k]}`)
    .join(", ");
}
