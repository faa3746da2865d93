// Studies: the runs a study page presents — its declared experiments (grids included) and its tuners,
// whose trials are ordinary stored runs built from points of a search space. Trials are trained in
// parallel child processes (one per core) and reused like every other run.
// Over 400 lines on purpose, for now: issue 24 moves loaders/ into a layered layout in one sweep, and
// splitting this file first would move the same code twice. It is split there.
import { Progress } from "./progress.ts";
import { ACTIVATIONS, AUGMENTATION_PARAMS, parseExperiment, readDeclarations, resolveExperiment, DeclarationError, type Declarations, type Experiment, type Layer, type ProfileName, type Tuner } from "./schema.ts";
import { DECLARATIONS_FILE, readRun, runDir, runKey, type RunRecord } from "./store.ts";
import { SuiteWorker, WORKER_RECYCLE_MB, defaultWorkers, ensureRun, ensureRuns, multicoreMode, planSchedule, trainOnAllCores, RunsFailedError, type EnsureOptions, type RunFailure, type PlannedRun, type WorkerRequest } from "./suite.ts";
import { randomSearch, sampleDistinct, successiveHalving, type Candidate, type Params, type Space, type Trial } from "./tuners.ts";

export interface StudyOptions extends EnsureOptions {
  workers?: number;
  /** Fail instead of training when a run is not stored (to check that committed runs are complete). */
  readOnly?: boolean;
  /** Priority of these runs' claims on cores (CoreSlots): higher goes first; default 0. */
  priority?: number;
}

/** The hidden layers of an MLP point: `depth` dense layers of `units` (or `units<i>`), each followed by dropout when > 0. */
export function mlpLayers(params: Params, where: string): Layer[] {
  const depth = Number(params.depth ?? 1);
  if (!Number.isInteger(depth) || depth < 1 || depth > 4) throw new DeclarationError(`${where}: "depth" must be 1-4, got ${params.depth}`);
  const layers: Layer[] = [];
  for (let i = 0; i < depth; i++) {
    const units = Number(params[`units${i}`] ?? params.units ?? 128);
    layers.push({
      type: "dense",
      units,
      activation: String(params.activation ?? "relu") as (typeof ACTIVATIONS)[number],
      ...(params.l2 != null && Number(params.l2) > 0 ? { l2: Number(params.l2) } : {})
    } as Layer);
    if (params.dropout != null && Number(params.dropout) > 0) layers.push({ type: "dropout", rate: Number(params.dropout) });
  }
  return layers;
}

/**
 * The hidden layers of a CNN point: `blocks` blocks of a `kernel` x `kernel` convolution ('same'
 * padding; `filters0` filters in the first block, `filters` in the others) and a subsampling step
 * ("pool": 2x2 max pool; "stride": a 5x5 convolution with stride 2 and as many filters), with batch
 * norm (momentum 0.9) after every convolution when `batchNorm` is true; then a dense layer of `dense` units and
 * dropout `dropout`.
 */
export function cnnLayers(params: Params, where: string): Layer[] {
  const blocks = Number(params.blocks ?? 2);
  if (!Number.isInteger(blocks) || blocks < 1 || blocks > 4) throw new DeclarationError(`${where}: "blocks" must be 1-4, got ${params.blocks}`);
  const subsample = String(params.subsample ?? "pool");
  if (subsample !== "pool" && subsample !== "stride") throw new DeclarationError(`${where}: "subsample" must be "pool" or "stride", got ${params.subsample}`);
  const batchNorm = params.batchNorm === true || params.batchNorm === "true";
  const kernel = Number(params.kernel ?? 3);
  const dropout = Number(params.dropout ?? 0);
  const conv = (filters: number, kernelSize: number, strides: number): Layer[] =>
    batchNorm
      ? [
          { type: "conv2d", filters, kernelSize, strides, padding: "same", activation: "linear" },
          // Moving statistics that settle within a few dozen steps: with the default 0.99 they
          // lag far behind after the one short epoch of a first rung, and evaluation suffers.
          { type: "batchNorm", momentum: 0.9 },
          { type: "activation", activation: "relu" }
        ]
      : [{ type: "conv2d", filters, kernelSize, strides, padding: "same", activation: "relu" }];
  const layers: Layer[] = [];
  for (let i = 0; i < blocks; i++) {
    const filters = Number(i === 0 ? (params.filters0 ?? params.filters ?? 32) : (params.filters ?? 64));
    layers.push(...conv(filters, kernel, 1));
    layers.push(...(subsample === "pool" ? [{ type: "maxPool", poolSize: 2 } as Layer] : conv(filters, 5, 2)));
  }
  layers.push({ type: "flatten" }, { type: "dense", units: Number(params.dense ?? 128), activation: "relu" });
  if (dropout > 0) layers.push({ type: "dropout", rate: dropout });
  return layers;
}

