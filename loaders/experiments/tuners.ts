// Hyperparameter search, independent of training: search spaces, random search and successive
// halving over an objective that scores a batch of candidates at once (so the executor can train the
// candidates of one round in parallel). Higher scores are better.
import { type Param, type Params, type Space } from "../spec/params.ts";
import { createRng, type Rng } from "../data/random.ts";

/** Draws one value of a parameter. Integers step from the lower bound; log floats are uniform in log space. */
export function sampleParam(param: Param, rng: Rng): number | string | boolean {
  if ("int" in param) {
    const [lo, hi] = param.int;
    const steps = Math.floor((hi - lo) / param.step);
    return lo + param.step * Math.floor(rng() * (steps + 1));
  }
  if ("float" in param) {
    const [lo, hi] = param.float;
    if (param.log) return Math.exp(Math.log(lo) + rng() * (Math.log(hi) - Math.log(lo)));
    return lo + rng() * (hi - lo);
  }
  return param.choice[Math.floor(rng() * param.choice.length)];
}

/** One point of the space, dimensions drawn in key order so a seed always gives the same point. */
export function sampleSpace(space: Space, rng: Rng): Params {
  const out: Params = {};
  for (const name of Object.keys(space).sort()) out[name] = sampleParam(space[name], rng);
  return out;
}

/**
 * Distinct points (up to `count`; fewer when the space is smaller), by rejection on a canonical form.
 * `normalize` may drop dimensions a point does not use (e.g. the width of a layer beyond its depth),
 * so that two draws of the same model count as one.
 */
export function sampleDistinct(space: Space, count: number, seed: number, normalize: (p: Params) => Params = (p) => p): Params[] {
  const rng = createRng(seed);
  const seen = new Set<string>();
  const out: Params[] = [];
  for (let tries = 0; out.length < count && tries < count * 200; tries++) {
    const point = normalize(sampleSpace(space, rng));
    const key = JSON.stringify(Object.entries(point).sort());
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(point);
  }
  return out;
}

export interface Trial {
  index: number;
  params: Params;
  /** One score per execution (e.g. per seed). */
  scores: number[];
  /** The mean of the scores: what the search ranks by. */
  score: number;
}

export interface RandomSearchOptions {
  space: Space;
  trials: number;
  /** Independent executions per trial (e.g. seeds); the trial's score is their mean. */
  executions: number;
  seed: number;
}

/** A candidate for the objective: a point, which execution of it, and its budget (e.g. epochs). */
export interface Candidate {
  params: Params;
  execution: number;
  budget: number;
}
export type Objective = (candidates: Candidate[]) => Promise<number[]>;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** NaN (a diverged run) ranks below every real score. */
const rankValue = (x: number) => (Number.isFinite(x) ? x : -Infinity);

/**
 * Random search: `trials` distinct points, each scored `executions` times at `budget`; returns the
 * trials best first (ties keep sampling order).
 */
export async function randomSearch(options: RandomSearchOptions, objective: Objective, budget = 1, normalize?: (p: Params) => Params): Promise<Trial[]> {
  const points = sampleDistinct(options.space, options.trials, options.seed, normalize);
  const candidates = points.flatMap((params) => Array.from({ length: options.executions }, (_, execution) => ({ params, execution, budget })));
  const scores = await objective(candidates);
  if (scores.length !== candidates.length) throw new Error(`objective returned ${scores.length} scores for ${candidates.length} candidates`);
  const trials = points.map((params, index) => {
    const own = scores.slice(index * options.executions, (index + 1) * options.executions);
    return { index, params, scores: own, score: mean(own.map(rankValue)) };
  });
  return [...trials].sort((a, b) => b.score - a.score || a.index - b.index);
}

export interface HalvingOptions {
  /** The starting candidates (e.g. from `sampleDistinct`). */
  points: Params[];
  /** Budget of the first rung. */
  minBudget: number;
  /** Keep the best 1/eta of each rung and give them eta times the budget. */
  eta: number;
  /** No rung gets more budget than this; the last rung is the one that reaches it or has one point left. */
  maxBudget: number;
}

export interface Rung {
  rung: number;
  budget: number;
  trials: Trial[];
}

export interface HalvingResult {
  rungs: Rung[];
  /** The best trial of the last rung. */
  winner: Trial;
}

/**
 * Successive halving (Jamieson & Talwalkar 2016; one bracket of Hyperband): score every point at
 * `minBudget`, keep the best ceil(n / eta), multiply the budget by eta, and repeat until one point is
 * left or the budget would pass `maxBudget`. Each rung is scored from scratch at its budget.
 */
export async function successiveHalving(options: HalvingOptions, objective: Objective): Promise<HalvingResult> {
  const { eta, minBudget, maxBudget } = options;
  if (!(eta >= 2)) throw new Error(`successive halving needs eta >= 2, got ${eta}`);
  if (!(minBudget > 0 && maxBudget >= minBudget)) throw new Error(`budgets must satisfy 0 < minBudget <= maxBudget, got ${minBudget}, ${maxBudget}`);
  if (options.points.length === 0) throw new Error("successive halving needs at least one point");
  let survivors = options.points.map((params, index) => ({ index, params }));
  let budget = minBudget;
  const rungs: Rung[] = [];
  for (let rung = 0; ; rung++) {
    const scores = await objective(survivors.map((s) => ({ params: s.params, execution: 0, budget })));
    const trials = survivors
      .map((s, i) => ({ index: s.index, params: s.params, scores: [scores[i]], score: rankValue(scores[i]) }))
      .sort((a, b) => b.score - a.score || a.index - b.index);
    rungs.push({ rung, budget, trials });
    const next = Math.min(maxBudget, Math.round(budget * eta));
    if (trials.length === 1 || budget >= maxBudget) break;
    survivors = trials.slice(0, Math.max(1, Math.ceil(trials.length / eta))).map(({ index, params }) => ({ index, params }));
    budget = next;
  }
  return { rungs, winner: rungs[rungs.length - 1].trials[0] };
}
