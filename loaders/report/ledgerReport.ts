// The ledger page's data: the per-image ledger (ledger.ts) over every completed ten-class MNIST run the
// profile stores, with the pixels of the images its galleries show.
import { Buffer } from "node:buffer";
import { PIXELS, loadDataset } from "../data/dataset.ts";
import { readRunPredictions, readTestSet } from "../experiments/store.ts";
import type { ProfileName } from "../spec/schema.ts";
import { buildLedger } from "./ledger.ts";
import { allStoredRuns } from "./report.ts";

export async function ledgerReport(profile: ProfileName) {
  const runs = (await allStoredRuns(profile)).filter(({ planned, record }) => planned.experiment.dataset === "mnist" && !planned.experiment.classes && record.status === "completed" && record.testSet && record.test);
  const testSetId = runs[0]?.record.testSet;
  const testSet = testSetId ? readTestSet(profile, testSetId) : null;
  if (!testSet) throw new Error(`ledger: no stored test set for the ten-class MNIST runs of the ${profile} profile`);
  const ledger = buildLedger(
    testSet,
    runs
      .filter(({ record }) => record.testSet === testSetId)
      .map(({ planned, record }) => ({ id: planned.experiment.id, title: planned.experiment.title, testAccuracy: record.test!.accuracy, predictions: readRunPredictions(planned.dir) }))
  );
  const images = loadDataset("mnist").test.images;
  const pixels = (index: number) => Buffer.from(images.subarray(index * PIXELS, (index + 1) * PIXELS)).toString("base64");
  return {
    profile,
    ...ledger,
    /** Per test image (in the test set's order), how many of the counted runs got it right. */
    rightCounts: Array.from(ledger.rightCounts),
    index: Array.from(ledger.index),
    label: Array.from(ledger.label),
    hardest: ledger.hardest.map((d) => ({ ...d, pixels: pixels(d.index) })),
    suspectLabels: ledger.suspectLabels.map((d) => ({ ...d, pixels: pixels(d.index) }))
  };
}
