// Data-parallel training of one model across cores: replicas in worker threads, each with its own
// tfjs wasm backend, gradients averaged every step, the same optimizer step applied everywhere.
import { Worker } from "node:worker_threads";
import type * as tfType from "@tensorflow/tfjs";

/*
 * Replica 0 is the caller's model on the calling thread; replicas 1..R-1 live in worker threads
 * (loaders/training/parallelWorker.ts), built from the same declaration and started from replica 0's weights.
 * One step of a batch of n samples:
 *   1. the batch is cut into R contiguous parts of nearly equal size n_r; each worker's part is
 *      copied into its shared input buffer and the worker is told to go;
 *   2. every replica computes the gradient of its part's mean loss (plus the regularisation
 *      penalties) with respect to the trainable weights, as one flat Float32Array;
 *   3. replica 0 averages them weighted by n_r / n, which is the gradient of the whole batch's mean
 *      loss (up to float rounding), and writes the average into a shared buffer;
 *   4. every replica applies that same average with its own copy of the same optimizer, so the
 *      replicas' weights stay identical (the same float operations on the same inputs).
 * Buffers are SharedArrayBuffers, so a step moves no tensors through messages: the messages only
 * say "go" and return a loss and an accuracy count.
 *
 * What is not equivalent to one process: layers whose training-time output depends on the rest of
 * the batch. Batch normalisation normalises each part by that part's statistics ("ghost batch
 * norm") and only replica 0's moving averages are kept; dropout draws its masks per replica. For
 * a model without these, a data-parallel step equals a single-process step within float rounding
 * (test/parallel.test.ts).
 */

type Tf = typeof tfType;
const PIXELS = 784;

/**
 * Worker threads do not inherit the main thread's `--import tsx` hooks, so a replica thread loads
 * its TypeScript entry through tsx's API.
 */
const TSX_API = import.meta.resolve("tsx/esm/api");
const REPLICA_ENTRY = new URL("./parallelWorker.ts", import.meta.url).href;
const REPLICA_BOOTSTRAP = `import(${JSON.stringify(TSX_API)}).then(({ tsImport }) => tsImport(${JSON.stringify(REPLICA_ENTRY)}, ${JSON.stringify(TSX_API)}))`;

/** What the worker needs to build its replica (the fields of an experiment that buildModel reads). */
export interface ReplicaModelSpec {
  layers: unknown[];
  optimizer: { name: string; learningRate: number; momentum?: number };
  seed: number;
  classes?: number[];
  output?: string;
}

export interface WorkerSetup {
  spec: ReplicaModelSpec;
  numClasses: number;
  backend: "wasm" | "cpu";
  /** Every weight of replica 0 (trainable and not), in model.getWeights() order. */
  weights: Float32Array[];
  input: SharedArrayBuffer;
  labels: SharedArrayBuffer;
  grads: SharedArrayBuffer;
  average: SharedArrayBuffer;
}

export type ToWorker =
  | { type: "step"; n: number }
  | { type: "apply"; learningRate: number }
  | { type: "weights" };
export type FromWorker =
  | { type: "ready"; gradientSize: number }
  | { type: "grads"; loss: number; correct: number; seconds: number }
  | { type: "applied" }
  | { type: "weights"; weights: Float32Array[] }
  | { type: "error"; message: string };

/** The per-replica half of a step: gradients of a part of a batch, and applying an averaged gradient. */
export class Replica {
  readonly gradientSize: number;
  private readonly variables: tfType.Variable[];
  private readonly sizes: number[];
  constructor(
    private readonly tf: Tf,
    readonly model: tfType.LayersModel
  ) {
    // The variables trainOnBatch would train, in the model's order (the same on every replica).
    this.variables = model.trainableWeights.map((w) => w.read() as tfType.Variable);
    this.sizes = this.variables.map((v) => v.size);
    this.gradientSize = this.sizes.reduce((a, b) => a + b, 0);
  }

