// Where the cores' time went in one call of `npm run train`: of the core-seconds the machine offered,
// how many each run spent setting up, training, scoring validation and testing, how many the core
// pool handed out beyond that (worker start-ups, storing, study 9), and how many no one held.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ProfileName } from "../spec/schema.ts";
import { listRunDirs } from "./store.ts";

/** The parts of a stored run.json this account reads. */
export interface RunTiming {
  createdAt: string;
  timing: { trainSeconds: number; evalSeconds: number; setupSeconds?: number; validationSeconds?: number };
  environment: { threads?: number; replicas?: number };
}

/** Core-seconds by where they went; every figure but `runs` and `unrecorded` is in core-seconds. */
export interface CoreTime {
  wallSeconds: number;
  cores: number;
  /** cores × wall time. */
  offered: number;
  /** Handed out by the core pool (CoreSlots) to runs and to study 9. */
  held: number;
  /** Runs trained in this call. */
  runs: number;
  /** Runs stored before setup and validation times were recorded: their share falls in `outsideRuns`. */
  unrecorded: number;
  setup: number;
  training: number;
  validation: number;
  evaluation: number;
  /** Held but in no run's own figures: worker start-ups, storing, study 9. */
  outsideRuns: number;
  /** Offered but held by no one: cores waiting while a stage of a search ends, planning, reading. */
  notHeld: number;
}

/** A run's cores: its XNNPACK threads or data-parallel replicas, else one. */
function coresOf(run: RunTiming): number {
  return Math.max(1, run.environment.threads ?? 1, run.environment.replicas ?? 1);
}

/** The account of one call that took `wallSeconds` on `cores` cores, its pool having handed out `held` core-seconds. */
export function coreTime(runs: RunTiming[], wallSeconds: number, cores: number, held: number): CoreTime {
  const sum = (part: (run: RunTiming) => number) => runs.reduce((total, run) => total + part(run) * coresOf(run), 0);
  const setup = sum((r) => r.timing.setupSeconds ?? 0);
  const training = sum((r) => r.timing.trainSeconds);
  const validation = sum((r) => r.timing.validationSeconds ?? 0);
  const evaluation = sum((r) => r.timing.evalSeconds);
  const offered = wallSeconds * cores;
  return {
    wallSeconds,
    cores,
    offered,
    held,
    runs: runs.length,
    unrecorded: runs.filter((r) => r.timing.setupSeconds == null || r.timing.validationSeconds == null).length,
    setup,
    training,
    validation,
    evaluation,
    outsideRuns: Math.max(0, held - setup - training - validation - evaluation),
    notHeld: Math.max(0, offered - held)
  };
}

/** The timing parts of the runs of `profile` stored at or after `since` (study 9's result has none and is left out). */
export function runsStoredSince(profile: ProfileName, since: Date): RunTiming[] {
  const out: RunTiming[] = [];
  for (const dir of listRunDirs(profile)) {
    const file = join(dir, "run.json");
    if (!existsSync(file)) continue;
    let run: Partial<RunTiming>;
    try {
      run = JSON.parse(readFileSync(file, "utf8")) as Partial<RunTiming>;
    } catch {
      // A damaged older run is the store's to report (readRun moves it aside); it only leaves this account.
      continue;
    }
    if (typeof run.timing?.trainSeconds !== "number" || !run.createdAt || !run.environment) continue;
    if (Date.parse(run.createdAt) >= since.getTime()) out.push(run as RunTiming);
  }
  return out;
}

/** The account as lines for the terminal, each part with its share of the offered core-seconds. */
export function describeCoreTime(t: CoreTime): string[] {
  const share = (x: number) => `${x.toFixed(0)} core-s (${t.offered > 0 ? ((100 * x) / t.offered).toFixed(0) : "0"}%)`;
  return [
    `${t.offered.toFixed(0)} core-seconds offered (${t.wallSeconds.toFixed(0)} s on ${t.cores} cores), ${t.runs} runs:`,
    `  training ${share(t.training)}, validation after each epoch ${share(t.validation)}, test scoring ${share(t.evaluation)}, setup ${share(t.setup)}`,
    `  held outside the runs' own figures (worker start-ups, storing, study 9) ${share(t.outsideRuns)}` +
      (t.unrecorded ? `, ${t.unrecorded} runs' setup and validation included` : ""),
    `  held by no one ${share(t.notHeld)}`
  ];
}
