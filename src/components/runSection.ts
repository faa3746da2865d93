// One run's section on a family page: the question, the set-up, the result in words, then curves,
// confusion matrix, per-class scores and the misclassified test images. Every number comes from the run.
import type {Claim as ClaimData} from "../../loaders/report/findings/claim.ts";
import type {familyReport} from "../../loaders/report/report.ts";
import {html} from "./untyped.js";
import * as d3 from "d3";
import {ConfusionPanel, confusedPairs, mostConfused} from "./confusionMatrix.js";
import {article, capitalize, count, duration, integer, list, loss, percent, writeup} from "./format.js";
import {DrillDown, hasDrillDown} from "./drillDown.js";
import {Gallery} from "./gallery.js";
import {LearningCurves} from "./learningCurves.js";
import {PerClassChart} from "./perClass.js";
import {Claim} from "./claim.js";
import {SeedCurves, everySeedRows, meanInterval} from "./seedGroups.js";

type FamilyReport = Awaited<ReturnType<typeof familyReport>>;
/** A model of a family report (loaders/report/report.ts: familyReport's `runs`): its first seed's run in full. */
export type SectionRun = FamilyReport["runs"][number];
/** A family report's group of seeds (familyReport's `groups`), with its mean curves. */
export type SectionGroup = FamilyReport["groups"][number];

/** Options of RunSection. */
export interface RunSectionOptions {
  /** The page's content width. */
  width?: number;
  /** The most misclassified images the gallery shows. */
  galleryLimit?: number;
  /** The report's group of the run's seeds. */
  group?: SectionGroup;
  /** The report's claims, by id. */
  claims?: Record<string, ClaimData>;
}

const OPTIMIZER_NAMES: Record<string, string> = {adam: "Adam", sgd: "SGD", momentum: "SGD with momentum", rmsprop: "RMSprop"};

// Epochs in a group's mean curves: the last that every seed reached, and the longest run's.
const commonEpochs = (group: SectionGroup): number => d3.max(everySeedRows(group.curves), (d) => d.epoch) ?? 0;
const maxEpochs = (group: SectionGroup): number => d3.max(group.curves, (d) => d.epoch) ?? 0;

function setup(run: SectionRun): string {
  const parts = [
    `${run.architecture} (${integer(run.params)} parameters)`,
    `${OPTIMIZER_NAMES[run.optimizer] ?? run.optimizer}, learning rate ${run.learningRate}, batch ${run.batchSize}`,
    `${integer(run.trainCount)} training and ${integer(run.validationCount)} validation images`
  ];
  if (run.augmentation) parts.push("augmented training images");
  return parts.join(" · ");
}

function epochsSentence(run: SectionRun): string {
  const declared = run.epochsDeclared;
  let s = `It trained for ${count(run.epochsRun)} epoch${run.epochsRun === 1 ? "" : "s"}`;
  if (declared != null && declared !== run.epochsRun && !run.stoppedEarly && run.status === "completed") s += ` of the ${count(declared)} declared`;
  s += ` in ${duration(run.trainSeconds)} (${integer(run.samplesPerSecond)} images a second)`;
  if (run.stoppedEarly) s += `, stopping early when validation stopped improving`;
  if (run.bestEpoch != null && run.bestEpoch !== run.epochsRun) s += `; the weights of epoch ${run.bestEpoch}, the best on validation, were kept`;
  return `${s}.`;
}

function resultSentence(run: SectionRun): HTMLElement {
  if (run.status === "diverged") {
    const d = run.divergence;
    return html`<p class="diverged"><strong>This run diverged</strong>${
      d ? ` in epoch ${d.epoch}, batch ${d.batch}${d.loss != null ? ` (loss ${loss(d.loss)})` : " (the loss was no longer a finite number)"}` : ""
    }, so it has no test figures; its curves stop where training stopped.</p>`;
  }
  // The validation loss's lowest point, to say whether it turned upward (a first sign of overfitting) by the end.
  const epochs = (run.epochs ?? []).filter((e): e is typeof e & {valLoss: number} => e.valLoss != null);
  const lowest = d3.least(epochs, (e) => e.valLoss);
  const last = epochs[epochs.length - 1];
  const turned = lowest && last && lowest.epoch !== last.epoch ? (last.valLoss - lowest.valLoss) / lowest.valLoss : null;
  // `turned` is a number only where `lowest` exists.
  const lossText =
    turned == null
      ? ""
      : ` Its validation loss was lowest in epoch ${lowest!.epoch} (${loss(lowest!.valLoss)}) and ${(turned * 100).toFixed(0)}% higher by the last epoch (${loss(last.valLoss)})${
          run.bestEpoch === lowest!.epoch && run.bestEpoch !== run.epochsRun ? "; the weights of that epoch were kept" : ""
        }.`;
  return html`<p>On ${integer(run.testCount)} test images this seed scored <strong>${percent(run.testAccuracy)}</strong> accuracy (loss ${loss(run.testLoss)}, macro-averaged F1 ${percent(run.macroF1)}).${lossText}</p>`;
}

