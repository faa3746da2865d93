// Numbers in the declarations' prose (experiment titles and questions, study and search questions)
// against the data: every figure a title or question quotes (an architecture, a parameter count, an
// epoch count, a training-set size, a search's budget, a write-up's accuracy) must match the stored
// full-profile runs or the declared settings they were trained with, and a number that no rule below
// checks fails the test until a rule covers it, so new prose cannot quote an unchecked figure.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runsReport } from "../loaders/report/report.ts";
import { readDeclarations, type Experiment } from "../loaders/spec/schema.ts";
import { DECLARATIONS_DIR, ROOT } from "../loaders/config.ts";
import type { RunSummary } from "../loaders/report/summary.ts";
import { combinedDeclarations } from "../loaders/spec/declarationFolder.ts";

/** A number as prose writes it: 784, 10,000, 0.2, 1e-3, 99.46%. */
const NUMBER = /\d+(?:,\d{3})*(?:\.\d+)?(?:e-?\d+)?%?/g;
/** Numbers that are names, not figures: the digits of a binary task, L2, 2-D. */
const NAMES = [/\b5 vs 8\b/g, /\b5-vs-8\b/g, /\bL2\b/g, /\b2-D\b/g];

const parse = (s: string) => Number(s.replace(/,/g, "").replace(/%$/, ""));

/** Checks the numbers of one text: rules mark what they verified and report what they found wrong. */
class Prose {
  private readonly verified: boolean[];
  readonly problems: string[] = [];
  constructor(
    readonly where: string,
    readonly text: string
  ) {
    this.verified = new Array(text.length).fill(false);
    for (const re of NAMES) for (const m of text.matchAll(re)) this.mark(m.index!, m[0].length);
  }
  private mark(from: number, length: number) {
    for (let i = from; i < from + length; i++) this.verified[i] = true;
  }
  /** For each match of `re`, `check` returns null when the numbers agree with the data, or what is wrong. */
  rule(re: RegExp, check: (m: RegExpMatchArray) => string | null) {
    for (const m of this.text.matchAll(re)) {
      const wrong = check(m);
      if (wrong) this.problems.push(`${this.where}: “${m[0]}” ${wrong}`);
      // Checked either way: a wrong figure is reported once, by its rule.
      this.mark(m.index!, m[0].length);
    }
  }
  /** Every number in the text that no rule verified. */
  unchecked(): string[] {
    return [...this.text.matchAll(NUMBER)].filter((m) => !this.verified.slice(m.index!, m.index! + m[0].length).every(Boolean)).map((m) => `${this.where}: “${m[0]}” in “${this.text}” is checked by no rule`);
  }
}

const units = (architecture: string) => architecture.split("-").map((part) => part.replace(/^(conv|dense)/, ""));
const isSubsequence = (needle: string[], hay: string[]) => hay.some((_, i) => needle.every((n, j) => hay[i + j] === n));
const kernelSizes = (e: Experiment) => new Set(e.layers.filter((l) => l.type === "conv2d").map((l) => (l as { kernelSize: number }).kernelSize));
const denseUnits = (e: Experiment) => e.layers.filter((l) => l.type === "dense").map((l) => (l as { units: number }).units);

/**
 * Rules for an experiment's title or question, against one of its stored runs, all of its runs, and
 * its peers: the runs of its study with the same network and optimizer (a question may compare with them).
 */
