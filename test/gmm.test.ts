// Gaussian mixtures by EM against parameters and likelihoods worked out by hand on two far-apart groups.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cholesky, fitMixture, predictMixture, type CovarianceType } from "../loaders/classical/gmm.ts";
import { createRng, normal } from "../loaders/data/random.ts";

const close = (actual: number, expected: number, tol = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);
const closeAll = (actual: ArrayLike<number>, expected: number[], tol = 1e-9) => {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) close(actual[i], expected[i], tol);
};

// Group A: a 4×2 rectangle around (2, 1): variance 4 along x, 1 along y.
// Group B: a unit square around (100.5, 100.5): variance 1/4 along each axis.
// The groups are so far apart that every responsibility is 0 or 1 to machine precision.
const A = [0, 0, 4, 0, 0, 2, 4, 2];
const B = [100, 100, 101, 100, 100, 101, 101, 101];
const X = [...A, ...B];
const labels = [0, 0, 0, 0, 1, 1, 1, 1];
const fit = (covariance: CovarianceType, data = X) =>
  fitMixture(data, 8, 2, { covariance, components: 2, initialLabels: labels, regCovar: 0, tolerance: 1e-12 });

describe("Gaussian mixture by EM", () => {
  it("diag: the per-axis variances of each group", () => {
    const m = fit("diag");
    closeAll(m.weights, [0.5, 0.5]);
    closeAll(m.means, [2, 1, 100.5, 100.5]);
    closeAll(m.covariances, [4, 1, 0.25, 0.25]);
    assert.ok(m.converged);
    // Each A point is 1 standard deviation off along each axis, and so is each B point.
    const logA = Math.log(0.5) - 0.5 * (2 * Math.log(2 * Math.PI) + Math.log(4) + Math.log(1) + 2);
    const logB = Math.log(0.5) - 0.5 * (2 * Math.log(2 * Math.PI) + 2 * Math.log(0.25) + 2);
    close(m.logLikelihood, (logA + logB) / 2);
  });

  it("spherical: one variance per group, the mean of its per-axis variances", () => {
    const m = fit("spherical");
    closeAll(m.covariances, [2.5, 0.25]);
    // A point: squared distance 4 + 1 = 5 from its mean, over variance 2.5 → Mahalanobis 2.
    const logA = Math.log(0.5) - 0.5 * (2 * Math.log(2 * Math.PI) + 2 * Math.log(2.5) + 2);
    const logB = Math.log(0.5) - 0.5 * (2 * Math.log(2 * Math.PI) + 2 * Math.log(0.25) + 2);
    close(m.logLikelihood, (logA + logB) / 2);
  });

  it("tied: the pooled within-group covariance", () => {
    const m = fit("tied");
    // (4·4 + 4·0.25) / 8 and (4·1 + 4·0.25) / 8 on the diagonal; no correlation in either group.
    closeAll(m.covariances, [2.125, 0, 0, 0.625]);
  });

  it("tied: picks up a correlation shared by both groups", () => {
    // Group A': deviations (−1,−1), (1,1), (−1,0), (1,0) from (1,1): Sxx = 1, Syy = 1/2, Sxy = 1/2; B' is A' moved by 100.
    const a = [0, 0, 2, 2, 0, 1, 2, 1];
    const m = fit("tied", [...a, ...a.map((v) => v + 100)]);
    closeAll(m.covariances, [1, 0.5, 0.5, 0.5]);
    closeAll(m.means, [1, 1, 101, 101]);
  });

  it("regCovar is added to every variance", () => {
    const m = fitMixture(X, 8, 2, { covariance: "diag", components: 2, initialLabels: labels, regCovar: 0.5 });
    closeAll(m.covariances, [4.5, 1.5, 0.75, 0.75]);
  });

  it("recovers three blobs from a poor start, with a log-likelihood that never decreases", () => {
    const rng = createRng(7);
    const centres = [
      [0, 0],
      [6, 0],
      [0, 6]
    ];
    const data: number[] = [];
    const truth: number[] = [];
    for (let i = 0; i < 300; i++) {
      const c = i % 3;
      data.push(normal(rng, centres[c][0], 1), normal(rng, centres[c][1], 1));
      truth.push(c);
    }
    // Start from labels that are right only for two thirds of the samples.
    const start = truth.map((c, i) => (i % 9 < 6 ? c : (c + 1) % 3));
    for (const covariance of ["spherical", "diag", "tied"] as const) {
      const m = fitMixture(data, 300, 2, { covariance, components: 3, initialLabels: start, maxIterations: 200 });
      for (let i = 1; i < m.history.length; i++) {
        assert.ok(m.history[i] >= m.history[i - 1] - 1e-9, `${covariance}: log-likelihood fell at iteration ${i + 1}`);
      }
      const predicted = predictMixture(m, data, 300);
      const agree = truth.filter((c, i) => predicted[i] === c).length;
      assert.ok(agree >= 290, `${covariance}: ${agree} of 300 samples in their blob`);
    }
  });

  it("rejects labels outside the components and a matrix that is not positive definite", () => {
    assert.throws(() => fitMixture(X, 8, 2, { covariance: "diag", components: 2, initialLabels: [0, 0, 0, 0, 1, 1, 1, 2] }), /not in 0..1/);
    assert.throws(() => cholesky(Float64Array.from([1, 2, 2, 1]), 2), /not positive definite/);
    closeAll(cholesky(Float64Array.from([4, 2, 2, 5]), 2), [2, 0, 1, 2]);
  });
});
