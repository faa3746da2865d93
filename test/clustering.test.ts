// Clustering scores against cases worked out by hand (and scikit-learn's documented examples).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  adjustedRandIndex,
  contingency,
  homogeneity,
  homogeneityCompleteness,
  pairwiseDistances,
  silhouette,
  silhouetteFromDistances
} from "../loaders/classical/clustering.ts";

const close = (actual: number, expected: number, tol = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);

describe("contingency", () => {
  it("counts pairs of (true class, cluster), in order of first appearance", () => {
    assert.deepEqual(contingency([5, 5, 7, 7, 7], [1, 0, 0, 0, 2]), [
      [1, 1, 0],
      [0, 2, 1]
    ]);
  });
  it("rejects labelings of different lengths", () => {
    assert.throws(() => contingency([0, 1], [0]), /differ in length/);
  });
});

describe("homogeneity and completeness", () => {
  it("perfect and renamed partitions score 1", () => {
    assert.deepEqual(homogeneityCompleteness([0, 0, 1, 1], [1, 1, 0, 0]), { homogeneity: 1, completeness: 1, vMeasure: 1 });
  });
  it("splitting a class keeps homogeneity at 1 (scikit-learn's examples)", () => {
    close(homogeneity([0, 0, 1, 1], [0, 0, 1, 2]), 1);
    close(homogeneity([0, 0, 1, 1], [0, 1, 2, 3]), 1);
  });
  it("one cluster for everything has homogeneity 0 and completeness 1", () => {
    const s = homogeneityCompleteness([0, 0, 1, 1], [0, 0, 0, 0]);
    close(s.homogeneity, 0);
    close(s.completeness, 1);
  });
  it("a mixed cluster: H(C|K) = (2/6)·ln 2 and H(C) = ln 2, so homogeneity = 2/3", () => {
    // clusters {0,0}, {0,1}, {1,1}: only the middle one (a third of the samples) is mixed, 50/50.
    const s = homogeneityCompleteness([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]);
    close(s.homogeneity, 2 / 3);
    // H(K) = ln 3; H(K|C): each class splits 2/1 over two clusters, so H(K|C) = H(2/3, 1/3).
    const h21 = -(2 / 3) * Math.log(2 / 3) - (1 / 3) * Math.log(1 / 3);
    close(s.completeness, 1 - h21 / Math.log(3));
    close(s.vMeasure, (2 * s.homogeneity * s.completeness) / (s.homogeneity + s.completeness));
  });
  it("a crossed partition has homogeneity 0", () => {
    close(homogeneity([0, 0, 1, 1], [0, 1, 0, 1]), 0);
  });
});

describe("adjusted Rand index", () => {
  it("is 1 for the same partition under other names", () => {
    close(adjustedRandIndex([0, 0, 1, 1, 2], [2, 2, 0, 0, 1]), 1);
  });
  it("splitting one class: index 1, expected 1/3, max 3/2, so ARI = 4/7", () => {
    close(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2]), 4 / 7);
  });
  it("a crossed partition is below chance: (0 − 2/3) / (2 − 2/3) = −1/2", () => {
    close(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1]), -0.5);
  });
  it("is symmetric", () => {
    const a = [0, 0, 0, 1, 1, 2, 2, 2];
    const b = [1, 1, 0, 0, 2, 2, 2, 0];
    close(adjustedRandIndex(a, b), adjustedRandIndex(b, a));
  });
  it("two trivial partitions agree perfectly", () => {
    close(adjustedRandIndex([3, 3, 3], [1, 1, 1]), 1);
  });
});

describe("silhouette", () => {
  it("points 0, 1, 4, 5 on a line in clusters {0,1}, {4,5}: (7/9 + 5/7) / 2 = 47/63", () => {
    // sample 0: a = 1, b = (4 + 5)/2 = 4.5 → 3.5/4.5 = 7/9; sample 1: a = 1, b = (3 + 4)/2 = 3.5 → 5/7; symmetric.
    close(silhouette([0, 1, 4, 5], 4, 1, [0, 0, 1, 1]), 47 / 63);
  });
  it("a sample alone in its cluster counts 0", () => {
    // clusters {0,1} and {10}: sample 0: a = 1, b = 10 → 0.9; sample 1: a = 1, b = 9 → 8/9; sample 2: 0.
    close(silhouette([0, 1, 10], 3, 1, [0, 0, 1]), (0.9 + 8 / 9 + 0) / 3);
  });
  it("uses Euclidean distance in several dimensions (a 3-4-5 triangle)", () => {
    const d = pairwiseDistances([0, 0, 3, 4, 0, 4], 3, 2);
    close(d[0 * 3 + 1], 5);
    close(d[1 * 3 + 2], 3);
    close(d[0 * 3 + 2], 4);
    close(d[1 * 3 + 0], 5);
    // clusters {0, 2} and {1}: sample 0: a = 4, b = 5 → 1/5; sample 2: a = 4, b = 3 → −1/4; sample 1 alone: 0.
    close(silhouetteFromDistances(d, [0, 1, 0]), (1 / 5 - 1 / 4) / 3);
  });
  it("needs at least two clusters", () => {
    assert.throws(() => silhouette([0, 1, 2], 3, 1, [0, 0, 0]), /between 2 and n−1 clusters/);
  });
});