function experimentRules(p: Prose, run: RunSummary, runs: RunSummary[], declared: Experiment, peers: RunSummary[]) {
  const architecture = units(run.architecture);
  // An architecture written out: 784-128-10, 128-64-32-1, conv32-pool-conv64-pool-dense128.
  p.rule(/\b(?:conv\d+-pool-)+(?:conv\d+-pool-)*dense\d+\b|\b\d+(?:-\d+){2,}\b/g, (m) => (isSubsequence(units(m[0]), architecture) ? null : `is not the run's architecture ${run.architecture}`));
  p.rule(/\b[Ss]igmoid-(\d+)\b/g, (m) => (architecture[1] === m[1] && architecture.length === 3 ? null : `is not a one-layer network of ${m[1]} units (${run.architecture})`));
  p.rule(/\bhidden layers? of (\d+) (?:ReLU )?units\b/g, (m) => (architecture.slice(1, -1).includes(m[1]) ? null : `but its hidden layers are ${architecture.slice(1, -1).join(", ")}`));
  p.rule(/(\d[\d,]*) parameters/g, (m) => (parse(m[1]) === run.params ? null : `but the run has ${run.params} parameters`));
  p.rule(/\b(\d+) epochs\b/g, (m) => (parse(m[1]) === run.epochsDeclared ? null : `but the run was declared with ${run.epochsDeclared} epochs`));
  p.rule(/\bdropout (0\.\d+)\b/g, (m) => (run.dropout === parse(m[1]) ? null : `but its dropout is ${run.dropout}`));
  p.rule(/\b(\d)x(\d) convolution/g, (m) => (m[1] === m[2] && kernelSizes(declared).has(Number(m[1])) ? null : `but its kernels are ${[...kernelSizes(declared)].join(", ")}`));
  p.rule(/\b(\d+)-unit dense layer/g, (m) => (denseUnits(declared).includes(Number(m[1])) ? null : `but its dense layers have ${denseUnits(declared).join(", ")} units`));
  p.rule(/\bAdam (\d+e-\d+)\b/g, (m) => (run.optimizer === "adam" && run.learningRate === parse(m[1]) ? null : `but it trains with ${run.optimizer} at ${run.learningRate}`));
  // A grid cell's label: (batch 4, lr 1e-2), (optimizer sgd, lr 1e-3), (size n10).
  p.rule(/\bbatch (\d+)/gi, (m) => ([...runs, ...peers].some((r) => r.batchSize === Number(m[1])) ? null : `but no run of it or its peers trains with batch ${m[1]}`));
  p.rule(/\blr (\d+e-\d+)\b/g, (m) => (run.learningRate === parse(m[1]) ? null : `but the run's learning rate is ${run.learningRate}`));
  p.rule(/\bsize n(\d+)\b/g, (m) => (run.trainCount === Number(m[1]) ? null : `but the run trained on ${run.trainCount} images`));
  p.rule(/\b(\d+) against (\d+)\b/g, (m) => ([m[1], m[2]].every((b) => [...runs, ...peers].some((r) => r.batchSize === Number(b))) ? null : `but it and its peers train with batches ${[...new Set([...runs, ...peers].map((r) => r.batchSize))].join(", ")}`));
  // A training-set range: "From 10 images to 10,000", "From 10 images to all of them".
  const counts = runs.map((r) => r.trainCount);
  p.rule(/[Ff]rom (\d[\d,]*) images to (\d[\d,]*)/g, (m) => (parse(m[1]) === Math.min(...counts) && parse(m[2]) === Math.max(...counts) ? null : `but its runs train on ${Math.min(...counts)} to ${Math.max(...counts)} images`));
  p.rule(/[Ff]rom (\d[\d,]*) images to all/g, (m) => (parse(m[1]) === Math.min(...counts) && runs.some((r) => r.trainCount === r.availableTrainCount) ? null : `but its runs train on ${Math.min(...counts)} images up to ${Math.max(...counts)}`));
}

const stored = existsSync(join(ROOT, "data", "runs", "full"));