/** The configuration over its seeds: mean and interval, each seed's figure, and its train–validation gap. */
function groupSentence(group: SectionGroup | undefined, claims: Record<string, ClaimData> | undefined): HTMLElement | "" {
  if (!group || group.seeds.length < 2) return "";
  return html`<p>Over its ${count(group.seeds.length)} seeds (${group.seeds.join(", ")}) the model scored a mean of <strong>${meanInterval(group.testAccuracy)}</strong> (95% interval over seeds)${
    group.completedCount < group.seeds.length ? `; ${count(group.seeds.length - group.completedCount)} of them did not complete` : ""
  }. ${Claim(claims?.[`models.gap.${group.id}`])}</p>`;
}

function referenceSentence(run: SectionRun, group: SectionGroup | undefined, claims: Record<string, ClaimData> | undefined): HTMLElement | "" {
  const items = (run.reference ?? []).map((r, i) => {
    const claim = claims?.[`models.reference.${group?.id ?? run.id}.${i}`];
    if (claim) return html`<li>${Claim(claim)}</li>`;
    return html`<li><span title=${r.source}>${capitalize(writeup(r.source))}</span>: ${r.note}${r.testAccuracy != null ? ` (reported ${percent(r.testAccuracy)}; no finished run of ours to set beside it)` : ""}.</li>`;
  });
  return items.length ? html`<ul class="references">${items}</ul>` : "";
}

function confusionSentence(run: SectionRun): HTMLElement {
  const names = run.classNames;
  const errors = d3.sum(run.confusion, (d) => (d.actual === d.predicted ? 0 : d.count));
  if (!errors) return html`<p>The model made no mistakes on the test images.</p>`;
  const top = mostConfused(run.confusion, 1)[0];
  const pairs = confusedPairs(run.confusion, 3);
  const pairShare = d3.sum(pairs, (d) => d.count) / errors;
  return html`<p>Of ${integer(errors)} mistakes, the most frequent single one was ${article(names[top.actual])} ${names[top.actual]} read as ${article(names[top.predicted])} ${names[top.predicted]} (${integer(top.count)} time${
    top.count === 1 ? "" : "s"
  }, ${percent(top.rate, 1)} of the ${names[top.actual]}s). Counting both directions, the pairs most often mixed up were ${list(
    pairs.map((p) => `${names[p.a]} and ${names[p.b]} (${integer(p.count)})`)
  )}, ${percent(pairShare, 0)} of all mistakes together.</p>`;
}

function perClassSentence(run: SectionRun): HTMLElement | "" {
  const names = run.classNames;
  const rows = run.perClass;
  if (!rows.length) return "";
  // rows is not empty, so each of these exists.
  const worstF1 = d3.least(rows, (d) => d.f1)!;
  const bestF1 = d3.greatest(rows, (d) => d.f1)!;
  const worstRecall = d3.least(rows, (d) => d.recall)!;
  const worstPrecision = d3.least(rows, (d) => d.precision)!;
  return html`<p>The easiest class was ${names[bestF1.class]} (F1 ${percent(bestF1.f1)}) and the hardest ${names[worstF1.class]} (F1 ${percent(worstF1.f1)}).
    The model missed ${names[worstRecall.class]}s most often (recall ${percent(worstRecall.recall)}), and its guesses of ${names[worstPrecision.class]}
    were least reliable (precision ${percent(worstPrecision.precision)}).</p>`;
}

function gallerySentence(run: SectionRun): HTMLElement {
  const items = run.misclassified;
  if (!items.length) return html`<p>No misclassified test images were stored for this run.</p>`;
  const confident = items.filter((d) => d.probabilities[d.predicted] > 0.9).length;
  const runnerUp = items.filter((d) => d3.sort(d.probabilities.map((p, i) => [p, i]), (x) => -x[0])[1]?.[1] === d.label).length;
  const sure =
    confident === 0
      ? "It was never more than 90% sure of these wrong answers"
      : `It was more than 90% sure of ${confident === items.length ? "every one" : `${count(confident)} of them`}`;
  const second =
    runnerUp === items.length ? "the true class was always its second choice" : runnerUp === 0 ? "the true class was never its second choice" : `for ${count(runnerUp)} the true class was its second choice`;
  return html`<p>Below ${items.length === 1 ? "is the one test image" : `are ${count(items.length)} of the test images`} the model got wrong. ${sure}, and ${second}.
    The bars give the probability of each class: the true class in blue, the wrong prediction in red.</p>`;
}

