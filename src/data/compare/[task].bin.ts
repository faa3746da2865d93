// The two-run comparison numbers of one task (--task, e.g. mnist or mnist-5v8): every stored run's
// wrong answers on the task's test images and McNemar's p-value of every pair of runs, packed by
// loaders/report/comparePack.ts and gzip-compressed. The images come in a second file
// (compare-images/[task].bin), which the page loads after it has shown the numbers.
import { gzipSync } from "node:zlib";
import { parseArgs } from "node:util";
import { taskComparison } from "../../../loaders/report/compareData.ts";
import { encodeComparePack } from "../../../loaders/report/comparePack.ts";
import { currentProfile } from "../../../loaders/config.ts";

const { values } = parseArgs({ options: { task: { type: "string" } } });
if (!values.task) throw new Error("compare loader: missing --task");
const { task, testSet, runs, classNames } = await taskComparison(currentProfile(), values.task);
process.stdout.write(gzipSync(encodeComparePack(task, testSet, runs, classNames), { level: 9 }));
