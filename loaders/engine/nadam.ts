// Nadam (Adam with Nesterov momentum) as a tfjs optimizer: tfjs ships SGD, momentum, Adagrad,
// Adadelta, Adam, Adamax and RMSprop, but not the Nadam that the Fashion-MNIST write-up compares.
//
// The update follows Keras' definition (Dozat 2016 with Keras' momentum schedule), per step t = 1, 2, ...:
//   mu(t)   = beta1 * (1 - 0.5 * 0.96^(0.004 t))         momentum schedule
//   P(t)    = mu(1) * ... * mu(t)                        running product
//   m       = beta1 m + (1 - beta1) g
//   v       = beta2 v + (1 - beta2) g^2
//   m_hat   = mu(t+1) m / (1 - P(t) mu(t+1)) + (1 - mu(t)) g / (1 - P(t))
//   v_hat   = v / (1 - beta2^t)
//   theta  -= lr m_hat / (sqrt(v_hat) + epsilon)
// `nadamReference` computes the same on plain arrays; the test checks the tfjs version against it.
import type * as tfType from "@tensorflow/tfjs";

type Tf = typeof tfType;
/** A named tensor as tfjs optimizers exchange them (not exported by the tfjs union package). */
type NamedTensor = { name: string; tensor: tfType.Tensor };

export interface NadamConfig {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

const DEFAULTS = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
/** Keras' momentum schedule constant. */
const SCHEDULE_DECAY = 0.004;

export function momentumAt(beta1: number, step: number): number {
  return beta1 * (1 - 0.5 * Math.pow(0.96, SCHEDULE_DECAY * step));
}

/** The scalars of step `t` (1-based), given the running product P(t-1). */
function stepScalars(beta1: number, beta2: number, t: number, previousProduct: number) {
  const mu = momentumAt(beta1, t);
  const muNext = momentumAt(beta1, t + 1);
  const product = previousProduct * mu;
  return {
    product,
    /** coefficient of m in m_hat */
    mCoef: muNext / (1 - product * muNext),
    /** coefficient of g in m_hat */
    gCoef: (1 - mu) / (1 - product),
    /** 1 / (1 - beta2^t) */
    vCoef: 1 / (1 - Math.pow(beta2, t))
  };
}

/**
 * Plain-array Nadam on one parameter vector, for tests: applies the gradients in order and returns the
 * parameters after each step.
 */
export function nadamReference(initial: number[], gradients: number[][], config: NadamConfig): number[][] {
  const { beta1, beta2, epsilon } = { ...DEFAULTS, ...config };
  const theta = [...initial];
  const m = theta.map(() => 0);
  const v = theta.map(() => 0);
  let product = 1;
  const out: number[][] = [];
  gradients.forEach((g, index) => {
    const s = stepScalars(beta1, beta2, index + 1, product);
    product = s.product;
    for (let i = 0; i < theta.length; i++) {
      m[i] = beta1 * m[i] + (1 - beta1) * g[i];
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
      const mHat = s.mCoef * m[i] + s.gCoef * g[i];
      const vHat = s.vCoef * v[i];
      theta[i] -= (config.learningRate * mHat) / (Math.sqrt(vHat) + epsilon);
    }
    out.push([...theta]);
  });
  return out;
}

const classes = new WeakMap<Tf, new (config: NadamConfig) => tfType.Optimizer>();

/** The Nadam optimizer class for this tfjs instance (registered for serialisation as "Nadam"). */
function nadamClass(tf: Tf) {
  const existing = classes.get(tf);
  if (existing) return existing;

  class Nadam extends tf.Optimizer {
    static get className() {
      return "Nadam";
    }
    learningRate: number;
    readonly beta1: number;
    readonly beta2: number;
    readonly epsilon: number;
    private product = 1;
    private slots: { m: tfType.Variable; v: tfType.Variable; name: string }[] = [];

    constructor(config: NadamConfig) {
      super();
      const merged = { ...DEFAULTS, ...config };
      this.learningRate = merged.learningRate;
      this.beta1 = merged.beta1;
      this.beta2 = merged.beta2;
      this.epsilon = merged.epsilon;
    }

    applyGradients(variableGradients: tfType.NamedTensorMap | NamedTensor[]): void {
      const entries: [string, tfType.Tensor | undefined][] = Array.isArray(variableGradients)
        ? variableGradients.map((g) => [g.name, g.tensor])
        : Object.entries(variableGradients);
      const t = this.iterations + 1;
      const s = stepScalars(this.beta1, this.beta2, t, this.product);
      this.product = s.product;
      const registered = tf.engine().registeredVariables;
      tf.tidy(() => {
        entries.forEach(([name, gradient], i) => {
          const variable = registered[name];
          if (!variable) throw new Error(`Nadam: no variable named "${name}"`);
          if (!this.slots[i]) {
            this.slots[i] = {
              name,
              m: tf.tidy(() => tf.zerosLike(variable).variable(false)),
              v: tf.tidy(() => tf.zerosLike(variable).variable(false))
            };
          }
          if (gradient == null) return;
          const { m, v } = this.slots[i];
          const mNew = tf.add(tf.mul(m, this.beta1), tf.mul(gradient, 1 - this.beta1));
          const vNew = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(gradient), 1 - this.beta2));
          m.assign(mNew);
          v.assign(vNew);
          const mHat = tf.add(tf.mul(mNew, s.mCoef), tf.mul(gradient, s.gCoef));
          const denominator = tf.add(tf.sqrt(tf.mul(vNew, s.vCoef)), this.epsilon);
          variable.assign(tf.sub(variable, tf.mul(tf.div(mHat, denominator), this.learningRate)));
        });
      });
      this.incrementIterations();
    }

    dispose(): void {
      for (const slot of this.slots) {
        slot.m.dispose();
        slot.v.dispose();
      }
      this.slots = [];
    }

    async getWeights(): Promise<NamedTensor[]> {
      return [
        await this.saveIterations(),
        ...this.slots.map((s) => ({ name: `${s.name}/m`, tensor: s.m })),
        ...this.slots.map((s) => ({ name: `${s.name}/v`, tensor: s.v }))
      ];
    }

    async setWeights(weightValues: NamedTensor[]): Promise<void> {
      const rest = await this.extractIterations(weightValues);
      this.dispose();
      const half = rest.length / 2;
      this.slots = rest.slice(0, half).map((w, i) => ({
        name: w.name.replace(/\/m$/, ""),
        m: w.tensor.variable(false),
        v: rest[half + i].tensor.variable(false)
      }));
      this.product = 1;
      for (let t = 1; t <= this.iterations; t++) this.product *= momentumAt(this.beta1, t);
    }

    getConfig() {
      return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
    }

    static fromConfig<T extends tfType.serialization.Serializable>(
      cls: tfType.serialization.SerializableConstructor<T>,
      config: tfType.serialization.ConfigDict
    ): T {
      return new (cls as unknown as new (c: NadamConfig) => T)(config as unknown as NadamConfig);
    }
  }

  tf.serialization.registerClass(Nadam as unknown as tfType.serialization.SerializableConstructor<tfType.Optimizer>);
  classes.set(tf, Nadam as unknown as new (config: NadamConfig) => tfType.Optimizer);
  return classes.get(tf)!;
}

/** A Nadam optimizer (Keras defaults: beta1 0.9, beta2 0.999, epsilon 1e-7). */
export function nadam(tf: Tf, config: NadamConfig): tfType.Optimizer & { learningRate: number } {
  const Nadam = nadamClass(tf);
  return new Nadam(config) as tfType.Optimizer & { learningRate: number };
}
