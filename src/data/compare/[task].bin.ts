// The two-run comparison numbers of one task (--task, e.g. mnist or mnist-5v8): every stored run's
// wrong answers on the task's test images and McNemar's p-value of every pair of runs, packed by
// loaders/report/comparePack.ts and gzip-compressed. The images come in a second file
// (compare-images/[task].bin), which the page loads after it has shown the numbers.
// Framework runs it alone while serving; the build produces every data file in one process (dataFiles.ts).
import { emitDataFile } from "../../../loaders/report/dataFiles.ts";

await emitDataFile("compare/[task].bin");