/**
 * The whole section for one model of a family report, shown through its first seed's run; `group` (the
 * report's group of that run) adds the figures over seeds and mean curves, `claims` the report's claims.
 * `width` is the page's content width.
 */
export function RunSection(run: SectionRun, {width = 640, galleryLimit = 24, group, claims}: RunSectionOptions = {}): HTMLElement {
  const seeded = group && group.completedCount > 1 && group.curves?.length;
  const curvesSide = width >= 560;
  const panelsSide = width >= 900;
  const half = (side: boolean): number => (side ? (width - 16) / 2 : width) - 34; // less the card's padding and border
  const diverged = run.status === "diverged";
  const divergedAt = run.divergence?.epoch;
  // Mark the epoch whose weights were kept when it is not the last one (early stopping, best-weight restore).
  const keptEpoch = run.bestEpoch != null && run.bestEpoch !== run.epochsRun ? run.bestEpoch : null;
  // Runs with stored test predictions get a clickable matrix and a gallery for the chosen cell.
  const drill = !diverged && run.confusion.length && hasDrillDown(run) ? DrillDown(run, {classNames: run.classNames}) : null;
  const panel = diverged || !run.confusion.length ? null : ConfusionPanel(run.confusion, {classNames: run.classNames, width: Math.min(half(panelsSide), 520), ...drill?.panelOptions});
  if (drill && panel) drill.attach(panel); // there is a panel wherever there is a drill-down
  const section = html`<section class="run-section" id=${`section-${run.id}`}>
    <h2 id=${`run-${run.id}`}><a href=${`#run-${run.id}`} class="observablehq-header-anchor">${run.title}</a></h2>
    <p class="question"><em>${run.question}</em></p>
    <p class="setup">${setup(run)}</p>
    ${groupSentence(group, claims)}
    <p>${group && group.seeds.length > 1 ? `Its first seed, whose weights, mistakes and galleries this section shows, ${epochsSentence(run).replace(/^It /, "")}` : epochsSentence(run)}</p>
    ${resultSentence(run)}
    ${referenceSentence(run, group, claims)}
    <h3>Learning curves</h3>
    <div class="panels ${curvesSide ? "side-by-side" : ""}">
      <div class="card">${seeded ? SeedCurves(group.curves, {metric: "loss", width: half(curvesSide)}) : LearningCurves(run.history, {metric: "loss", width: half(curvesSide), bestEpoch: keptEpoch, divergedAt: diverged ? divergedAt : null})}</div>
      <div class="card">${seeded ? SeedCurves(group.curves, {metric: "accuracy", width: half(curvesSide)}) : LearningCurves(run.history, {metric: "accuracy", width: half(curvesSide), bestEpoch: keptEpoch, divergedAt: diverged ? divergedAt : null})}</div>
    </div>
    ${seeded ? html`<p class="caption">Mean over the ${count(group.completedCount)} seeds per epoch, with the 95% interval over seeds as a band${commonEpochs(group) < maxEpochs(group) ? `, up to epoch ${commonEpochs(group)}, the last that every seed reached before early stopping (the longest ran ${maxEpochs(group)})` : ""}.</p>` : ""}
    ${
      diverged || !run.confusion.length
        ? ""
        : html`<h3>Where it goes wrong</h3>
          ${confusionSentence(run)}
          <div class="panels ${panelsSide ? "side-by-side" : ""}">
            <div class="card">${panel}${drill ? html`<p class="caption">Click a cell to see its test images.</p>${drill.details}` : ""}</div>
            <div class="card">${PerClassChart(run.perClass, {classNames: run.classNames, width: half(panelsSide)})}</div>
          </div>
          ${perClassSentence(run)}
          <h3>Misclassified test images</h3>
          ${gallerySentence(run)}
          ${Gallery(run.misclassified, {classNames: run.classNames, limit: galleryLimit})}`
    }
  </section>`;
  return section;
}

/**
 * Framework draws run sections after the page has loaded, too late for the browser's own jump to a
 * `#run-…` fragment; this scrolls to the fragment's element once it exists (giving up after `timeout` ms).
 */
export function revealHash({timeout = 5000}: {timeout?: number} = {}): void {
  let id: string;
  try {
    id = decodeURIComponent(location.hash.slice(1));
  } catch {
    return; // a malformed fragment (%E0%A4%A): nothing to scroll to
  }
  if (!id) return;
  const start = performance.now();
  (function attempt() {
    const element = document.getElementById(id);
    // Scroll again a moment later, once the charts above have taken their height.
    if (element) element.scrollIntoView(), setTimeout(() => element.scrollIntoView(), 400);
    else if (performance.now() - start < timeout) setTimeout(attempt, 50);
  })();
}