  /**
   * Writes into `out` the gradient of the mean loss over the n samples (plus regularisation
   * penalties), as trainOnBatch would compute it, and returns that loss and how many were right.
   */
  gradients(x: Float32Array, y: Float32Array, n: number, out: Float32Array): { loss: number; correct: number } {
    const tf = this.tf;
    type Compiled = tfType.LayersModel & { calculateLosses(): tfType.Scalar[] };
    const model = this.model as Compiled;
    // A Sequential compiles into an inner LayersModel, which holds the loss and the layers' penalties.
    const compiled = ((this.model as unknown as { model?: Compiled }).model ?? model) as Compiled;
    const lossFunction = compiled.lossFunctions[0];
    let correct = 0;
    const { value, grads } = tf.tidy(() => {
      const xs = tf.tensor4d(x.subarray(0, n * PIXELS), [n, 28, 28, 1]);
      const ys = tf.tensor2d(y.subarray(0, n), [n, 1]);
      return tf.variableGrads(() => {
        const predicted = model.apply(xs, { training: true }) as tfType.Tensor;
        const right = predicted.shape[1] === 1 ? tf.equal(tf.greater(predicted, 0.5).toFloat(), ys) : tf.equal(tf.argMax(predicted, 1), ys.reshape([n]).toInt());
        correct = right.sum().dataSync()[0];
        let total = tf.mean(lossFunction(ys, predicted)) as tfType.Scalar;
        for (const penalty of compiled.calculateLosses()) total = tf.add(total, penalty);
        return total;
      }, this.variables);
    });
    let offset = 0;
    for (const v of this.variables) {
      const g = grads[v.name];
      if (g) out.set(g.dataSync() as Float32Array, offset);
      else out.fill(0, offset, offset + v.size); // a weight the loss does not reach
      offset += v.size;
    }
    const loss = value.dataSync()[0];
    tf.dispose([value, ...Object.values(grads)]);
    return { loss, correct };
  }

  /** Applies one optimizer step with the flat gradient `average`, at `learningRate`. */
  apply(average: Float32Array, learningRate: number): void {
    const tf = this.tf;
    setLearningRate(this.model.optimizer, learningRate);
    const named: Record<string, tfType.Tensor> = {};
    let offset = 0;
    this.variables.forEach((v, i) => {
      named[v.name] = tf.tensor(average.subarray(offset, offset + this.sizes[i]), v.shape);
      offset += this.sizes[i];
    });
    this.model.optimizer.applyGradients(named);
    tf.dispose(Object.values(named));
  }
}

type LearningRateHolder = tfType.Optimizer & { learningRate?: number; setLearningRate?: (lr: number) => void };

export function learningRateOf(optimizer: tfType.Optimizer): number {
  return (optimizer as LearningRateHolder).learningRate ?? NaN;
}

function setLearningRate(optimizer: tfType.Optimizer, learningRate: number): void {
  const o = optimizer as LearningRateHolder;
  if (!Number.isFinite(learningRate) || o.learningRate === learningRate) return;
  if (o.setLearningRate) o.setLearningRate(learningRate);
  else o.learningRate = learningRate;
}

interface WorkerHandle {
  worker: Worker;
  input: Float32Array;
  labels: Float32Array;
  grads: Float32Array;
  next(): Promise<FromWorker>;
}

/**
 * Trains one model data-parallel over `replicas` replicas (this thread plus replicas - 1 worker
 * threads). Create it with DataParallel.start after building and compiling the model, call
 * trainOnBatch instead of model.trainOnBatch, and close it when training is over. The caller's
 * model is replica 0 and holds the trained weights; changing its optimizer's learning rate is
 * passed on to the other replicas at the next step.
 */
export class DataParallel {
  private readonly average: Float32Array;
  private readonly own: Float32Array;
  /** Where the time of the steps so far went (wall seconds, summed over steps). */
  readonly timing = { steps: 0, ownGradients: 0, replicaGradients: 0, waiting: 0, averaging: 0, applying: 0, total: 0 };
  private constructor(
    private readonly tf: Tf,
    private readonly replica: Replica,
    private readonly workers: WorkerHandle[],
    averageBuffer: SharedArrayBuffer
  ) {
    this.average = new Float32Array(averageBuffer);
    this.own = new Float32Array(replica.gradientSize);
  }

  get replicas(): number {
    return this.workers.length + 1;
  }

  static async start(
    tf: Tf,
    model: tfType.LayersModel,
    spec: ReplicaModelSpec,
    options: { replicas: number; batchSize: number; numClasses: number; backend?: "wasm" | "cpu" }
  ): Promise<DataParallel> {
    if (!(Number.isInteger(options.replicas) && options.replicas >= 2)) throw new Error(`data-parallel training needs 2 or more replicas, not ${options.replicas}`);
    const replica = new Replica(tf, model);
    const part = Math.ceil(options.batchSize / options.replicas);
    const averageBuffer = new SharedArrayBuffer(replica.gradientSize * 4);
    const weights = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
    const handles = await Promise.all(
      Array.from({ length: options.replicas - 1 }, async () => {
        const setup: WorkerSetup = {
          spec: JSON.parse(JSON.stringify(spec)),
          numClasses: options.numClasses,
          backend: options.backend ?? "wasm",
          weights,
          input: new SharedArrayBuffer(part * PIXELS * 4),
          labels: new SharedArrayBuffer(part * 4),
          grads: new SharedArrayBuffer(replica.gradientSize * 4),
          average: averageBuffer
        };
        const worker = new Worker(REPLICA_BOOTSTRAP, { eval: true, workerData: setup, stdout: false, stderr: false });
        const handle = messages(worker, setup);
        const ready = await handle.next();
        worker.unref();
        if (ready.type !== "ready") throw new Error(`a replica failed to start: ${ready.type === "error" ? ready.message : ready.type}`);
        if (ready.gradientSize !== replica.gradientSize) throw new Error(`replica has ${ready.gradientSize} trainable values, expected ${replica.gradientSize}`);
        return handle;
      })
    );
    return new DataParallel(tf, replica, handles, averageBuffer);
  }