/** The augmentation a point sets (any of its augmentation dimensions), or undefined when it sets none. */
export function pointAugmentation(params: Params): Record<string, number> | undefined {
  const set = AUGMENTATION_PARAMS.filter((name) => params[name] != null);
  return set.length ? Object.fromEntries(set.map((name) => [name, Number(params[name])])) : undefined;
}

/** Drops the widths of layers beyond a point's depth: they do not change the model. */
export function normalizeMlpPoint(params: Params): Params {
  const depth = Number(params.depth ?? 1);
  return Object.fromEntries(Object.entries(params).filter(([k]) => !/^units\d$/.test(k) || Number(k.slice(5)) < depth));
}

/** A compact, stable label of a point, e.g. "depth 2, units 128, learningRate 0.001". */
export function describePoint(params: Params): string {
  return Object.keys(params)
    .sort()
    .map((k) => `${k} ${typeof params[k] === "number" ? Number((params[k] as number).toPrecision(3)) : params[k]}`)
    .join(", ");
}

/** The experiment one tuner candidate trains. */
export function trialExperiment(
  declarations: Declarations,
  tuner: Tuner,
  params: Params,
  { id, epochs, seedOffset = 0, overrides = {} }: { id: string; epochs?: number; seedOffset?: number; overrides?: Record<string, unknown> }
): Experiment {
  const where = `${declarations.file}: tuner "${tuner.id}"`;
  const base = { ...declarations.defaults, ...tuner.base } as Record<string, unknown> & { optimizer?: { name: string; learningRate: number } };
  const optimizer = {
    ...(base.optimizer ?? { name: "adam", learningRate: 0.001 }),
    ...(params.optimizer != null ? { name: params.optimizer } : {}),
    ...(params.learningRate != null ? { learningRate: params.learningRate } : {})
  };
  const seed = Number(base.seed ?? 1) + seedOffset;
  const augmentation = pointAugmentation(params);
  const entry: Record<string, unknown> = {
    ...base,
    id,
    title: `${tuner.title}: ${describePoint(params)}`,
    question: tuner.question,
    study: tuner.study,
    layers: tuner.model === "cnn" ? cnnLayers(params, where) : mlpLayers(params, where),
    optimizer,
    ...(augmentation ? { augmentation: { ...((base.augmentation as object | null | undefined) ?? {}), ...augmentation } } : {}),
    ...(params.batchSize != null ? { batchSize: params.batchSize } : {}),
    ...(params.decayPerEpoch != null ? { schedule: { decayPerEpoch: Number(params.decayPerEpoch) } } : {}),
    ...(epochs != null ? { epochs } : {}),
    seed,
    variant: { ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === "boolean" ? String(v) : v])), seed },
    ...overrides
  };
  return parseExperiment(entry, {}, `${where}, trial "${id}"`, new Set(declarations.studies.map((s) => s.id)));
}

export function planExperiment(experiment: Experiment, declarations: Declarations, profile: ProfileName): PlannedRun {
  const resolved = resolveExperiment(experiment, declarations.profiles[profile]);
  const key = runKey(resolved);
  return { experiment: resolved, key, dir: runDir(profile, resolved.id, key) };
}

function isStored(planned: PlannedRun): boolean {
  try {
    return readRun(planned.dir) != null;
  } catch {
    return false;
  }
}

/**
 * Cores handed out to training in this process: every child process takes one, a run trained over
 * every core takes them all. Searches and grids that run at the same time (npm run train:all) so
 * share the machine instead of each starting a process per core. Waiters are served by priority
 * (higher first: the stages of a chain of searches, which everything after them waits on), then in
 * the order they came.
 */
