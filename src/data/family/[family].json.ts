// All runs of one model family with their curves, confusion matrices and misclassified samples.
// Framework runs it alone while serving; the build produces every data file in one process (dataFiles.ts).
import { emitDataFile } from "../../../loaders/report/dataFiles.ts";

await emitDataFile("family/[family].json");
