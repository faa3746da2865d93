// The statistics module against hand-worked cases and values from SciPy 1.17 (scipy.stats.t,
// ttest_ind(equal_var=False), binomtest), computed once and written here as the expected figures.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mcnemarExact, pairedComparison, pairedFromCounts, seedInterval, spearmanTest, verdictOf, welchTest, wilsonInterval } from "../loaders/report/stats.ts";

const close = (actual: number, expected: number, tol = 1e-9, what = "") =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} differs from ${expected} by more than ${tol}`);

describe("interval over seeds", () => {
  it("is mean ± t(0.975, n-1)·sd/√n", () => {
    // [1, 2, 3]: mean 2, sd 1; t(0.975, 2) = 4.302652729749462, so the half-width is 4.3026527/√3 = 2.4841377117503303.
    const s = seedInterval([1, 2, 3]);
    assert.equal(s.n, 3);
    close(s.mean, 2);
    close(s.sd, 1);
    close(s.low, 2 - 2.4841377117503303, 1e-9, "low");
    close(s.high, 2 + 2.4841377117503303, 1e-9, "high");
    assert.equal(s.min, 1);
    assert.equal(s.max, 3);
    assert.equal(s.hasInterval, true);
  });
  it("has no interval for one seed, and refuses no values or non-finite ones", () => {
    const s = seedInterval([0.97]);
    assert.equal(s.hasInterval, false);
    assert.equal(s.low, 0.97);
    assert.throws(() => seedInterval([]), /no values/);
    assert.throws(() => seedInterval([0.9, NaN]), /finite/);
  });
  it("narrows with more seeds of the same spread", () => {
    const three = seedInterval([0.97, 0.98, 0.99]);
    const six = seedInterval([0.97, 0.98, 0.99, 0.97, 0.98, 0.99]);
    assert.ok(six.high - six.low < three.high - three.low);
  });
});

describe("interval over test images (Wilson)", () => {
  it("matches the worked formula for 97 of 100", () => {
    // z = 1.959963984540054; centre (p + z²/2n)/(1 + z²/n), half-width z/(1 + z²/n)·√(p(1-p)/n + z²/4n²).
    const w = wilsonInterval(97, 100);
    close(w.accuracy, 0.97);
    close(w.low, 0.9154806357094724, 1e-12, "low");
    close(w.high, 0.9897454759759611, 1e-12, "high");
  });
  it("stays inside [0, 1] at the edges and rejects impossible counts", () => {
    const all = wilsonInterval(10, 10);
    assert.equal(all.high, 1);
    assert.ok(all.low > 0.6 && all.low < 1);
    const none = wilsonInterval(0, 10);
    assert.equal(none.low, 0);
    assert.throws(() => wilsonInterval(11, 10), /correct/);
    assert.throws(() => wilsonInterval(1, 0), /positive integer/);
  });
});

describe("McNemar's exact test", () => {
  it("is the two-sided binomial test of the discordant pairs", () => {
    // 3 against 10: 2·(C(13,0) + C(13,1) + C(13,2) + C(13,3))/2¹³ = 2·378/8192.
    close(mcnemarExact(3, 10), 756 / 8192, 1e-12);
    close(mcnemarExact(10, 3), 756 / 8192, 1e-12, "symmetric");
    // 0 against 5: 2/2⁵.
    close(mcnemarExact(0, 5), 0.0625, 1e-12);
    // SciPy binomtest(40, 55).pvalue.
    close(mcnemarExact(40, 15), 0.0010158471941252854, 1e-12);
  });
  it("agrees with the exact sum in whole numbers for samples as large as a test set's discordant pairs", () => {
    // 2·Σ_{x≤m} C(n,x) / 2ⁿ with BigInt, then scaled to a double: no rounding until the last step.
    const exact = (a: number, b: number): number => {
      const n = a + b;
      const m = Math.min(a, b);
      if (2 * m >= n) return 1;
      let term = 1n;
      let sum = 1n;
      for (let x = 1; x <= m; x++) {
        term = (term * BigInt(n - x + 1)) / BigInt(x);
        sum += term;
      }
      const total = 2n * sum;
      const shift = BigInt(Math.max(0, total.toString(2).length - 60));
      return Number(total >> shift) * 2 ** (Number(shift) - n);
    };
    for (const [a, b] of [[1, 2], [7, 20], [18, 10], [60, 90], [250, 301], [900, 1000], [1400, 1250], [3, 2500], [2024, 2100]]) {
      const p = exact(a, b);
      close(mcnemarExact(a, b), p, Math.max(1e-300, p * 1e-9), `${a} against ${b}`);
    }
  });
  it("gives 1 for balanced or no discordant pairs", () => {
    assert.equal(mcnemarExact(5, 5), 1);
    assert.equal(mcnemarExact(0, 0), 1);
    assert.throws(() => mcnemarExact(-1, 2), /non-negative/);
  });
  it("counts discordant images from per-image correctness", () => {
    const a = [1, 1, 1, 0, 0, 1, 1, 0];
    const b = [1, 0, 0, 0, 1, 1, 0, 0];
    const r = pairedComparison(a, b);
    assert.equal(r.onlyA, 3);
    assert.equal(r.onlyB, 1);
    assert.equal(r.n, 8);
    close(r.difference, 2 / 8);
    close(r.pValue, mcnemarExact(3, 1));
    assert.throws(() => pairedComparison([1, 0], [1]), /different numbers/);
  });
  it("gives the paired Wald interval of the difference", () => {
    // n = 10,000, 40 against 15: d = 0.0025, se = √(55 - 25²/10⁴)/10⁴.
    const r = pairedFromCounts(40, 15, 10000);
    close(r.difference, 0.0025, 1e-15);
    close(r.low, 0.001047277920723019, 1e-12, "low");
    close(r.high, 0.003952722079276981, 1e-12, "high");
  });
});

describe("Welch's test across seeds", () => {
  it("matches SciPy's ttest_ind(equal_var=False)", () => {
    const r = welchTest([1, 2, 3], [4, 6, 8])!;
    close(r.difference, -4);
    close(r.df, 50 / 17, 1e-9, "df");
    close(r.pValue, 0.054786766041076435, 1e-9, "p");
    close(r.low, -8.155399503182505, 1e-9, "low");
    close(r.high, 0.1553995031825055, 1e-9, "high");
  });
  it("needs two seeds a side, and handles groups without spread", () => {
    assert.equal(welchTest([1], [2, 3]), null);
    const same = welchTest([0.5, 0.5], [0.5, 0.5])!;
    assert.equal(same.pValue, 1);
    const apart = welchTest([0.6, 0.6], [0.5, 0.5])!;
    assert.equal(apart.pValue, 0);
    close(apart.difference, 0.1);
  });
});

describe("Spearman's rank correlation", () => {
  it("is 1 - 6·Σd²/(n(n²-1)) without ties, with SciPy's spearmanr p-value", () => {
    // Ranks [1..5] against [2, 1, 4, 3, 5]: d² sums to 4, so rho = 1 - 24/120 = 0.8; spearmanr gives p = 0.10408803866182788.
    const r = spearmanTest([1, 2, 3, 4, 5], [20, 10, 40, 30, 50])!;
    close(r.rho, 0.8, 1e-12, "rho");
    close(r.pValue, 0.10408803866182788, 1e-9, "p");
    assert.equal(r.n, 5);
    assert.ok(r.low < 0 && r.high > 0.8 && r.high < 1, `interval ${r.low}..${r.high} spans zero and rho`);
  });

  it("gives tied values their mean rank, as spearmanr does", () => {
    // spearmanr([400, 1600, 1600, 3200, 6400], [0.9, 0.95, 0.93, 0.96, 0.97]): 0.9746794344808963, p = 0.004818230468198566.
    const r = spearmanTest([400, 1600, 1600, 3200, 6400], [0.9, 0.95, 0.93, 0.96, 0.97])!;
    close(r.rho, 0.9746794344808963, 1e-12, "rho");
    close(r.pValue, 0.004818230468198566, 1e-9, "p");
  });

  it("is -1 for a reversed order, is unchanged by a monotone transform, and needs four pairs with spread", () => {
    const x = [10, 20, 30, 40, 50, 60];
    const down = spearmanTest(x, [6, 5, 4, 3, 2, 1])!;
    close(down.rho, -1, 1e-12, "rho");
    assert.ok(down.pValue < 1e-6);
    const y = [0.3, 0.1, 0.5, 0.2, 0.9, 0.8];
    close(spearmanTest(x.map(Math.log), y)!.rho, spearmanTest(x, y)!.rho, 1e-12, "log");
    assert.equal(spearmanTest([1, 2, 3], [3, 2, 1]), null);
    assert.equal(spearmanTest([1, 1, 1, 1], [1, 2, 3, 4]), null);
    assert.throws(() => spearmanTest([1, 2, 3, 4], [1, 2, 3]), /x has 4 values and y 3/);
  });
});

describe("verdicts", () => {
  it("follow the p-value and the sign", () => {
    assert.equal(verdictOf(0.004, 0.01), "higher");
    assert.equal(verdictOf(-0.004, 0.01), "lower");
    assert.equal(verdictOf(0.004, 0.2), "indistinguishable");
    assert.equal(verdictOf(0.004, 0.05), "indistinguishable");
    assert.equal(verdictOf(0, 0), "indistinguishable");
    assert.equal(verdictOf(0.01, NaN), "indistinguishable");
  });
});
