// Small helpers the pages use to word and scale their figures: the parameter axis's round bounds, a
// search's rungs where the profile caps their epochs, learning rates, and articles before class names.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { niceLogDomain } from "../src/components/runCharts.ts";
import { rungsText, splitText } from "../src/components/study.ts";
import { article, rate } from "../src/components/format.ts";

describe("the parameter axis", () => {
  it("runs between round counts around the runs, so the smallest model has a tick to its left", () => {
    assert.deepEqual(niceLogDomain([101_770, 669_706]), [100_000, 1_000_000]);
    assert.deepEqual(niceLogDomain([121_514, 412_266]), [100_000, 500_000]);
    assert.deepEqual(niceLogDomain([200_000, 2_000_000]), [200_000, 2_000_000], "a round count is its own bound");
    assert.deepEqual(niceLogDomain([7, 7]), [5, 10]);
  });
});


describe("a search's rungs in words", () => {
  const rungs = [{ budget: 1, trials: Array(27) }, { budget: 3, trials: Array(9) }, { budget: 9, trials: Array(3) }];
  it("names each rung's trials and budget", () => {
    assert.equal(rungsText(rungs, [{ epochs: 1 }, { epochs: 3 }, { epochs: 9 }]), "27 × 1 epoch, then 9 × 3 epochs, then 3 × 9 epochs");
  });
  it("says what a rung trained where the profile capped it", () => {
    assert.equal(rungsText(rungs, [{ epochs: 1 }, { epochs: 2 }, { epochs: 2 }]), "27 × 1 epoch, then 9 × 3 epochs (2 on this profile), then 3 × 9 epochs (2 on this profile)");
  });
});

describe("words for figures and classes", () => {
  it("gives a learning rate three significant digits", () => {
    assert.equal(rate(0.008964566448096357), "0.00896");
    assert.equal(rate(0.001), "0.001");
    assert.equal(rate(null), "—");
  });
  it("puts the article a class name takes when read aloud", () => {
    assert.deepEqual(["8", "1", "11", "Ankle boot", "Shirt", "T-shirt/top"].map(article), ["an", "a", "an", "an", "a", "a"]);
  });
});

describe("a run's split in words", () => {
  it("says when it is the write-ups' split, and gives theirs when it is not", () => {
    assert.equal(splitText({ trainCount: 50_000, validationCount: 10_000, testCount: 10_000 }), "a 50,000 / 10,000 / 10,000 split like the write-up's");
    assert.equal(splitText({ trainCount: 2_000, validationCount: 500, testCount: 1_000 }), "a 2,000 / 500 / 1,000 split (the write-up's was 50,000 / 10,000 / 10,000)");
  });
});