export class CoreSlots {
  private free: number;
  private readonly waiting: { n: number; priority: number; wake: () => void }[] = [];
  constructor(readonly size: number) {
    this.free = size;
  }
  /** Waits for `n` cores (at most the pool's size); the returned function gives them back. */
  async acquire(n = 1, priority = 0): Promise<() => void> {
    const want = Math.min(n, this.size);
    if (this.waiting.length === 0 && this.free >= want) this.free -= want;
    else {
      await new Promise<void>((wake) => {
        let at = this.waiting.length;
        while (at > 0 && this.waiting[at - 1].priority < priority) at--;
        this.waiting.splice(at, 0, { n: want, priority, wake });
        this.dispatch();
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.free += want;
      this.dispatch();
    };
  }
  private dispatch(): void {
    while (this.waiting.length && this.free >= this.waiting[0].n) {
      const next = this.waiting.shift()!;
      this.free -= next.n;
      next.wake();
    }
  }
}

/**
 * Long-lived worker processes (loaders/suiteWorker.ts) that train planned runs, one run at a time
 * each: Node, tsx, tfjs, the wasm backend and the decoded datasets are set up once per process, not
 * once per trial (about 2.5 s each). A worker is only handed a run while its caller holds a core,
 * so there are never more busy workers than cores; idle ones wait for the next run without keeping
 * this process alive.
 */
class TrialWorkers {
  private readonly idle: SuiteWorker[] = [];
  private readonly progress = new Progress();
  async train(request: WorkerRequest): Promise<void> {
    let worker = this.idle.pop();
    while (worker && !worker.alive) worker = this.idle.pop();
    worker ??= new SuiteWorker(this.progress);
    worker.busy();
    try {
      await worker.train(request);
    } finally {
      if (worker.alive && worker.rssMB > WORKER_RECYCLE_MB) {
        // Its wasm heap grew for a large model and never shrinks: retire it rather than hold that memory idle.
        this.progress.log(`[suite] retiring a worker holding ${worker.rssMB.toFixed(0)} MB after ${request.planned.experiment.id}`);
        void worker.close();
      } else if (worker.alive) {
        worker.idle();
        this.idle.push(worker);
      }
    }
  }

  /** Ends the idle workers (the next trial starts a fresh one), so that they hold no memory while a run trains over every core. */
  async closeIdle(): Promise<void> {
    const idle = this.idle.splice(0);
    await Promise.all(idle.map((worker) => worker.close()));
  }
}
const trialWorkers = new TrialWorkers();

/** Ends the idle trial workers of this process (see TrialWorkers.closeIdle), e.g. before other work that needs memory takes a core. */
export function closeIdleTrialWorkers(): Promise<void> {
  return trialWorkers.closeIdle();
}

const slotPools = new Map<number, CoreSlots>();
export function coreSlotsFor(workers: number): CoreSlots {
  let pool = slotPools.get(workers);
  if (!pool) slotPools.set(workers, (pool = new CoreSlots(workers)));
  return pool;
}

/**
 * Stored runs for planned experiments that need not be declared in the file: missing ones are
 * trained in long-lived worker processes (TrialWorkers), `workers` at a time (cores shared through
 * coreSlotsFor(workers) with any other call running in this process, claimed at
 * `options.priority`), then all are read.
 */
export async function ensurePlanned(planned: PlannedRun[], options: StudyOptions = {}): Promise<RunRecord[]> {
  const workers = options.workers ?? defaultWorkers();
  const slots = coreSlotsFor(workers);
  const missing = planned.filter((p) => options.force || !isStored(p));
  if (options.readOnly && missing.length) {
    throw new Error(`not stored: ${missing.map((p) => `${p.experiment.id} (${p.dir})`).join(", ")}`);
  }
  const priority = options.priority ?? 0;
  // One long run left (e.g. a tuner's retrained winner): it trains over every core instead of on one
  // (unless SUITE_MULTICORE=off). Otherwise, with more than one worker, every missing run trains in
  // a worker process, a single one too: a run trained here would leave its peak in this process's
  // wasm heap, which never shrinks, for the rest of the build.
  const onAllCores = workers > 1 && missing.length === 1 && planSchedule(missing, workers, multicoreMode(options)).parallel.length > 0;
  if (workers > 1 && missing.length >= 1 && !onAllCores) {
    const queue = [...missing];
    const failures: RunFailure[] = [];
    const lane = async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const release = await slots.acquire(1, priority);
        try {
          await trialWorkers.train({ type: "train", planned: job, force: Boolean(options.force), backend: options.backend });
        } catch (error) {
          failures.push({ id: job.experiment.id, dir: job.dir, message: (error as Error).message });
        } finally {
          release();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(workers, missing.length) }, lane));
    if (failures.length) throw new RunsFailedError(failures);
  }
  if (onAllCores) {
    const release = await slots.acquire(workers, priority);
    try {
      if (options.force || !isStored(missing[0])) {
        await trialWorkers.closeIdle();
        await trainOnAllCores(missing[0], workers, options);
      }
    } finally {
      release();
    }
  }
  // Runs the child processes stored are read back; without workers, missing runs train here (on one core).
  const trainedElsewhere = workers > 1 && missing.length >= 1;
  const out: RunRecord[] = [];
  for (const p of planned) {
    const force = trainedElsewhere ? false : options.force;
    const release = force || !isStored(p) ? await slots.acquire(1, priority) : null;
    try {
      out.push(await ensureRun(p, { ...options, force }));
    } finally {
      release?.();
    }
  }
  return out;
}

