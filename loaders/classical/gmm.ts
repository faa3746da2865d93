// Gaussian mixtures fitted by expectation–maximisation with spherical, diagonal or tied covariances,
// as scikit-learn's GaussianMixture defines them (initial responsibilities from a hard labelling,
// e.g. k-means; a small ridge `regCovar` added to every variance; convergence when the mean
// log-likelihood per sample changes by less than `tolerance`).

export type CovarianceType = "spherical" | "diag" | "tied";
export const COVARIANCE_TYPES: readonly CovarianceType[] = ["spherical", "tied", "diag"];

export interface MixtureOptions {
  covariance: CovarianceType;
  /** One initial component per sample, 0..components−1 (sklearn's init_params="kmeans"). */
  initialLabels: ArrayLike<number>;
  components: number;
  maxIterations?: number;
  tolerance?: number;
  regCovar?: number;
}

export interface Mixture {
  covariance: CovarianceType;
  components: number;
  dimension: number;
  weights: Float64Array;
  /** components × dimension, row-major. */
  means: Float64Array;
  /**
   * spherical: one variance per component (components); diag: components × dimension variances;
   * tied: one dimension × dimension covariance shared by all components.
   */
  covariances: Float64Array;
  /** Mean log-likelihood per sample after the last M step. */
  logLikelihood: number;
  /** The mean log-likelihood after each E step, first to last. */
  history: number[];
  iterations: number;
  converged: boolean;
}

const LOG_2PI = Math.log(2 * Math.PI);

/** Lower Cholesky factor of a symmetric positive-definite d×d matrix (row-major); throws if it is not. */
export function cholesky(a: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j];
      for (let k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
      if (i === j) {
        if (!(s > 0)) throw new RangeError(`covariance is not positive definite (pivot ${i}: ${s}); raise regCovar`);
        l[i * d + i] = Math.sqrt(s);
      } else {
        l[i * d + j] = s / l[j * d + j];
      }
    }
  }
  return l;
}

/** M step: weights, means and covariances from responsibilities resp (n × k). */
function maximise(x: Float64Array, n: number, d: number, resp: Float64Array, k: number, type: CovarianceType, reg: number) {
  const nk = new Float64Array(k);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) nk[c] += resp[i * k + c];
  // Like sklearn, a component that lost every sample keeps a tiny mass instead of dividing by zero.
  for (let c = 0; c < k; c++) nk[c] += 10 * Number.EPSILON;
  const weights = nk.map((v) => v / n);
  const means = new Float64Array(k * d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const r = resp[i * k + c];
      if (r === 0) continue;
      for (let j = 0; j < d; j++) means[c * d + j] += r * x[i * d + j];
    }
  }
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) means[c * d + j] /= nk[c];

  let covariances: Float64Array;
  if (type === "tied") {
    // Σ_c Σ_i r_ic (x_i − μ_c)(x_i − μ_c)ᵀ = Σ_i x_i x_iᵀ − Σ_c N_c μ_c μ_cᵀ, because Σ_c r_ic = 1 and N_c μ_c = Σ_i r_ic x_i.
    covariances = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < d; a++) {
        const xa = x[i * d + a];
        for (let b = 0; b <= a; b++) covariances[a * d + b] += xa * x[i * d + b];
      }
    }
    for (let c = 0; c < k; c++) {
      for (let a = 0; a < d; a++) {
        const ma = nk[c] * means[c * d + a];
        for (let b = 0; b <= a; b++) covariances[a * d + b] -= ma * means[c * d + b];
      }
    }
    for (let a = 0; a < d; a++) {
      for (let b = 0; b <= a; b++) {
        covariances[a * d + b] /= n;
        covariances[b * d + a] = covariances[a * d + b];
      }
      covariances[a * d + a] += reg;
    }
  } else {
    const diag = new Float64Array(k * d);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) {
        const r = resp[i * k + c];
        if (r === 0) continue;
        for (let j = 0; j < d; j++) diag[c * d + j] += r * (x[i * d + j] - means[c * d + j]) ** 2;
      }
    }
    for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) diag[c * d + j] = diag[c * d + j] / nk[c] + reg;
    if (type === "diag") covariances = diag;
    else {
      covariances = new Float64Array(k);
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += diag[c * d + j];
        covariances[c] = s / d; // the mean of the per-dimension variances (each already has reg added)
      }
    }
  }
  return { weights, means, covariances };
}

/**
 * log(weight_c) + log N(x_i | mean_c, cov_c) for every sample and component (n × k).
 */
