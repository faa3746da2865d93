// The "Train in the page" panel: Train and Stop buttons, a live learning curve, and when training ends
// the test accuracy, the confusion matrix and a link to compare the run in the explorer.
import * as Plot from "@observablehq/plot";
import type {BackendAttempt, Tf} from "./tfjs.js";
import {seriesColor} from "./colors.js";
import {ConfusionMatrix} from "./confusionMatrix.js";
import {duration, integer, percent} from "./format.js";
import {SHIPPED, architecture, fastestBackend, measureStep, stepKey, trainInPage} from "./trainInPage.js";
import type {CurveRow, StepTiming, TrainConfig, TrainResult} from "./trainInPage.js";
import {loadReaderRuns, nextReaderId, saveReaderRun} from "./readerRuns.js";
import type {ReaderRun} from "./readerRuns.js";
import type {DecodedSubset} from "./subset.js";

/** tfjs as the page loads it (components/tfjs.js), handed in by the caller. */

export interface LiveCurvesOptions {
  metric?: string;
  width?: number;
  epochs?: number;
}
/** The shipped images the panel trains and tests on (components/subset.ts). */
export interface TrainData {
  train: DecodedSubset;
  test: DecodedSubset;
}
export interface TrainPanelOptions {
  /** Loads tfjs (components/tfjs.js loadTf): the tfjs namespace and the backend it selected. */
  loadTf: () => Promise<{ tf: Tf; backend: string }>;
  /**
   * Which backends work here and why the others do not (components/tfjs.js workingBackends). Where
   * several work, the panel times one training step of the reader's model on each and trains on the
   * fastest; without it, or with one, it trains on loadTf's backend. It names those it passed over.
   */
  workingBackends?: () => Promise<BackendAttempt[]>;
  /** The wasm backend's thread count (components/tfjs.js wasmThreadCount), reported when training on wasm. */
  wasmThreads?: () => number | null;
  /** A backend to train on without measuring (the address's ?backend=), or null. */
  backend?: string | null;
  /** Whether the address asked for tfjs' own wasm kernels (?kernels=stock), which cannot train a CNN. */
  stockKernels?: boolean;
  data: TrainData | Promise<TrainData>;
  /** The page's settings; null until the page has them (Train is enabled only after they exist). */
  getConfig: () => TrainConfig | null;
  width?: number;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string | null | undefined)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children.filter((c): c is Node | string => c != null));
  return node;
}

/** Live curves: training loss/accuracy per batch, validation per epoch; x is epochs (fractional). */
export function LiveCurves(rows: CurveRow[], {metric = "accuracy", width = 320, epochs = 1}: LiveCurvesOptions = {}): ReturnType<typeof Plot.plot> {
  const data = rows.filter((d) => d.metric === metric && Number.isFinite(d.value));
  return Plot.plot({
    width,
    height: 220,
    marginLeft: 45,
    ariaLabel: `live ${metric} curve`,
    x: {label: "Epoch →", domain: [0, epochs], grid: true},
    y: metric === "accuracy" ? {label: "↑ Accuracy (%)", percent: true, domain: [0, 100], grid: true} : {label: "↑ Loss", grid: true, zero: true},
    color: seriesColor(["train", "validation"], ["#4269d0", "#ff725c"], data.map((d) => d.split)),
    marks: [
      Plot.line(data.filter((d) => d.split === "train"), {x: "epoch", y: "value", stroke: "split", strokeWidth: 1, strokeOpacity: 0.7}),
      Plot.line(data.filter((d) => d.split === "validation"), {x: "epoch", y: "value", stroke: "split", strokeWidth: 2}),
      Plot.dot(data.filter((d) => d.split === "validation"), {x: "epoch", y: "value", fill: "split", r: 3.5})
    ]
  });
}

/**
 * The panel. `loadTf()` resolves to {tf, backend}; `data` to {train, test} subsets; `getConfig()` gives the
 * current settings when Train is pressed. Its element's dataset.state is "loading", "ready", "training",
 * "done" or "error", and dataset.points the number of curve points drawn, for tests and styles.
 */
