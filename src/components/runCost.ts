// What the cost page says about the stored runs' own timings: the total, the slowest run and
// configuration, the lower bound on a one-run-per-core build's wall time, and the heaviest run's memory.
// Computed here from the runs' summary rows, so the page keeps only layout.
import * as d3 from "d3";
import type {RunSummary} from "../../loaders/report/summary.ts";
import {duration, integer} from "./format.js";
import {familyLabel} from "./runCharts.js";

/** The fields of a run's summary row that the costs read. */
export type CostRun = Pick<RunSummary, "id" | "group" | "title" | "family" | "trainSeconds" | "peakRssMB" | "backend" | "cpu">;

/** One configuration (a model or grid point with all its seeds): its training time over the seeds. */
export interface Configuration {
  label: string;
  family: string;
  familyName: string;
  trainSeconds: number;
}

/** How many configurations the page's chart shows. */
export const CHART_CONFIGURATIONS = 25;

/** Each configuration's training time over its seeds, slowest first. */
export function configurations(runs: readonly CostRun[]): Configuration[] {
  const rows = d3.rollups(
    runs,
    (v) => {
      const first = v.find((r) => r.id === r.group) ?? v[0];
      const trainSeconds = d3.sum(v, (r) => r.trainSeconds);
      return {label: first.title + (v.length > 1 ? ` (${v.length} seeds)` : ""), family: first.family, familyName: familyLabel(first.family), trainSeconds};
    },
    (r) => r.group
  ).map(([, c]) => c);
  return d3.sort(rows, (c) => -c.trainSeconds);
}

const TIME_UNITS = [
  {name: "hours", seconds: 3600},
  {name: "minutes", seconds: 60},
  {name: "seconds", seconds: 1}
] as const;

/**
 * The configurations as the chart draws them, each with its time in one unit (`time`): the largest
 * unit the slowest of them reaches twice, so that a profile of runs of a few seconds is not drawn
 * as slivers of a minute, nor a full profile as thousands of seconds.
 */
export function chartConfigurations(configs: readonly Configuration[]): {unit: (typeof TIME_UNITS)[number]; rows: (Configuration & {time: number})[]} {
  const slowest = d3.max(configs, (c) => c.trainSeconds) ?? 0;
  const unit = TIME_UNITS.find((u) => slowest >= 2 * u.seconds) ?? TIME_UNITS[2];
  return {unit, rows: configs.map((c) => ({...c, time: c.trainSeconds / unit.seconds}))};
}

/** The most seeds any configuration trains with. */
export const seedsPerModel = (runs: readonly CostRun[]): number => d3.max(d3.rollups(runs, (v) => v.length, (r) => r.group), ([, n]) => n) ?? 1;

/** The paragraph on the runs' training time; `cores` is the machine's, or null when unknown. */
export function runTimeSentences(runs: readonly CostRun[], profileName: string, cores: number | null): string[] {
  const total = d3.sum(runs, (r) => r.trainSeconds);
  const slowest = d3.greatest(runs, (r) => r.trainSeconds);
  const backends = [...new Set(runs.map((r) => r.backend.split(",")[0]))];
  const multiCore = runs.filter((r) => r.backend.includes(",")).length;
  const machines = [...new Set(runs.map((r) => r.cpu))];
  const out = [
    `The ${integer(runs.length)} declared runs of the ${profileName} profile (every seed of every model and study grid; the searches' trials are not in these figures, but in the from-scratch timing below) took ${duration(total)} of training in all (evaluation not counted), on TensorFlow.js's ${backends.join(" and ")} backend${backends.length > 1 ? "s" : ""}${multiCore ? ` (${integer(multiCore)} of them spread over several cores)` : ""}, on ${machines.join("; ")}.`
  ];
  if (slowest) out.push(`The slowest, ${slowest.title}, took ${duration(slowest.trainSeconds)}: ${d3.format(".0%")(slowest.trainSeconds / total)} of the total.`);
  if (cores && slowest) {
    out.push(`Trained one run per core on a machine with ${integer(cores)} cores, the suite's wall time cannot be below the larger of the longest run (${duration(slowest.trainSeconds)}) and the total divided by the cores (${duration(total / cores)}); the last measured from-scratch build is below.`);
  }
  return out;
}

/** The caption of the slowest-configurations chart. */
export function configurationsCaption(all: readonly Configuration[], shown: number): string {
  const rest = all.slice(shown);
  return `The ${Math.min(shown, all.length)} configurations that took longest, each bar the sum over its seeds${rest.length ? `; the other ${integer(rest.length)} took ${duration(d3.sum(rest, (c) => c.trainSeconds))} together` : ""}. The table below lists every run.`;
}

/** The sentence on the heaviest run's peak memory. */
export function memorySentence(runs: readonly CostRun[]): string {
  const withMemory = runs.filter((r) => r.peakRssMB != null);
  const heaviest = d3.greatest(withMemory, (r) => r.peakRssMB!);
  return heaviest
    ? `Of the ${integer(withMemory.length)} runs that recorded it, ${heaviest.title} peaked highest, at ${integer(heaviest.peakRssMB)} MB.`
    : "None of the stored runs recorded it yet: runs trained before it was recorded show “not recorded”.";
}
