// What the cost page says about training whole profiles (data/bench.json's suite, build and full-profile
// parts, and data/from-scratch.json): the quick suite on one worker against one per core, the full profile
// from nothing against its 45-minute budget, and its memory against the 2 GB target. Each sentence is made
// from the stored figures, so the page keeps only layout.
import * as d3 from "d3";
import type {UncutEstimate} from "../../loaders/report/uncut.ts";
import {duration, integer, times} from "./format.js";

/** One timing of the quick suite (bench/run.ts suiteRun). */
export interface SuiteTiming {
  workers: number;
  seconds: number;
  cpuSeconds?: number | null;
  peakRssMB?: number | null;
  peakTreePssMB?: number | null;
}

/** The parts of data/bench.json (with data/from-scratch.json as fromScratch) these sentences read. */
export interface StoredSuites {
  machine: {cores: number};
  load?: {atStart: number} | null;
  suite?: {
    measuredAt?: string;
    workload?: {runs: number; longestRun: string; longestShare: number; idealSpeedup: number} | null;
    runs: SuiteTiming[];
    speedup: number;
    rounds?: {speedup: number}[];
    contention?: {copies: number; aloneSeconds: number; togetherSeconds: number; ceiling: number} | null;
  } | null;
  build?: {seconds: number} | null;
  fullSuite?: {
    measuredAt: string;
    results: number;
    seconds: number;
    memory: {peakMB: number; peakAtSeconds: number; atPeak: {command: string; pssMB: number}[]; largestProcessMB: number};
  } | null;
  fromScratch?: {full?: {results: number; seconds: number; workers: number; measuredAt: string; machine: {cpu: string; cores: number}} | null} | null;
  /** `from`: the runs of the from-nothing training that bench --parts full timed, or the stored runs (absent before it was recorded). */
  uncut?: (UncutEstimate & {from?: "from-nothing" | "stored"; measuredAt?: string}) | null;
}

/** The report's budget for the full profile from nothing, and the memory target of such a build. */
export const BUDGET_SECONDS = 45 * 60;
export const MEMORY_TARGET_MB = 2048;

const share = d3.format(".0%");

/** The quick suite with one worker and with one per core: speed-up, CPU time, memory, the machine's ceiling. */
export function suiteSentences(bench: StoredSuites): string[] {
  const suite = bench.suite;
  if (!suite) return [];
  const [one, all] = suite.runs;
  const w = suite.workload;
  const out: string[] = [];
  out.push(
    `Training the quick suite from nothing${suite.measuredAt ? ` on ${suite.measuredAt.slice(0, 10)}` : ""}${w ? ` (all ${integer(w.runs)} runs the quick profile declared then; its longest run, ${w.longestRun}, is an estimated ${share(w.longestShare)} of the work, so ${times(w.idealSpeedup, 2)} is the most ${bench.machine.cores} workers can give)` : ""} took ${duration(one.seconds)} with one worker and ${duration(all.seconds)} with ${all.workers}, a speed-up of ${times(suite.speedup, 2)}${suite.rounds ? ` (the fastest of ${suite.rounds.length} interleaved rounds each; per round ${suite.rounds.map((r) => times(r.speedup, 2)).join(", ")})` : ""}; the largest process peaked at ${integer(d3.max(suite.runs, (r) => r.peakRssMB ?? undefined))} MB${all.peakTreePssMB ? `, and all ${all.workers} workers with their parent at ${integer(all.peakTreePssMB)} MB together (proportional set size, sampled once a second)` : ""}.`
  );
  if (one.cpuSeconds && all.cpuSeconds && all.cpuSeconds > one.cpuSeconds) {
    out.push(
      `The same runs took ${duration(one.cpuSeconds)} of CPU time in one process and ${duration(all.cpuSeconds)} in ${all.workers} at once (${d3.format("+.0%")(all.cpuSeconds / one.cpuSeconds - 1)}), so each core did the same work more slowly while the other was busy; at one process's CPU cost the speed-up would have been ${times((suite.speedup * all.cpuSeconds) / one.cpuSeconds, 2)}, and the rest of the gap to ${all.workers}x is time a core sat idle (start-up, the last run).`
    );
    if (one.cpuSeconds > one.seconds) {
      out.push(
        `One worker alone already kept ${d3.format(".2f")(one.cpuSeconds / one.seconds)} cores busy on average: V8's garbage collector and compiler threads ran on the core it left idle, so ${all.workers} workers could gain at most ${times((all.workers * one.seconds) / one.cpuSeconds, 2)} over it even if neither slowed the other down.`
      );
    }
  }
  const c = suite.contention;
  if (c) {
    out.push(
      `How much ${c.copies} independent processes can gain here at all was measured in the same run: one fixed workload (a process that trains the CNN and the MLP for 30 batches each) took ${duration(c.aloneSeconds)} alone and ${duration(c.togetherSeconds)} for ${c.copies} copies at once, a ceiling of ${times(c.ceiling, 2)} with no scheduling loss at all; the suite reached ${share(suite.speedup / c.ceiling)} of it.`
    );
  }
  if (bench.build) out.push(`Building the quick-profile site from nothing, training included, took ${duration(bench.build.seconds)}.`);
  return out;
}

