// Learning curves: loss or accuracy per epoch from tidy history rows {epoch, split, metric, value}.
import * as Plot from "@observablehq/plot";
import * as d3 from "d3";
import {seriesColor} from "./colors.js";
import type {CurveRow} from "./trainInPage.js";

/** Options of LearningCurves; the rest go to Plot.plot. */
export interface LearningCurvesOptions extends Plot.PlotOptions {
  /** The tidy rows' metric to draw: "loss" (the default) or "accuracy". */
  metric?: string;
  bestEpoch?: number | null;
  divergedAt?: number | null;
}
/** Options of CompareCurves; the rest go to Plot.plot. */
export interface CompareCurvesOptions extends Plot.PlotOptions {
  /** "accuracy" (the default) or "loss". */
  metric?: string;
  /** "validation" (the default) or "train". */
  split?: string;
}
/** A run as CompareCurves draws it: its title and its tidy history rows. */
export interface CurvesRun {
  title: string;
  history?: readonly CurveRow[] | null;
}

const SPLITS = ["train", "validation"];
const SPLIT_COLORS = ["#4269d0", "#ff725c"];

/** Whole-epoch ticks, at most about `max` of them (a fractional tick formatted as an integer would repeat). */
export function epochTicks(epochs: Iterable<number>, max = 10): number[] {
  const [lo, hi] = d3.extent(epochs);
  if (lo == null) return [];
  const step = Math.max(1, Math.ceil((hi - lo + 1) / max));
  return d3.range(lo, hi + 1, step);
}

function yOptions(metric: string): Plot.ScaleOptions {
  return metric === "accuracy"
    ? {label: "Accuracy (%)", percent: true, grid: true, nice: true}
    : {label: "Loss (cross-entropy)", grid: true, nice: true, zero: true};
}

/**
 * Train and validation curves of one run for one metric.
 * `bestEpoch` draws a rule at the epoch whose weights were kept; `divergedAt` marks where training blew up.
 */
export function LearningCurves(
  history: readonly CurveRow[],
  {metric = "loss", width, height = 240, bestEpoch, divergedAt, ...options}: LearningCurvesOptions = {}
): ReturnType<typeof Plot.plot> {
  const rows = history.filter((d) => d.metric === metric && Number.isFinite(d.value));
  const epochs = rows.map((d) => d.epoch);
  return Plot.plot({
    width,
    height,
    marginLeft: 50,
    ariaLabel: `learning curves (${metric})`,
    x: {label: "Epoch", ticks: epochTicks(epochs), tickFormat: "d", domain: epochs.length ? [Math.min(1, d3.min(epochs)!), Math.max(2, d3.max(epochs)!)] : [1, 2]},
    y: yOptions(metric),
    color: seriesColor(SPLITS, SPLIT_COLORS, rows.map((d) => d.split)),
    marks: [
      bestEpoch != null ? Plot.ruleX([bestEpoch], {stroke: "currentColor", strokeOpacity: 0.3, strokeDasharray: "4,3"}) : null,
      bestEpoch != null ? Plot.text([bestEpoch], {x: (d: number) => d, frameAnchor: "top", dy: 2, dx: 4, textAnchor: "start", text: () => "weights kept", fillOpacity: 0.6}) : null,
      divergedAt != null ? Plot.ruleX([divergedAt], {stroke: "var(--theme-red, #d62728)", strokeWidth: 2}) : null,
      divergedAt != null ? Plot.text([divergedAt], {x: (d: number) => d, frameAnchor: "top", dy: 14, dx: 4, textAnchor: "start", text: () => "diverged", fill: "var(--theme-red, #d62728)"}) : null,
      Plot.line(rows, {x: "epoch", y: "value", stroke: "split", z: "split", strokeWidth: 2}),
      Plot.dot(rows, {x: "epoch", y: "value", fill: "split", r: 3}),
      Plot.tip(rows, Plot.pointer({x: "epoch", y: "value", stroke: "split", title: (d: CurveRow) => `${d.split}, epoch ${d.epoch}\n${metric}: ${metric === "accuracy" ? (d.value * 100).toFixed(2) + "%" : d.value.toFixed(4)}`}))
    ],
    ...options
  });
}

/** Several runs' curves for one metric and split, one colour per run (by title). */
export function CompareCurves(
  runs: readonly CurvesRun[],
  {metric = "accuracy", split = "validation", width, height = 280, ...options}: CompareCurvesOptions = {}
): ReturnType<typeof Plot.plot> {
  const rows = runs.flatMap((run) =>
    (run.history ?? []).filter((d) => d.metric === metric && d.split === split && Number.isFinite(d.value)).map((d) => ({...d, run: run.title}))
  );
  const epochs = rows.map((d) => d.epoch);
  return Plot.plot({
    width,
    height,
    marginLeft: 50,
    ariaLabel: `${split} ${metric} of ${runs.length} runs`,
    x: {label: "Epoch", ticks: epochTicks(epochs), tickFormat: "d", domain: epochs.length ? [Math.min(1, d3.min(epochs)!), Math.max(2, d3.max(epochs)!)] : [1, 2]},
    y: yOptions(metric),
    color: {domain: runs.map((r) => r.title), legend: true},
    marks: [
      Plot.line(rows, {x: "epoch", y: "value", stroke: "run", z: "run", strokeWidth: 2}),
      Plot.dot(rows, {x: "epoch", y: "value", fill: "run", r: 3}),
      Plot.tip(rows, Plot.pointer({x: "epoch", y: "value", stroke: "run", title: (d: CurveRow & {run: string}) => `${d.run}\nepoch ${d.epoch}, ${split} ${metric}: ${metric === "accuracy" ? (d.value * 100).toFixed(2) + "%" : d.value.toFixed(4)}`}))
    ],
    ...options
  });
}