/** A tuner's objective: the best validation accuracy of the run (NaN when it diverged). */
export function objectiveOf(record: RunRecord): number {
  if (record.status !== "completed") return NaN;
  const values = record.history.map((h) => h.valAccuracy).filter((v): v is number => v != null);
  return values.length ? Math.max(...values) : NaN;
}

export interface TrialRun {
  id: string;
  key: string;
  params: Params;
  execution: number;
  epochs: number;
  score: number;
  trainCount: number;
  validationCount: number;
  trainSeconds: number;
}

export interface TunerResult {
  tuner: Tuner;
  /** Every run the search trained, in the order it asked for them. */
  runs: TrialRun[];
  /** Random search: trials best first. Successive halving: one entry per rung. */
  trials: Trial[];
  rungs: { rung: number; budget: number; trials: Trial[] }[];
  winner: Trial;
  /** The winner's trial run (the longest rung's, or its first execution). */
  winnerRun: { planned: PlannedRun; record: RunRecord };
  /** The earlier tuner's winning point this one kept fixed (empty when it starts from scratch). */
  fixed: Params;
  /** The winner retrained and tested (the declared `finalExperiment`'s run, if any); null when the tuner declares `final: null`. */
  final: { planned: PlannedRun; record: RunRecord } | null;
  /**
   * Every retraining of the winner, one per seed (`finalRepeats`, or the seeds of `finalExperiment`),
   * `final` first; empty when there is none.
   */
  finals: { planned: PlannedRun; record: RunRecord }[];
  /** Every stored trial run of the search, in the order it trained them. */
  trialResults: { planned: PlannedRun; record: RunRecord }[];
  /**
   * With `finalExperiment`: each setting in which that declared experiment is not the winner
   * ("layers", "optimizer", "augmentation"), with both values; empty when it is the winner.
   */
  finalDifferences: { field: string; winner: unknown; declared: unknown }[];
}

/**
 * Where a declared final experiment differs from the winner's trial experiment: its model, optimizer and
 * augmentation, and its training recipe (data sizes, epochs, batch size, schedule, early stopping) when
 * the tuner's own trials train with the final recipe (`recipe`: a search of the recipe itself).
 */
export function finalDifferences(winner: Experiment, declared: Experiment, recipe = false): TunerResult["finalDifferences"] {
  const differences: TunerResult["finalDifferences"] = [];
  const canonical = (v: unknown): string => JSON.stringify(v, (_k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x));
  const compare = (field: string, a: unknown, b: unknown) => {
    if (canonical(a) !== canonical(b)) differences.push({ field, winner: a ?? null, declared: b ?? null });
  };
  compare("layers", winner.layers, declared.layers);
  compare("optimizer", winner.optimizer, declared.optimizer);
  compare("augmentation", winner.augmentation, declared.augmentation);
  if (recipe) {
    for (const field of ["trainSize", "validationSize", "epochs", "batchSize", "schedule", "earlyStopping", "dataset"] as const) compare(field, winner[field], declared[field]);
  }
  return differences;
}

function pointId(params: Params, points: Params[]): number {
  const key = JSON.stringify(Object.entries(params).sort());
  return points.findIndex((p) => JSON.stringify(Object.entries(p).sort()) === key);
}

/** Every combination of a space's `choice` dimensions, in key order (the last key varies fastest). */
export function gridPoints(space: Space): Params[] {
  let points: Params[] = [{}];
  for (const name of Object.keys(space).sort()) {
    const param = space[name];
    if (!("choice" in param)) throw new Error(`a grid needs "choice" values, not for "${name}"`);
    points = points.flatMap((p) => param.choice.map((v) => ({ ...p, [name]: v })));
  }
  return points;
}

/**
 * Runs a tuner: trains (or reuses) every trial, then retrains the winner with `final` and tests it.
 * A tuner declared `after` another first runs that one (all reused when stored) and keeps its
 * winning point fixed under every point of its own.
 */
