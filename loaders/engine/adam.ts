// Adam as one kernel call per variable: the same optimizer as tf.train.adam, step for step and bit
// for bit, without the thirteen element-wise kernels tfjs runs per variable per step.
//
// tfjs' AdamOptimizer updates each variable with mul, add, square, div, sqrt, ... kernels, each a
// pass over the variable and a tensor for the engine to track. For a small model at a small batch
// size those dispatches are half the kernels of a training step (a 784-128-10 MLP at batch 4: 76 of
// 157), and for a CNN at batch 128 they are thirteen passes over 400,000 parameters. Where the
// backend has the fused kernel (loaders/engine/kernels/ registers it for wasm, in WebAssembly SIMD from
// loaders/engine/simd.ts), this optimizer makes one call per variable; on any other backend it is tfjs'
// Adam unchanged.
//
// The kernel evaluates tfjs' expression in tfjs' order in single precision, as XNNPACK's kernels do,
// so the weights and moments equal tf.train.adam's exactly (a test compares them bit for bit). The
// JavaScript version below (adamUpdateInto, for a backend without SIMD) rounds every intermediate
// to float32; a double-precision operation rounded to float32 is the correctly rounded float32
// operation (53 >= 2 * 24 + 2 bits), so it gives the same bits, only slower than tfjs' kernels.
import type * as tfType from "@tensorflow/tfjs-core";

/** tfjs' core, whether from @tensorflow/tfjs (Node) or the page's parts (src/components/tfjsParts.ts). */
type Tf = Omit<typeof tfType, "default">;
type NamedTensor = { name: string; tensor: tfType.Tensor };

/** The fused kernel's name; inputs value, m, v, gradient; outputs the new value, m and v. */
export const FUSED_ADAM_KERNEL = "MnistFindingsAdamUpdate";

export interface FusedAdamAttrs {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1 - beta1^t and 1 - beta2^t as tfjs computes them: float32, from the float32 running products. */
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
}

const f = Math.fround;

/**
 * One Adam step over float32 arrays, writing the new value, m and v: tfjs' AdamOptimizer expression
 *   m' = m b1 + g (1 - b1),  v' = v b2 + g^2 (1 - b2),
 *   w' = (m' / (1 - b1^t)) / (sqrt(v' / (1 - b2^t)) + eps) * (-lr) + w,
 * with every operation rounded to float32 as tfjs' kernels round it.
 */
export function adamUpdateInto(
  value: Float32Array,
  m: Float32Array,
  v: Float32Array,
  g: Float32Array,
  outValue: Float32Array,
  outM: Float32Array,
  outV: Float32Array,
  a: FusedAdamAttrs,
): void {
  const b1 = f(a.beta1);
  const c1 = f(1 - a.beta1);
  const b2 = f(a.beta2);
  const c2 = f(1 - a.beta2);
  const d1 = f(a.oneMinusAccBeta1);
  const d2 = f(a.oneMinusAccBeta2);
  const eps = f(a.epsilon);
  const negLr = f(-a.learningRate);
  for (let i = 0; i < value.length; i++) {
    const gi = g[i];
    const mi = f(f(m[i] * b1) + f(gi * c1));
    const vi = f(f(v[i] * b2) + f(f(gi * gi) * c2));
    outM[i] = mi;
    outV[i] = vi;
    const step = f(f(f(mi / d1) / f(f(Math.sqrt(f(vi / d2))) + eps)) * negLr);
    outValue[i] = f(step + value[i]);
  }
}

interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tfType.Variable;
  accBeta2: tfType.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tfType.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tfType.Variable }[];
  incrementIterations(): void;
}

const classes = new WeakMap<Tf, new (learningRate: number) => tfType.Optimizer>();

function fusedAdamClass(tf: Tf) {
  const existing = classes.get(tf);
  if (existing) return existing;

  // Same className ("Adam"), config, weights and serialisation as tfjs' AdamOptimizer; only the update differs.
  class FusedAdam extends tf.AdamOptimizer {
    // tfjs' arguments and defaults, so that fromConfig (inherited) rebuilds it faithfully.
    constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon?: number) {
      super(learningRate, beta1, beta2, epsilon);
    }

    applyGradients(variableGradients: Parameters<tfType.AdamOptimizer["applyGradients"]>[0]): void {
      if (tf.getKernel(FUSED_ADAM_KERNEL, tf.getBackend()) == null) return super.applyGradients(variableGradients);
      const self = this as unknown as AdamInternals;
      const entries: [string, tfType.Tensor | undefined][] = Array.isArray(variableGradients)
        ? variableGradients.map((g) => [g.name, g.tensor])
        : Object.entries(variableGradients as Record<string, tfType.Tensor>);
      const registered = tf.engine().registeredVariables;
      tf.tidy(() => {
        const oneMinusAccBeta1 = tf.sub(1, self.accBeta1).dataSync()[0];
        const oneMinusAccBeta2 = tf.sub(1, self.accBeta2).dataSync()[0];
        const attrs: FusedAdamAttrs = {
          learningRate: self.learningRate,
          beta1: self.beta1,
          beta2: self.beta2,
          epsilon: self.epsilon,
          oneMinusAccBeta1,
          oneMinusAccBeta2,
        };
        entries.forEach(([name, gradient], i) => {
          const value = registered[name];
          if (!value) throw new Error(`Adam: no variable named "${name}"`);
          self.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
          self.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
          if (gradient == null) return;
          const m = self.accumulatedFirstMoment[i].variable;
          const v = self.accumulatedSecondMoment[i].variable;
          const [newValue, newM, newV] = tf.engine().runKernel(FUSED_ADAM_KERNEL, { value, m, v, gradient }, attrs as unknown as tfType.NamedAttrMap) as tfType.Tensor[];
          m.assign(newM);
          v.assign(newV);
          value.assign(newValue);
        });
        self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
        self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
      });
      self.incrementIterations();
    }
  }

  classes.set(tf, FusedAdam as unknown as new (learningRate: number) => tfType.Optimizer);
  return classes.get(tf)!;
}

/** Adam with tfjs' defaults (beta1 0.9, beta2 0.999, the backend's epsilon), one kernel per variable where the backend has it. */
export function fusedAdam(tf: Tf, learningRate: number): tfType.Optimizer & { learningRate: number } {
  const FusedAdam = fusedAdamClass(tf);
  return new FusedAdam(learningRate) as tfType.Optimizer & { learningRate: number };
}