/** The full profile from nothing against the budget; `seedsPerModel` is the most seeds any configuration trains. */
export function fromScratchSentence(bench: StoredSuites | null, seedsPerModel: number): string {
  const full = bench?.fromScratch?.full;
  if (!full) return "No from-scratch timing of the full profile is stored yet: npm run train into an empty runs directory (RUNS_DIR=/tmp/runs npm run train) records one.";
  const verdict =
    full.seconds <= BUDGET_SECONDS
      ? "within the report's budget of 45 minutes, with the large grids trained on subsets and for fewer epochs, as their pages say"
      : `${duration(full.seconds - BUDGET_SECONDS)} over the report's budget of 45 minutes${seedsPerModel > 1 ? `, because every configuration now trains with ${seedsPerModel} seeds so that its comparisons can be tested against the spread between them` : ""}, although the large grids already train on subsets and for fewer epochs, as their pages say`;
  return `The whole full profile (every declared run, every search with its retrained winner, and the classical methods: ${integer(full.results)} stored results) trained from nothing with npm run train in ${duration(full.seconds)} with ${full.workers} workers on ${full.machine.cpu} (${full.machine.cores} cores), on ${full.measuredAt.slice(0, 10)}: ${verdict}.`;
}

/**
 * The full profile from nothing with every training split whole: the timed build plus the training time
 * the cut runs would add, shared out over the same workers (evaluation, start-up, the classical methods
 * and early stopping as they were).
 */
export function uncutFromScratchSeconds(u: UncutEstimate, full: {seconds: number; workers: number}): number {
  return full.seconds + (u.uncutSeconds - u.seconds) / Math.max(1, full.workers);
}

/** The full profile with every training split whole (bench.json's estimate from the stored runs), against the budget. */
export function uncutSentence(bench: StoredSuites | null): string | null {
  const u = bench?.uncut;
  if (!u || u.cut.length === 0) return null;
  const range = ([lo, hi]: [number, number]) => (lo === hi ? integer(lo) : `${integer(lo)}-${integer(hi)}`);
  const studies = u.cut.map((c) => `${c.study} (${integer(c.runs)} run${c.runs === 1 ? "" : "s"} on ${range(c.trainCount)} of ${range(c.availableTrainCount)} images)`).join(", ");
  const full = bench?.fromScratch?.full;
  const estimate = full ? uncutFromScratchSeconds(u, full) : null;
  const source = u.from === "from-nothing" ? `runs of the from-nothing training${u.measuredAt ? ` of ${u.measuredAt.slice(0, 10)}` : ""}` : "stored runs";
  const verdict =
    estimate == null
      ? ""
      : `; shared out over ${full!.workers} workers, that would make the full profile from nothing take about ${duration(estimate)} rather than ${duration(full!.seconds)}: ${estimate <= BUDGET_SECONDS ? "within the budget" : `${duration(estimate - BUDGET_SECONDS)} over the budget`}`;
  return `Not yet trained without its cuts: these studies train on subsets of their training splits to fit the budget, ${studies}. Scaled to its whole split, each of those runs' measured training time would add ${duration(u.uncutSeconds - u.seconds)} of training to the ${duration(u.seconds)} that the ${integer(u.runs)} ${source} took (${times(u.factor, 2)})${verdict}. That is an estimate from ${u.from === "from-nothing" ? "those runs" : "the stored runs"}, not a timing: it takes evaluation, start-up and early stopping as they were.`;
}

/** The memory of the full profile from nothing against the 2 GB target. */
export function fullMemorySentences(bench: StoredSuites | null): string[] {
  const f = bench?.fullSuite;
  if (!f) return ["The memory of a full-profile build from nothing has not been measured yet: npm run bench -- --parts full (about 40 minutes) measures it."];
  const timed = bench?.fromScratch?.full;
  return [
    `Memory of the full profile, trained from nothing by npm run bench -- --parts full on ${f.measuredAt.slice(0, 10)} (${integer(f.results)} results in ${duration(f.seconds)}${timed && timed.results !== f.results ? `; an earlier, smaller build than the ${integer(timed.results)}-result one timed above, whose memory was not measured` : ""}): every process of the build (the parent, its worker processes and their threads) was sampled once a second, and at its highest the build held ${integer(f.memory.peakMB)} MB in all, ${duration(f.memory.peakAtSeconds)} in (${f.memory.atPeak.map((p) => `${p.command} ${integer(p.pssMB)} MB`).join(", ")}).`,
    `That is proportional set size, which shares each page among the processes that map it, so Node's own code is not counted once per process. ${f.memory.peakMB < MEMORY_TARGET_MB ? "It is under the 2 GB target." : "It is over the 2 GB target."} The largest single process reached ${integer(f.memory.largestProcessMB)} MB; a sample a second can miss a spike shorter than that.`
  ];
}

/** A warning when other work shared the machine during the benchmark, or null. */
export function cautionSentence(bench: StoredSuites | null): string | null {
  const load = bench?.load?.atStart;
  return load != null && load > 0.5 ? `Caution: the machine was busy with other work during this benchmark (load average ${load.toFixed(1)} on ${bench!.machine.cores} cores), so these timings are low and noisy.` : null;
}