export function weightedLogDensities(
  x: Float64Array,
  n: number,
  d: number,
  model: Pick<Mixture, "covariance" | "components" | "weights" | "means" | "covariances">
): Float64Array {
  const { components: k, weights, means, covariances, covariance } = model;
  const out = new Float64Array(n * k);
  if (covariance === "tied") {
    const l = cholesky(covariances, d);
    let logDet = 0;
    for (let j = 0; j < d; j++) logDet += 2 * Math.log(l[j * d + j]);
    // With L Lᵀ the covariance, the Mahalanobis distance is |L⁻¹x − L⁻¹mean|²: solve once per sample and once per mean.
    const solve = (v: Float64Array, offset: number, z: Float64Array, zOffset: number) => {
      for (let a = 0; a < d; a++) {
        let s = v[offset + a];
        for (let b = 0; b < a; b++) s -= l[a * d + b] * z[zOffset + b];
        z[zOffset + a] = s / l[a * d + a];
      }
    };
    const zMeans = new Float64Array(k * d);
    for (let c = 0; c < k; c++) solve(means, c * d, zMeans, c * d);
    const z = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      solve(x, i * d, z, 0);
      for (let c = 0; c < k; c++) {
        let m = 0;
        for (let a = 0; a < d; a++) m += (z[a] - zMeans[c * d + a]) ** 2;
        out[i * k + c] = Math.log(weights[c]) - 0.5 * (d * LOG_2PI + logDet + m);
      }
    }
    return out;
  }
  for (let c = 0; c < k; c++) {
    let logDet = 0;
    if (covariance === "diag") for (let j = 0; j < d; j++) logDet += Math.log(covariances[c * d + j]);
    else logDet = d * Math.log(covariances[c]);
    const constant = Math.log(weights[c]) - 0.5 * (d * LOG_2PI + logDet);
    for (let i = 0; i < n; i++) {
      let m = 0;
      if (covariance === "diag") for (let j = 0; j < d; j++) m += (x[i * d + j] - means[c * d + j]) ** 2 / covariances[c * d + j];
      else {
        for (let j = 0; j < d; j++) m += (x[i * d + j] - means[c * d + j]) ** 2;
        m /= covariances[c];
      }
      out[i * k + c] = constant - 0.5 * m;
    }
  }
  return out;
}

/** E step: responsibilities (written into resp) and the mean log-likelihood per sample. */
function expect(logp: Float64Array, n: number, k: number, resp: Float64Array): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, logp[i * k + c]);
    let s = 0;
    for (let c = 0; c < k; c++) s += Math.exp(logp[i * k + c] - max);
    const logSum = max + Math.log(s);
    total += logSum;
    for (let c = 0; c < k; c++) resp[i * k + c] = Math.exp(logp[i * k + c] - logSum);
  }
  return total / n;
}

/**
 * Fits a Gaussian mixture to n samples of dimension d (row-major) by EM, starting from the M step
 * of a hard initial labelling. The mean log-likelihood never decreases from one iteration to the
 * next (up to rounding); iteration stops when it changes by less than `tolerance`.
 */
export function fitMixture(data: ArrayLike<number>, n: number, d: number, options: MixtureOptions): Mixture {
  const { covariance, components: k, initialLabels } = options;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-3;
  const reg = options.regCovar ?? 1e-6;
  if (data.length !== n * d) throw new RangeError(`expected ${n}×${d} = ${n * d} values, got ${data.length}`);
  if (initialLabels.length !== n) throw new RangeError(`expected ${n} initial labels, got ${initialLabels.length}`);
  if (!(COVARIANCE_TYPES as readonly string[]).includes(covariance)) throw new RangeError(`unknown covariance type "${covariance}"`);
  const x = Float64Array.from(data);
  const resp = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const c = initialLabels[i];
    if (!Number.isInteger(c) || c < 0 || c >= k) throw new RangeError(`initial label ${c} at ${i} is not in 0..${k - 1}`);
    resp[i * k + c] = 1;
  }
  let params = maximise(x, n, d, resp, k, covariance, reg);
  const history: number[] = [];
  let previous = -Infinity;
  let converged = false;
  let iterations = 0;
  while (iterations < maxIterations) {
    iterations++;
    const ll = expect(weightedLogDensities(x, n, d, { covariance, components: k, ...params }), n, k, resp);
    history.push(ll);
    params = maximise(x, n, d, resp, k, covariance, reg);
    if (Math.abs(ll - previous) < tolerance) {
      converged = true;
      break;
    }
    previous = ll;
  }
  const model = { covariance, components: k, dimension: d, ...params };
  const logLikelihood = expect(weightedLogDensities(x, n, d, model), n, k, new Float64Array(n * k));
  return { ...model, logLikelihood, history, iterations, converged };
}

/** The most likely component of each sample under a fitted mixture. */
export function predictMixture(model: Mixture, data: ArrayLike<number>, n: number): Int32Array {
  const d = model.dimension;
  const k = model.components;
  const logp = weightedLogDensities(Float64Array.from(data), n, d, model);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (logp[i * k + c] > logp[i * k + best]) best = c;
    labels[i] = best;
  }
  return labels;
}