describe("numbers in the declarations' prose", { skip: !stored && "no stored full-profile runs" }, () => {
  it("agree with the stored runs and the declared settings, and none goes unchecked", async () => {
    delete process.env.RUNS_DIR;
    const declarations = readDeclarations(DECLARATIONS_DIR);
    const { runs } = await runsReport("full");
    const problems: string[] = [];
    const finish = (p: Prose) => problems.push(...p.problems, ...p.unchecked());
    const peersOf = (run: RunSummary) => runs.filter((r) => r.study != null && r.study === run.study && r.architecture === run.architecture && r.optimizer === run.optimizer && r.learningRate === run.learningRate);
    const runsOf = (id: string) => runs.filter((r) => r.group === id || r.group.startsWith(`${id}-`));
    // Each declaration as written (a grid or seeds expand into several experiments, one run each).
    const written = (combinedDeclarations(DECLARATIONS_DIR) as { experiments: { id: string; question?: string }[] }).experiments;
    const expanded = new Map(declarations.experiments.map((e) => [e.id, e]));
    for (const { id, question } of written) {
      const own = runsOf(id);
      assert.ok(own.length, `experiment ${id} has stored runs`);
      for (const run of own.filter((r) => r.id === r.group)) {
        const title = new Prose(`${run.id} title`, run.title);
        experimentRules(title, run, own, expanded.get(run.id)!, peersOf(run));
        finish(title);
      }
      if (question) {
        const p = new Prose(`${id} question`, question);
        experimentRules(p, own[0], own, expanded.get(own[0].id)!, peersOf(own[0]));
        finish(p);
      }
    }
    for (const study of declarations.studies) {
      const own = runs.filter((r) => r.study === study.id);
      const p = new Prose(`study ${study.id} question`, study.question);
      const reported = [...declarations.experiments.filter((e) => e.study === study.id || own.some((r) => r.group === e.id)), ...declarations.tuners.filter((t) => t.study === study.id)].flatMap((x) =>
        (x.reference ?? []).map((r) => r.testAccuracy).filter((a): a is number => a != null)
      );
      p.rule(/(\d+\.\d+)%/g, (m) => (reported.some((a) => Math.abs(a * 100 - parse(m[1])) < 1e-9) ? null : `is no test accuracy a write-up reports in this study (${reported.map((a) => (a * 100).toFixed(2)).join(", ")})`));
      p.rule(/\bfrom (\d+) images\b/g, (m) => (Math.min(...own.map((r) => r.trainCount)) === Number(m[1]) ? null : `but the study's smallest training set is ${Math.min(...own.map((r) => r.trainCount))}`));
      finish(p);
    }
    for (const t of declarations.tuners) {
      const p = new Prose(`search ${t.id} question`, t.question ?? "");
      const space = t.space as Record<string, { int?: [number, number]; choice?: unknown[] }>;
      p.rule(/\bDepth (\d)-(\d)\b/g, (m) => (space.depth?.int?.join() === `${m[1]},${m[2]}` ? null : `but depth ranges over ${space.depth?.int}`));
      p.rule(/\b(\d+)-(\d+) units\b/g, (m) => (space.units0?.int?.join() === `${m[1]},${m[2]}` ? null : `but units range over ${space.units0?.int}`));
      p.rule(/\blearning rate ((?:\d+e-\d+\/?)+)/g, (m) => (m[1].split("/").map(parse).join() === space.learningRate?.choice?.join() ? null : `but the choices are ${space.learningRate?.choice}`));
      p.rule(/\b(\d+) points x (\d+) seeds\b/g, (m) => (t.points === Number(m[1]) && t.executions === Number(m[2]) ? null : `but it declares ${t.points} points and ${t.executions} executions`));
      p.rule(/\b(\d+) MLPs for (\d+) epochs?, the best third for (\d+), the best ninth for (\d+)\b/g, (m) =>
        t.points === Number(m[1]) && t.minEpochs === Number(m[2]) && t.eta === 3 && t.minEpochs! * 3 === Number(m[3]) && t.maxEpochs === Number(m[4]) ? null : `but it declares ${t.points} points, rungs from ${t.minEpochs} to ${t.maxEpochs} epochs, eta ${t.eta}`
      );
      p.rule(/\bafter (\d+) and then (\d+) epochs\b/g, (m) => (t.minEpochs === Number(m[1]) && t.maxEpochs === Number(m[2]) && t.minEpochs! * t.eta! === t.maxEpochs ? null : `but its rungs run from ${t.minEpochs} to ${t.maxEpochs} epochs`));
      p.rule(/\bup to (\d+) epochs\b/g, (m) => ((t.base as { epochs?: number } | undefined)?.epochs === Number(m[1]) ? null : `but its trials train for up to ${(t.base as { epochs?: number } | undefined)?.epochs} epochs`));
      finish(p);
    }
    assert.deepEqual(problems, []);
  });
});