export function TrainPanel({loadTf, workingBackends, wasmThreads, backend: forced = null, stockKernels = false, data, getConfig, width = 640}: TrainPanelOptions): HTMLDivElement {
  const trainButton = el("button", {className: "train-button", textContent: "Train", disabled: true});
  const stopButton = el("button", {className: "stop-button", textContent: "Stop", disabled: true});
  const status = el("p", {className: "train-status", textContent: "Loading TensorFlow.js and the training images…"});
  const curves = el("div", {className: "train-curves"});
  const result = el("div", {className: "train-result"});
  const root = el("div", {className: "train-panel"}, el("div", {className: "train-buttons"}, trainButton, stopButton), status, curves, result);
  root.dataset.state = "loading";
  root.dataset.points = "0";
  // Set once tfjs and the images have loaded, which is when the Train button is enabled.
  let tf!: Tf, best!: string, subsets!: TrainData;
  let stopRequested = false;
  let candidates: Promise<BackendAttempt[]> | undefined;
  const measured = new Map<string, StepTiming[]>();

  /** The backend to train `config` on: the only one that works, or the fastest at one step of it. */
  async function chooseBackend(config: TrainConfig): Promise<{backend: string; timings: StepTiming[]; passedOver: BackendAttempt[]}> {
    if (forced) return {backend: forced, timings: [], passedOver: []};
    const attempts = await (candidates ??= workingBackends ? workingBackends().catch(() => [{backend: best, ok: true}]) : Promise.resolve([{backend: best, ok: true}]));
    const list = attempts.filter((a) => a.ok).map((a) => a.backend);
    const passedOver = attempts.filter((a) => !a.ok);
    if (list.length <= 1) return {backend: list[0] ?? best, timings: [], passedOver};
    const key = stepKey(config);
    let timings = measured.get(key);
    if (!timings) {
      status.textContent = `Timing one training step of ${architecture(config)} on each of ${list.join(", ")}…`;
      timings = [];
      for (const backend of list) {
        try {
          await tf.setBackend(backend);
          await tf.ready();
          timings.push({backend, ms: await measureStep(tf, config, subsets.train)});
        } catch {
          timings.push({backend, ms: Infinity}); // a backend that fails the step is never chosen
        }
      }
      measured.set(key, timings);
    }
    return {backend: fastestBackend(timings) ?? best, timings, passedOver};
  }

  const half = Math.max(260, Math.floor((width - 20) / 2));
  const drawCurves = (rows: CurveRow[], epochs: number) => {
    curves.replaceChildren(LiveCurves(rows, {metric: "accuracy", width: half, epochs}), LiveCurves(rows, {metric: "loss", width: half, epochs}));
    root.dataset.points = String(rows.length);
  };

  drawCurves([], getConfig()?.epochs ?? 1); // empty axes until the first run

  Promise.all([loadTf(), data])
    .then(([loaded, d]) => {
      ({tf, backend: best} = loaded);
      subsets = d;
      root.dataset.state = "ready";
      root.dataset.backend = best;
      trainButton.disabled = false;
      const pinned = forced ? ` Training will run on the ${forced} backend, because this page's address asks for it (?backend=${forced}).` : "";
      status.textContent = `Ready: TensorFlow.js runs on its ${best} backend here; ${integer(d.train.count)} training images (up to ${integer(d.train.count - SHIPPED.validation)} to train on, ${integer(SHIPPED.validation)} to validate) and ${integer(d.test.count)} test images loaded.${pinned}`;
    })
    .catch((error: Error) => {
      root.dataset.state = "error";
      status.textContent = `Training is not available in this browser: ${error.message}`;
    });

  stopButton.onclick = () => {
    stopRequested = true;
    stopButton.disabled = true;
    status.textContent = "Stopping after this batch…";
  };

  trainButton.onclick = async () => {
    const config = getConfig()!; // the page has its settings by the time Train is enabled
    stopRequested = false;
    trainButton.disabled = true;
    stopButton.disabled = false;
    root.dataset.state = "training";
    result.replaceChildren();
    drawCurves([], config.epochs);
    let backend = best;
    try {
      if (stockKernels && config.model === "cnn" && (forced ?? best) === "wasm") {
        throw new Error("TensorFlow.js's own WebAssembly kernels cannot train a CNN (they have no convolution gradients); remove ?kernels=stock from the address to use this project's");
      }
      const choice = await chooseBackend(config);
      backend = choice.backend;
      root.dataset.trainedOn = backend;
      root.dataset.stepTimings = JSON.stringify(choice.timings);
      root.dataset.passedOver = JSON.stringify(choice.passedOver);
      const timed = choice.timings.length ? `, the fastest at one step here (${choice.timings.map((t) => `${t.backend} ${Number.isFinite(t.ms) ? `${t.ms.toFixed(0)} ms` : "failed"}`).join(", ")})` : "";
      const passed = choice.passedOver.length ? ` Passed over: ${choice.passedOver.map((a) => `${a.backend} (${a.error})`).join(", ")}.` : "";
      const why = forced ? `, as the address asks` : timed;
      await tf.setBackend(backend);
      await tf.ready();
      status.textContent = `Training ${architecture(config)} on ${integer(Math.min(config.trainSize, subsets.train.count - SHIPPED.validation))} images (${backend} backend${why})…`;
      const run = await trainInPage(tf, config, {
        train: subsets.train,
        test: subsets.test,
        shouldStop: () => stopRequested,
        onProgress: ({rows, epoch, batch, batches, epochs}) => {
          drawCurves(rows, epochs);
          if (!stopRequested) status.textContent = `Training ${architecture(config)} (${backend} backend): epoch ${epoch} of ${epochs}, batch ${batch} of ${batches}.`;
        }
      });
      drawCurves(run.rows, config.epochs);
      const saved = save(run, backend);
      const speed = run.trainSeconds > 0 ? run.trainedImages / run.trainSeconds : NaN;
      root.dataset.samplesPerSecond = String(speed);
      root.dataset.trainSeconds = String(run.trainSeconds);
      const threads = backend === "wasm" ? (wasmThreads?.() ?? null) : null;
      if (threads != null) root.dataset.threads = String(threads);
      root.dataset.state = "done";
      root.dataset.status = run.status;
      root.dataset.accuracy = String(run.test.accuracy);
      status.textContent = `${run.status === "stopped" ? `Stopped during epoch ${run.history.length} of ${config.epochs}` : `Trained ${config.epochs} epoch${config.epochs === 1 ? "" : "s"}`} in ${duration(run.seconds)} on the ${backend} backend${threads != null && threads > 1 ? ` (${threads} threads)` : ""}${why}${Number.isFinite(speed) ? `: ${integer(speed)} images a second while training` : ""}.${passed}`;
      result.replaceChildren(
        el(
          "p",
          {className: "train-accuracy"},
          "Test accuracy: ",
          el("strong", {className: "accuracy-value", textContent: percent(run.test.accuracy, 1)}),
          ` on ${integer(run.test.count)} test images (test loss ${run.test.loss.toFixed(4)}); ${integer(run.params)} parameters. `,
          el("a", {href: `./explorer?runs=${encodeURIComponent(saved.id)}`, className: "compare-link", textContent: `Compare “${saved.title}” with the stored runs in the explorer`}),
          "."
        ),
        el("div", {className: "train-confusion"}, ConfusionMatrix(run.test.confusion, {width: Math.min(width, 480)}))
      );
    } catch (error) {
      root.dataset.state = "error";
      status.textContent = `Training failed: ${(error as Error).message}`;
      console.warn(error);
    } finally {
      await tf.setBackend(best);
      trainButton.disabled = false;
      stopButton.disabled = true;
    }
  };

  /** Keeps the run in localStorage in the explorer's row shape. */
  function save(run: TrainResult, backend: string): ReaderRun {
    const id = nextReaderId(loadReaderRuns());
    const c = run.config;
    const reader: ReaderRun = {
      id,
      title: `Your run ${id.replace("yours-", "")}: ${c.model === "cnn" ? "CNN" : "MLP"} ${architecture(c)}, ${c.activation}`,
      family: "trained in your browser",
      dataset: "mnist",
      architecture: architecture(c),
      optimizer: c.optimizer,
      learningRate: c.learningRate,
      batchSize: c.batchSize,
      epochsRun: run.history.length,
      params: run.params,
      status: run.status,
      testAccuracy: run.test.accuracy,
      testLoss: run.test.loss,
      trainSeconds: Number(run.seconds.toFixed(2)),
      trainCount: run.trainSize,
      testCount: run.test.count,
      backend,
      createdAt: new Date().toISOString(),
      curves: {
        epoch: run.history.map((h) => h.epoch),
        loss: run.history.map((h) => h.loss),
        accuracy: run.history.map((h) => h.accuracy),
        valLoss: run.history.map((h) => h.valLoss),
        valAccuracy: run.history.map((h) => h.valAccuracy)
      }
    };
    saveReaderRun(reader);
    return reader;
  }

  return root;
}
