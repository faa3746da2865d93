// Shards of a sweep, for training on several machines at once: the work a call selects (declared runs,
// searches, study 9) cut into units that train independently of each other, dealt to N shards longest
// first by the cost model, so that each shard gets about the same estimated time and no two shards
// train the same run. The deal depends only on the declarations and the profile: every machine that
// runs shard I of N computes the same share.
import type { Declarations, ProfileName, Tuner } from "../spec/schema.ts";
import type { Params, Space } from "../spec/params.ts";
import { estimateCost } from "./cost.ts";
import { planExperiment, type PlannedRun } from "./plan.ts";
import { gridPoints } from "./studies.ts";
import { trialExperiment } from "./trials.ts";
import { sampleDistinct } from "./tuners.ts";

/** What one call trains: declared runs, searches (each runs the earlier stages of its chain) and study 9. */
export interface Work {
  runs: PlannedRun[];
  searches: Tuner[];
  classical: boolean;
}

/** Work that trains on its own: one declared run, or a chain of searches with the runs of its retrained winner, or study 9. */
export interface Unit {
  label: string;
  /** Estimated single-core seconds (only the ratios between units matter). */
  seconds: number;
  work: Work;
}

/**
 * Study 9's estimated single-core seconds. Its PCA, clustering and classifiers are not in the cost
 * model of training runs; this stands for a few minutes, which is what it takes on the full profile.
 */
const CLASSICAL_SECONDS = 240;

/** "I/N" (1 <= I <= N) as {index, count}, or an error naming what was expected. */
export function parseShard(text: string): { index: number; count: number } {
  return parsePart(text, "--shard");
}

/** Part I of N (1-based) from "I/N", as the command-line `option` gives it; a RangeError naming the option otherwise. */
export function parsePart(text: string, option: string): { index: number; count: number } {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const [index, count] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  if (!(index >= 1 && count >= 1 && index <= count)) throw new RangeError(`${option} must be I/N with 1 <= I <= N (e.g. 2/4), got "${text}"`);
  return { index, count };
}

/** The tuners a search runs: itself and the earlier stages of its chain, earliest first. */
function chainOf(tuner: Tuner, declarations: Declarations): Tuner[] {
  const earlier = tuner.after == null ? undefined : declarations.tuners.find((t) => t.id === tuner.after);
  return earlier ? [...chainOf(earlier, declarations), tuner] : [tuner];
}

/** Estimated single-core seconds of one search: its trial runs (rung by rung for successive halving) and its retrained winners. */
function searchSeconds(tuner: Tuner, declarations: Declarations, profile: ProfileName): number {
  const space = tuner.space as Space;
  const points: Params[] = tuner.method === "grid" ? gridPoints(space) : sampleDistinct(space, tuner.points, tuner.seed);
  const sample = trialExperiment(declarations, tuner, points[0] ?? {}, { id: `${tuner.id}-estimate` });
  const trial = planExperiment(sample, declarations, profile).experiment;
  const perEpoch = estimateCost(trial) / trial.epochs;
  let epochs = 0;
  if (tuner.method === "successiveHalving") {
    for (let budget = tuner.minEpochs!, alive = points.length; budget <= tuner.maxEpochs! && alive >= 1; budget *= tuner.eta!, alive = Math.floor(alive / tuner.eta!)) {
      epochs += alive * budget;
    }
  } else {
    epochs = points.length * tuner.executions * trial.epochs;
  }
  const finals = tuner.final != null && tuner.finalExperiment == null ? tuner.finalRepeats * Number(tuner.final.epochs ?? trial.epochs) : 0;
  return perEpoch * (epochs + finals);
}

/**
 * The units of `work`: every search chain (a search whose `after` names another runs that one too),
 * with the declared runs that are a stage's retrained winner (`finalExperiment`, all its seeds); every
 * other declared run on its own; and study 9.
 */
export function unitsOf(work: Work, declarations: Declarations, profile: ProfileName): Unit[] {
  const units: Unit[] = [];
  const claimed = new Set<PlannedRun>();
  for (const search of work.searches) {
    const chain = chainOf(search, declarations);
    const finals = new Set(chain.flatMap((t) => (t.finalExperiment == null ? [] : [t.finalExperiment])));
    const runs = work.runs.filter((p) => finals.has(p.experiment.group ?? p.experiment.id) || finals.has(p.experiment.id));
    runs.forEach((p) => claimed.add(p));
    const seconds = chain.reduce((sum, t) => sum + searchSeconds(t, declarations, profile), 0) + runs.reduce((sum, p) => sum + estimateCost(p.experiment), 0);
    units.push({ label: `search ${search.id}`, seconds, work: { runs, searches: [search], classical: false } });
  }
  for (const planned of work.runs.filter((p) => !claimed.has(p))) {
    units.push({ label: `run ${planned.experiment.id}`, seconds: estimateCost(planned.experiment), work: { runs: [planned], searches: [], classical: false } });
  }
  if (work.classical) units.push({ label: "study 9", seconds: CLASSICAL_SECONDS, work: { runs: [], searches: [], classical: true } });
  return units;
}

/** Deals units to `count` shards, longest first, each to the shard with the least estimated time so far (the lowest index on ties). */
export function dealShards(units: readonly Unit[], count: number): Unit[][] {
  const shards: Unit[][] = Array.from({ length: count }, () => []);
  const loads = new Array<number>(count).fill(0);
  const ordered = [...units].sort((a, b) => b.seconds - a.seconds || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  for (const unit of ordered) {
    let least = 0;
    for (let i = 1; i < count; i++) if (loads[i] < loads[least]) least = i;
    shards[least].push(unit);
    loads[least] += unit.seconds;
  }
  return shards;
}

/** Shard `index` of `count` (1-based) of `work`: its runs in their declared order, its searches and study 9 if dealt to it. */
export function shardOf(work: Work, declarations: Declarations, profile: ProfileName, index: number, count: number): { work: Work; seconds: number; totalSeconds: number } {
  const units = unitsOf(work, declarations, profile);
  const mine = dealShards(units, count)[index - 1];
  const runs = new Set(mine.flatMap((u) => u.work.runs));
  const searches = new Set(mine.flatMap((u) => u.work.searches));
  return {
    work: {
      runs: work.runs.filter((p) => runs.has(p)),
      searches: work.searches.filter((t) => searches.has(t)),
      classical: mine.some((u) => u.work.classical)
    },
    seconds: mine.reduce((sum, u) => sum + u.seconds, 0),
    totalSeconds: units.reduce((sum, u) => sum + u.seconds, 0)
  };
}