  /** One training step on the first n samples of x (n x 784) and y; returns [loss, accuracy] like model.trainOnBatch. */
  async trainOnBatch(x: Float32Array, y: Float32Array, n: number): Promise<[number, number]> {
    const R = this.replicas;
    // Between steps the threads do not keep the process alive (so an error that skips close() cannot hang it).
    for (const w of this.workers) w.worker.ref();
    try {
      return await this.step(x, y, n, R);
    } finally {
      for (const w of this.workers) w.worker.unref();
    }
  }

  private async step(x: Float32Array, y: Float32Array, n: number, R: number): Promise<[number, number]> {
    const bounds = Array.from({ length: R + 1 }, (_, r) => Math.round((r * n) / R));
    const replies = this.workers.map((w, i) => {
      const [from, to] = [bounds[i + 1], bounds[i + 2]];
      w.input.set(x.subarray(from * PIXELS, to * PIXELS));
      w.labels.set(y.subarray(from, to));
      w.worker.postMessage({ type: "step", n: to - from } satisfies ToWorker);
      return w.next();
    });
    const n0 = bounds[1];
    const t0 = performance.now();
    const mine = this.replica.gradients(x, y, n0, this.own);
    const t1 = performance.now();
    const theirs = await Promise.all(replies);
    const t2 = performance.now();
    // Weighted average: sum_r (n_r / n) g_r.
    const average = this.average;
    const w0 = n0 / n;
    const own = this.own;
    for (let i = 0; i < own.length; i++) average[i] = own[i] * w0;
    let loss = mine.loss * n0;
    let correct = mine.correct;
    theirs.forEach((reply, i) => {
      if (reply.type !== "grads") throw new Error(`replica ${i + 1} failed: ${reply.type === "error" ? reply.message : reply.type}`);
      const nr = bounds[i + 2] - bounds[i + 1];
      const wr = nr / n;
      const g = this.workers[i].grads;
      for (let j = 0; j < g.length; j++) average[j] += g[j] * wr;
      loss += reply.loss * nr;
      correct += reply.correct;
    });
    const t3 = performance.now();
    const learningRate = learningRateOf(this.replica.model.optimizer);
    const applied = this.workers.map((w) => {
      w.worker.postMessage({ type: "apply", learningRate } satisfies ToWorker);
      return w.next();
    });
    this.replica.apply(average, learningRate);
    for (const reply of await Promise.all(applied)) {
      if (reply.type !== "applied") throw new Error(`a replica failed to apply the step: ${reply.type === "error" ? reply.message : reply.type}`);
    }
    const t4 = performance.now();
    const timing = this.timing;
    timing.steps++;
    timing.ownGradients += (t1 - t0) / 1000;
    timing.replicaGradients += Math.max(...theirs.map((r) => (r.type === "grads" ? r.seconds : 0)));
    timing.waiting += (t2 - t1) / 1000;
    timing.averaging += (t3 - t2) / 1000;
    timing.applying += (t4 - t3) / 1000;
    timing.total += (t4 - t0) / 1000;
    return [loss / n, correct / n];
  }

  /** The weights of replica r (for checks: every replica should hold replica 0's weights). */
  async replicaWeights(r: number): Promise<Float32Array[]> {
    if (r === 0) return this.replica.model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
    const w = this.workers[r - 1];
    w.worker.postMessage({ type: "weights" } satisfies ToWorker);
    w.worker.ref();
    const reply = await w.next().finally(() => w.worker.unref());
    if (reply.type !== "weights") throw new Error(`replica ${r} did not send its weights`);
    return reply.weights;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}

/** Wraps a worker's messages as a queue of promises (one reply per request, in order). */
function messages(worker: Worker, setup: WorkerSetup): WorkerHandle {
  const queued: FromWorker[] = [];
  const waiting: ((m: FromWorker) => void)[] = [];
  const deliver = (m: FromWorker) => {
    const w = waiting.shift();
    if (w) w(m);
    else queued.push(m);
  };
  worker.on("message", deliver);
  worker.on("error", (error) => deliver({ type: "error", message: error.message }));
  worker.on("exit", (code) => deliver({ type: "error", message: `replica thread exited with code ${code}` }));
  return {
    worker,
    input: new Float32Array(setup.input),
    labels: new Float32Array(setup.labels),
    grads: new Float32Array(setup.grads),
    next: () => (queued.length ? Promise.resolve(queued.shift()!) : new Promise((resolve) => waiting.push(resolve)))
  };
}