export async function runTuner(
  profile: ProfileName,
  tuner: Tuner,
  declarations: Declarations = readDeclarations(DECLARATIONS_FILE),
  options: StudyOptions = {}
): Promise<TunerResult> {
  const progress = options.progress ?? new Progress();
  // The stages of a chain of searches go first for cores: everything after a stage waits on it.
  const dependents = (id: string): number => declarations.tuners.filter((t) => t.after === id).reduce((n, t) => n + 1 + dependents(t.id), 0);
  const inChain = tuner.after != null || dependents(tuner.id) > 0;
  const claim: StudyOptions = { ...options, priority: inChain ? 1 + dependents(tuner.id) : options.priority };
  let fixed: Params = {};
  if (tuner.after != null) {
    const earlier = declarations.tuners.find((t) => t.id === tuner.after);
    if (!earlier) throw new Error(`tuner "${tuner.id}": "after" names an unknown tuner "${tuner.after}"`);
    const previous = await runTuner(profile, earlier, declarations, options);
    fixed = previous.winner.params;
  }
  const space = tuner.space as Space;
  const normalize = (p: Params) => (tuner.model === "mlp" ? normalizeMlpPoint(p) : p);
  const own = tuner.method === "grid" ? gridPoints(space) : sampleDistinct(space, tuner.points, tuner.seed, normalize);
  const points = own.map((p) => ({ ...fixed, ...p }));
  const runs: TrialRun[] = [];
  const trained = new Map<string, { planned: PlannedRun; record: RunRecord }>();
  const objective = async (candidates: Candidate[]) => {
    const planned = candidates.map((c) => {
      const index = pointId(c.params, points);
      const id = tuner.method === "successiveHalving" ? `${tuner.id}-p${index}-e${c.budget}` : `${tuner.id}-p${index}-s${c.execution}`;
      const epochs = tuner.method === "successiveHalving" ? c.budget : undefined;
      // Trials of one point differ by their rung or their execution: the title says which.
      const which = tuner.method === "successiveHalving" ? `trial, ${c.budget} epoch${c.budget === 1 ? "" : "s"}` : `trial${tuner.executions > 1 ? ` ${c.execution + 1} of ${tuner.executions}` : ""}`;
      const trial = trialExperiment(declarations, tuner, c.params, { id, epochs, seedOffset: c.execution });
      return planExperiment({ ...trial, title: `${trial.title} (${which})` }, declarations, profile);
    });
    progress.log(`[${tuner.id}] ${planned.length} trial runs (${planned.filter((p) => !isStored(p)).length} to train)`);
    const records = await ensurePlanned(planned, { ...claim, progress });
    const scores = records.map(objectiveOf);
    planned.forEach((p, i) => trained.set(p.experiment.id, { planned: p, record: records[i] }));
    candidates.forEach((c, i) =>
      runs.push({
        id: planned[i].experiment.id,
        key: planned[i].key,
        params: c.params,
        execution: c.execution,
        epochs: planned[i].experiment.epochs,
        score: scores[i],
        trainCount: records[i].data.trainCount,
        validationCount: records[i].data.validationCount,
        trainSeconds: records[i].timing.trainSeconds
      })
    );
    return scores;
  };
  let trials: Trial[];
  let rungs: TunerResult["rungs"] = [];
  let winner: Trial;
  if (tuner.method === "successiveHalving") {
    const result = await successiveHalving({ points, minBudget: tuner.minEpochs!, eta: tuner.eta!, maxBudget: tuner.maxEpochs! }, objective);
    rungs = result.rungs;
    trials = result.rungs[0].trials;
    winner = result.winner;
  } else if (tuner.method === "grid") {
    trials = await scorePoints(points, tuner.executions, objective);
    winner = trials[0];
  } else {
    const withFixed = async (candidates: Candidate[]) => objective(candidates.map((c) => ({ ...c, params: { ...fixed, ...c.params } })));
    trials = (await randomSearch({ space, trials: tuner.points, executions: tuner.executions, seed: tuner.seed }, withFixed, 1, normalize)).map((t) => ({
      ...t,
      params: { ...fixed, ...t.params }
    }));
    winner = trials[0];
  }
  const winnerIndex = pointId(winner.params, points);
  const winnerRun = trained.get(
    tuner.method === "successiveHalving" ? `${tuner.id}-p${winnerIndex}-e${rungs[rungs.length - 1].budget}` : `${tuner.id}-p${winnerIndex}-s0`
  )!;
  let finalPlans: PlannedRun[] = [];
  let differences: TunerResult["finalDifferences"] = [];
  if (tuner.finalExperiment != null) {
    const declared = declarations.experiments.find((e) => e.id === tuner.finalExperiment);
    if (!declared) throw new Error(`tuner "${tuner.id}": "finalExperiment" names an unknown experiment "${tuner.finalExperiment}"`);
    // A search of the recipe itself trains its trials as the final model is trained: then the declared
    // model must match the winning trial in everything but its seeds (so its first seed is that trial).
    const recipe = "batchSize" in tuner.space || "decayPerEpoch" in tuner.space;
    differences = finalDifferences(trialExperiment(declarations, tuner, winner.params, { id: declared.id }), declared, recipe);
    if (differences.length) {
      progress.log(
        `[${tuner.id}] note: the declared final experiment "${declared.id}" is not this search's winner (${profile} profile) in ${differences.map((d) => d.field).join(", ")}`
      );
    }
    // The declared experiment and its other seeds (declared with `seeds`), first seed first.
    const seeds = declarations.experiments.filter((e) => e.id === declared.id || (declared.group != null && e.group === declared.group));
    finalPlans = seeds.map((e) => planExperiment(e, declarations, profile));
  } else if (tuner.final != null) {
    const group = `${tuner.id}-final`;
    // Named like the seeds of a declared experiment: the first keeps the group's id, the others "-s<seed>".
    const firstSeed = Number({ ...declarations.defaults, ...tuner.base }.seed ?? 1);
    finalPlans = Array.from({ length: tuner.finalRepeats }, (_, i) =>
      planExperiment(
        trialExperiment(declarations, tuner, winner.params, {
          id: i === 0 ? group : `${group}-s${firstSeed + i}`,
          seedOffset: i,
          overrides: { ...tuner.final, group, title: `${tuner.title}: ${describePoint(winner.params)} (retrained winner${i ? `, seed ${firstSeed + i}` : ""})` }
        }),
        declarations,
        profile
      )
    );
  }
  const finalRecords = finalPlans.length ? await ensurePlanned(finalPlans, { ...claim, progress }) : [];
  const finals = finalPlans.map((planned, i) => ({ planned, record: finalRecords[i] }));
  const final: TunerResult["final"] = finals[0] ?? null;
  progress.log(`[${tuner.id}] winner ${describePoint(winner.params)}: validation ${(winner.score * 100).toFixed(2)}%` +
    (final?.record.test ? `, retrained test accuracy ${(final.record.test.accuracy * 100).toFixed(2)}%` : ""));
  return { tuner, fixed, runs, trials, rungs, winner, winnerRun, final, finals, trialResults: [...trained.values()], finalDifferences: differences };
}

