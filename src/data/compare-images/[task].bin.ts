// The pixels of every test image of a task (--task) that some stored run got wrong, for the two-run
// comparison page's galleries (loaders/report/comparePack.ts), gzip-compressed. Without the raw
// dataset (serving the committed report on a machine without Fashion-MNIST) it is an empty pack: the
// page then shows the numbers without images, and says so.
import { gzipSync } from "node:zlib";
import { parseArgs } from "node:util";
import { taskComparison } from "../../../loaders/report/compareData.ts";
import { PIXELS, loadDataset } from "../../../loaders/data/dataset.ts";
import { encodeCompareImages } from "../../../loaders/report/comparePack.ts";
import { currentProfile } from "../../../loaders/config.ts";

const { values } = parseArgs({ options: { task: { type: "string" } } });
if (!values.task) throw new Error("compare-images loader: missing --task");
const { task, dataset, testSet, runs } = await taskComparison(currentProfile(), values.task);
let images: Uint8Array | null = null;
try {
  images = loadDataset(dataset).test.images;
} catch (error) {
  process.stderr.write(`compare-images loader: ${task} without images (${(error as Error).message})\n`);
}
const bytes = images ? encodeCompareImages(task, testSet, runs, (index) => images!.subarray(index * PIXELS, (index + 1) * PIXELS)) : encodeCompareImages(task, testSet, [], () => new Uint8Array(0));
process.stdout.write(gzipSync(bytes, { level: 9 }));
