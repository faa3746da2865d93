// The confusion-matrix drill-down on the model pages: a click on a cell shows the test images with that
// true and predicted class, most confident first, with the recall of the true class and the precision of
// the predicted one. The state (model, cell, counts or shares) lives in the page's address, so a finding
// can be shared as a link: ?model=cnn-strong&cell=4-9&show=shares.
// @ts-expect-error Framework's stdlib publishes no type declarations.
import {FileAttachment} from "observablehq:stdlib";
import {html} from "./untyped.js";
import {integer, percent} from "./format.js";
import type {ConfusionCell, ConfusionPanelElement} from "./confusionMatrix.js";
import {Gallery, type GalleryImage} from "./gallery.js";
import {canLookInside, lookInside} from "./insideImage.js";
import {cellSamples, classScores, confusionFromPredictions, decodePredictions, type DecodedPredictions} from "./predictions.js";

/** What this file uses of a Framework FileAttachment. */
interface Attachment {
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** The drill-down state a page's address holds. */
export interface DrillState {
  model: string | null;
  cell: ConfusionCell | null;
  show: "counts" | "shares";
}

/** What DrillDown needs of a run: its id and title, and its class names unless given. */
export interface DrillRun {
  id: string;
  title: string;
  classNames: string[];
}

export interface DrillDownOptions {
  /** The matrix's class names; the run's own when absent. */
  classNames?: string[];
}

/** The options DrillDown gives ConfusionPanel (of its ConfusionPanelOptions): the initial mode and cell, and the callbacks. */
export interface DrillPanelOptions {
  normalize: boolean;
  selected: ConfusionCell | null;
  onSelect: (cell: ConfusionCell) => void;
  onToggle: (normalize: boolean) => void;
}

/** What DrillDown returns. */
export interface DrillDownParts {
  panelOptions: DrillPanelOptions;
  details: HTMLElement;
  attach(panel: ConfusionPanelElement): void;
}

/**
 * Per-sample test predictions of the runs that keep their weights (keepWeights in data/experiments/),
 * built by src/data/predictions/[run].bin.ts. FileAttachment needs literal names, hence the list; a file
 * is fetched only when a reader first opens one of its cells.
 */
export const PREDICTION_FILES: Record<string, Attachment> = {
  "baseline-mlp": FileAttachment("../data/predictions/baseline-mlp.bin"),
  "mlp-512-512-dropout": FileAttachment("../data/predictions/mlp-512-512-dropout.bin"),
  "cnn-strong": FileAttachment("../data/predictions/cnn-strong.bin")
};

export const hasDrillDown = (run: {id: string}): boolean => Object.hasOwn(PREDICTION_FILES, run.id);

const loaded = new Map<string, Promise<DecodedPredictions>>();

/** The decoded predictions of a run (fetched once per page). */
export function loadPredictions(id: string): Promise<DecodedPredictions> {
  let promise = loaded.get(id);
  if (!promise) loaded.set(id, (promise = PREDICTION_FILES[id].arrayBuffer().then(decodePredictions)));
  return promise;
}

/** The drill-down state in an address's query: {model, cell: {actual, predicted} | null, show: "counts" | "shares"}. */
export function readDrillState(search: string = location.search): DrillState {
  const params = new URLSearchParams(search);
  const match = /^(\d+)-(\d+)$/.exec(params.get("cell") ?? "");
  return {
    model: params.get("model"),
    cell: match ? {actual: Number(match[1]), predicted: Number(match[2])} : null,
    show: params.get("show") === "shares" ? "shares" : "counts"
  };
}

/** The query for a state, leaving other parameters of `search` as they are. */
export function encodeDrillState({model, cell, show}: DrillState, search = ""): string {
  const params = new URLSearchParams(search);
  for (const key of ["model", "cell", "show"]) params.delete(key);
  if (model) params.set("model", model);
  if (model && cell) params.set("cell", `${cell.actual}-${cell.predicted}`);
  if (model && show === "shares") params.set("show", "shares");
  return params.toString();
}

/** Writes the state into the address without a new history entry, keeping the fragment; tells the other sections. */
function writeDrillState(state: DrillState): void {
  const query = encodeDrillState(state, location.search);
  history.replaceState(history.state, "", `${location.pathname}${query ? `?${query}` : ""}${location.hash}`);
  window.dispatchEvent(new CustomEvent("drill-state"));
}

/**
 * A note for a page whose address names a drill-down model it does not show (a stale or hand-edited
 * link), or nothing (an empty fragment) when the address names none or one of `runIds`.
 */
export function DrillStateNote(runIds: string[]): DocumentFragment | HTMLElement {
  const {model} = readDrillState();
  // Nothing to say: an empty fragment, which display() shows as nothing (a "" would be shown quoted).
  if (!model || runIds.includes(model)) return document.createDocumentFragment();
  return html`<p class="diverged">The address asks for the confusion matrix of “${model}”, which is not a model of this page, so it was ignored.</p>`;
}

const sameCell = (a: ConfusionCell | null, b: ConfusionCell | null): boolean => !!a && !!b && a.actual === b.actual && a.predicted === b.predicted;

let scrolled = false;

/**
 * Wires a run's confusion panel to a drill-down: returns {panelOptions, details}. Pass panelOptions to
 * ConfusionPanel and call `attach(panel)` with the panel it made; `details` is the element that shows the
 * chosen cell's images. The first section to find its state in the address on page load scrolls to it.
 */
export function DrillDown(run: DrillRun, {classNames}: DrillDownOptions): DrillDownParts {
  const names = classNames ?? run.classNames;
  const details = html`<div class="drill-down" id=${`drill-${run.id}`} aria-live="polite"></div>`;
  const classes = names.length;
  // A cell from the address is checked against this model's matrix: a hostile or stale link
  // (?cell=99-99, 3-10 on a two-class model) is ignored with a visible note, never thrown.
  const inMatrix = (cell: ConfusionCell | null): boolean => !!cell && Number.isInteger(cell.actual) && Number.isInteger(cell.predicted) && cell.actual < classes && cell.predicted < classes;
  const initial = readDrillState();
  const mine = initial.model === run.id;
  const badCell = mine && initial.cell && !inMatrix(initial.cell) ? initial.cell : null;
  if (badCell) initial.cell = null;
  let panel: ConfusionPanelElement | null = null;
  let shown: ConfusionCell | null = null;

  const show = async (cell: ConfusionCell | null): Promise<void> => {
    shown = cell;
    if (!cell) return details.replaceChildren();
    details.replaceChildren(html`<p class="caption">Loading the test predictions of ${run.title}…</p>`);
    let decoded: DecodedPredictions;
    try {
      decoded = await loadPredictions(run.id);
    } catch (error) {
      details.replaceChildren(html`<p class="diverged">Could not load the test predictions: ${(error as Error).message}</p>`);
      return;
    }
    if (!sameCell(shown, cell)) return; // another cell was chosen meanwhile
    try {
      details.replaceChildren(CellDetails(run, decoded, cell, names));
    } catch (error) {
      details.replaceChildren(html`<p class="diverged">Could not show this cell's images: ${(error as Error).message}</p>`);
    }
  };

  const onSelect = (cell: ConfusionCell): void => {
    const state = readDrillState();
    const next = state.model === run.id && sameCell(state.cell, cell) ? null : cell; // a second click closes it
    writeDrillState({model: run.id, cell: next, show: panel?.value ? "shares" : "counts"});
    panel?.select(next);
    show(next);
  };
  const onToggle = (normalize: boolean): void => {
    const state = readDrillState();
    writeDrillState({model: run.id, cell: state.model === run.id ? state.cell : null, show: normalize ? "shares" : "counts"});
  };
  // Another section took the state: drop this one's selection.
  const sync = (): void => {
    if (!details.isConnected && panel && !panel.isConnected) return window.removeEventListener("drill-state", sync);
    const state = readDrillState();
    if (state.model !== run.id && shown) {
      panel?.select(null);
      show(null);
    }
  };
  window.addEventListener("drill-state", sync);

  return {
    panelOptions: {normalize: mine && initial.show === "shares", selected: mine ? initial.cell : null, onSelect, onToggle},
    details,
    attach(p: ConfusionPanelElement) {
      panel = p;
      if (badCell) {
        details.replaceChildren(
          html`<p class="diverged">The address asks for the cell ${badCell.actual}–${badCell.predicted}, which this model's ${classes} × ${classes} matrix does not have, so no cell is open. Click a cell to choose one.</p>`
        );
      }
      if (mine && initial.cell) {
        show(initial.cell);
        if (!scrolled && !location.hash) {
          scrolled = true;
          whenConnected(panel, () => panel!.scrollIntoView({block: "start"})); // panel: set above
        }
      }
    }
  };
}

function whenConnected(element: Element, fn: () => void, tries = 100): void {
  if (element.isConnected) setTimeout(fn, 300); // once the charts above have their height
  else if (tries > 0) setTimeout(() => whenConnected(element, fn, tries - 1), 50);
}

/** The heading, scores and gallery of one cell. */
function CellDetails(run: {id: string; title: string}, decoded: DecodedPredictions, {actual, predicted}: ConfusionCell, names: string[]): Node {
  const {total, items} = cellSamples(decoded, actual, predicted);
  const matrix = confusionFromPredictions(decoded);
  const truth = classScores(matrix, actual);
  const guess = classScores(matrix, predicted);
  const correct = actual === predicted;
  const a = names[actual];
  const p = names[predicted];
  // "images of 5", not "5s": a class name that is a digit or has a slash reads badly with a plural s.
  const imagesOf = (n: number, name: string) => `${integer(n)} image${n === 1 ? "" : "s"} of ${name}`;
  const heading = correct ? `${imagesOf(total, a)} read correctly` : `${imagesOf(total, a)} read as ${p}`;
  const share = truth.support ? ` (${percent(total / truth.support, 1)} of the ${imagesOf(truth.support, a)})` : "";
  const which =
    total === 0
      ? "No test image falls in this cell."
      : items.length === total
        ? `${total === 1 ? "The image is" : `All ${integer(total)} are`} shown, most confident first.`
        : `Shown: the ${integer(Math.ceil(items.length / 2))} most and the ${integer(Math.floor(items.length / 2))} least confident of the ${integer(total)}, most confident first.`;
  // "Look inside" runs the stored model on the image in the page, in a full-width row right after the
  // image's figure (on a phone, under the image itself, not under a gallery some thousands of pixels tall).
  const inside = html`<div class="drill-inside"></div>`;
  const action = canLookInside(run.id)
    ? {
        label: "Look inside",
        run: (item: GalleryImage, figure: HTMLElement) => {
          figure.after(inside);
          void lookInside(inside, run.id, run.title, item, {classNames: names, width: inside.clientWidth || 640}).then(() => inside.scrollIntoView({block: "nearest"}));
        }
      }
    : undefined;
  return html`<div><h4 class="drill-heading" data-actual=${actual} data-predicted=${predicted}>${run.title}: ${heading}${share}</h4>
    <p class="scores">Recall of ${a}: <strong>${percent(truth.recall)}</strong> (${integer(truth.correct)} of the ${imagesOf(truth.support, a)} found) ·
      precision of ${p}: <strong>${percent(guess.precision)}</strong> (${integer(guess.correct)} of ${integer(guess.predictedAs)} images read as ${p} really were)</p>
    <p class="caption">${which} ${total === 0 ? "" : correct ? "Confidence is the probability the model gave its answer." : "The bars give the probability of each class: the true class in blue, the wrong prediction in red."}${action && total > 0 ? " “Look inside” runs the model on an image in this browser and shows what each layer makes of it." : ""} Click the cell again to close.</p>
    ${Gallery(items, {classNames: names, size: 56, action})}</div>`;
}