/** Scores every point `executions` times (seeds seed, seed + 1, ...); trials best first by mean score. */
async function scorePoints(points: Params[], executions: number, objective: (c: Candidate[]) => Promise<number[]>): Promise<Trial[]> {
  const candidates = points.flatMap((params) => Array.from({ length: executions }, (_, execution) => ({ params, execution, budget: 1 })));
  const scores = await objective(candidates);
  const rank = (x: number) => (Number.isFinite(x) ? x : -Infinity);
  const trials = points.map((params, index) => {
    const own = scores.slice(index * executions, (index + 1) * executions);
    return { index, params, scores: own, score: own.map(rank).reduce((a, b) => a + b, 0) / own.length };
  });
  return trials.sort((a, b) => b.score - a.score || a.index - b.index);
}

/** Every run of a study: its declared experiments (trained by the suite) and its tuners. */
export async function ensureStudy(profile: ProfileName, studyId: string, options: StudyOptions = {}) {
  const declarations = readDeclarations(DECLARATIONS_FILE);
  const study = declarations.studies.find((s) => s.id === studyId);
  if (!study) throw new Error(`unknown study "${studyId}"; declared: ${declarations.studies.map((s) => s.id).join(", ")}`);
  const ids = declarations.experiments.filter((e) => e.study === studyId).map((e) => e.id);
  const experiments = ids.length ? await ensureRuns(profile, { ...options, only: ids }) : [];
  const tuners = [];
  for (const tuner of declarations.tuners.filter((t) => t.study === studyId)) tuners.push(await runTuner(profile, tuner, declarations, options));
  return { study, experiments, tuners };
}
